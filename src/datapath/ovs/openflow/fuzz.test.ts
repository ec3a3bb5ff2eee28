import { describe, expect, it } from 'vitest';
import { rng, type Rng } from '../../../../test/helpers/rng.js';
import { decodeMessage, flowModToString, groupModToString, encodeFlowMod, encodeGroupMod, encodeMeterMod, fieldBits, meterModToString, type Action, type FlowMod, type GroupMod, type Instruction, type Match, type MatchField, type MeterMod } from './index.js';
import { firstDifference } from '../../../../test/helpers/openflow-fixtures.js';

type R = Rng;

const KIND: Record<string, 'uint' | 'u64' | 'mac' | 'ipv4'> = {
  inPort: 'uint', metadata: 'u64', ethDst: 'mac', ethSrc: 'mac', ethType: 'uint', vlanVid: 'uint', ipProto: 'uint',
  ipv4Src: 'ipv4', ipv4Dst: 'ipv4', ipDscp: 'uint', tcpSrc: 'uint', tcpDst: 'uint', udpSrc: 'uint', udpDst: 'uint',
  icmpv4Type: 'uint', arpOp: 'uint', arpSpa: 'ipv4', arpTpa: 'ipv4', arpSha: 'mac', arpTha: 'mac', tunnelId: 'u64',
  reg0: 'uint', reg3: 'uint', reg7: 'uint', ctState: 'uint', ctZone: 'uint', ctMark: 'uint', conjId: 'uint',
};
const MASKABLE = new Set(['metadata', 'ethDst', 'ethSrc', 'vlanVid', 'ipv4Src', 'ipv4Dst', 'arpSpa', 'arpTpa', 'arpSha', 'arpTha', 'tunnelId', 'reg0', 'reg3', 'reg7', 'ctState', 'ctMark']);
const FIELDS = Object.keys(KIND) as MatchField[];

/** A random value of `field`; ct_state values hold only the eight conntrack state bits. */
function value(r: R, field: string, bits = field === 'ctState' ? 8 : fieldBits(field)!): number | bigint | string {
  const v = r.bits(bits);
  switch (KIND[field]) {
    case 'mac':
      return v.toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:');
    case 'ipv4':
      return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
    case 'u64':
      return v;
    default:
      return Number(v);
  }
}

function match(r: R): Match {
  const m: Record<string, unknown> = {};
  for (let n = r.int(6); n > 0; n--) {
    const f = r.pick(FIELDS);
    m[f] = value(r, f);
    if (MASKABLE.has(f) && r.next() < 0.4) m[f + 'Mask'] = value(r, f);
  }
  return m as Match;
}

const ipv4 = (n: bigint) => [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');

/** A ct action of any modelled form; a src/dst NAT always commits, as vswitchd requires. */
function ct(r: R): Action {
  const a: Extract<Action, { type: 'ct' }> = { type: 'ct' };
  if (r.next() < 0.6) a.commit = true;
  if (r.next() < 0.7) a.zone = r.int(0x10000);
  if (r.next() < 0.5) a.table = r.int(255);
  const n = r.next();
  if (n < 0.3) a.nat = { kind: 'restore' };
  else if (n < 0.7) {
    a.commit = true;
    const min = 1n + r.bits(32) % 0xfffffffen;
    const nat: Extract<Action, { type: 'ct' }>['nat'] = { kind: r.pick(['src', 'dst'] as const), ipMin: ipv4(min) };
    if (r.next() < 0.5) nat.ipMax = ipv4(min + r.bits(32) % (0x100000000n - min));
    if (r.next() < 0.5) {
      nat.portMin = 1 + r.int(0xffff);
      if (r.next() < 0.5) nat.portMax = nat.portMin + r.int(0x10000 - nat.portMin);
    }
    if (r.next() < 0.3) nat.random = true;
    if (r.next() < 0.3) nat.persistent = true;
    a.nat = nat;
  }
  return a;
}

function action(r: R): Action {
  switch (r.int(10)) {
    case 0:
      return r.next() < 0.5 ? { type: 'output', port: r.int(0xffffffff) } : { type: 'output', port: 0xfffffffd, maxLen: 1 + r.int(0xfffe) };
    case 1:
      return { type: 'group', groupId: r.int(0xffffffff) };
    case 2: {
      const f = r.pick(FIELDS);
      return { type: 'setField', field: f, value: value(r, f) };
    }
    case 3:
      return r.next() < 0.5 ? { type: 'pushVlan' } : { type: 'pushVlan', ethertype: 0x88a8 };
    case 4:
      return { type: 'popVlan' };
    case 5: {
      const src = r.pick(FIELDS);
      const dst = r.pick(FIELDS);
      const sb = fieldBits(src)!;
      const db = fieldBits(dst)!;
      if (sb === db && r.next() < 0.5) return { type: 'move', src, dst };
      const nBits = 1 + r.int(Math.min(sb, db));
      return { type: 'move', src, dst, nBits, srcOfs: r.int(sb - nBits + 1), dstOfs: r.int(db - nBits + 1) };
    }
    case 6:
      return { type: 'setQueue', queueId: r.int(0xffffffff) };
    case 7:
      return ct(r);
    case 8: {
      const nClauses = 2 + r.int(63);
      return { type: 'conjunction', id: r.int(0xffffffff), clause: 1 + r.int(nClauses), nClauses };
    }
    default:
      return { type: 'decNwTtl' };
  }
}

function actions(r: R): Action[] {
  return Array.from({ length: r.int(5) }, () => action(r));
}

function instructions(r: R): Instruction[] {
  const out: Instruction[] = [];
  if (r.next() < 0.2) out.push({ type: 'meter', meterId: 1 + r.int(1000) });
  if (r.next() < 0.7) out.push({ type: 'applyActions', actions: actions(r) });
  if (r.next() < 0.2) out.push({ type: 'clearActions' });
  if (r.next() < 0.3) out.push({ type: 'writeActions', actions: actions(r) });
  if (r.next() < 0.3) out.push({ type: 'writeMetadata', metadata: r.bits(64), mask: r.bits(64) });
  if (r.next() < 0.5) out.push({ type: 'gotoTable', tableId: r.int(255) });
  return out;
}

function flowMod(r: R): FlowMod {
  const m: FlowMod = {
    command: r.pick(['add', 'modify', 'modifyStrict', 'delete', 'deleteStrict'] as const),
    tableId: r.int(255),
    priority: r.int(0x10000),
    cookie: r.bits(64),
    match: match(r),
    instructions: instructions(r),
  };
  if (r.next() < 0.3) m.cookieMask = r.bits(64);
  if (r.next() < 0.3) m.idleTimeout = 1 + r.int(0xffff);
  if (r.next() < 0.3) m.hardTimeout = 1 + r.int(0xffff);
  if (r.next() < 0.3) m.flags = 1 + r.int(31);
  if (r.next() < 0.2) m.outPort = r.int(0xfffffff0);
  if (r.next() < 0.2) m.outGroup = r.int(0xfffffff0);
  return m;
}

describe('decode -> encode -> decode round trip over random flow mods', () => {
  it('re-encodes every decoded flow mod to the same bytes and the same dump-flows line', () => {
    const seed = Number(process.env.OF_FUZZ_SEED ?? Date.now() % 1e9);
    const r = rng(seed);
    for (let i = 0; i < 3000; i++) {
      const original = flowMod(r);
      const bytes = encodeFlowMod(original, i + 1);
      const decoded = decodeMessage(bytes).flowMod!;
      const again = encodeFlowMod(decoded, i + 1);
      const diff = firstDifference(again, bytes);
      if (diff) throw new Error(`seed ${seed} case ${i}: ${diff}\n${JSON.stringify(original, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`);
      expect(decodeMessage(again).flowMod, `seed ${seed} case ${i}`).toEqual(decoded);
      expect(flowModToString(decoded, { cookie: true }), `seed ${seed} case ${i}`).toBe(flowModToString(original, { cookie: true }));
    }
  });

  it('round-trips random group mods', () => {
    const seed = Number(process.env.OF_FUZZ_SEED ?? Date.now() % 1e9) + 1;
    const r = rng(seed);
    for (let i = 0; i < 500; i++) {
      const g: GroupMod = {
        command: r.pick(['add', 'modify', 'delete'] as const),
        type: r.pick(['all', 'select', 'indirect', 'ff'] as const),
        groupId: r.int(0xffffff00),
        buckets: Array.from({ length: r.int(4) }, () => ({ weight: r.int(100) || undefined, watchPort: r.next() < 0.3 ? r.int(100) : undefined, actions: actions(r) })),
      };
      const bytes = encodeGroupMod(g, i);
      const decoded = decodeMessage(bytes).groupMod!;
      expect(firstDifference(encodeGroupMod(decoded, i), bytes), `seed ${seed} case ${i}`).toBe('');
      expect(decoded.groupId).toBe(g.groupId);
      expect(decoded.buckets.length).toBe(g.buckets.length);
      expect(groupModToString(decoded), `seed ${seed} case ${i}`).toBe(groupModToString(g));
    }
  });

  it('round-trips random meter mods (drop bands, and raw bands of other types)', () => {
    const seed = Number(process.env.OF_FUZZ_SEED ?? Date.now() % 1e9) + 2;
    const r = rng(seed);
    for (let i = 0; i < 500; i++) {
      const m: MeterMod = {
        command: r.pick(['add', 'modify', 'delete'] as const),
        meterId: r.int(0xffffffff),
        flags: r.int(16),
        bands: Array.from({ length: r.int(4) }, () =>
          r.next() < 0.8
            ? { type: 'drop' as const, rate: r.int(0xffffffff), ...(r.next() < 0.5 ? { burstSize: 1 + r.int(0xfffffffe) } : {}) }
            : { type: 'raw' as const, hex: '0002001000000064000000000a000000' },
        ),
      };
      const bytes = encodeMeterMod(m, i);
      const decoded = decodeMessage(bytes).meterMod!;
      expect(firstDifference(encodeMeterMod(decoded, i), bytes), `seed ${seed} case ${i}`).toBe('');
      expect(decoded, `seed ${seed} case ${i}`).toEqual(m);
      expect(meterModToString(decoded)).toBe(meterModToString(m));
    }
  });
});
