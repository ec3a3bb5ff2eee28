import { describe, expect, it } from 'vitest';
import { rng, type Rng } from '../../../../test/helpers/rng.js';
import { encodeBatch, fieldBits, OFP13_VERSION, OFP14_VERSION, type Action, type FlowMod, type Instruction, type MatchField } from './index.js';
import { openflowNative } from './native.js';
import { FlowModPacker } from './pack.js';
import { firstDifference, loadFormatFixtures } from '../../../../test/helpers/openflow-fixtures.js';

const nat = openflowNative();
const packer = new FlowModPacker(nat.matchFields());
type Opts = { version: number; firstXid: number; bundleId?: number; bundleFlags?: number };

/** Index and context of the first byte where two encodings differ (xids included); '' if they are equal. */
function firstByteDifference(actual: Buffer, expected: Buffer): string {
  const n = Math.max(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) {
      const ctx = (b: Buffer) => b.subarray(Math.max(0, i - 8), i + 8).toString('hex');
      return `first difference at byte ${i}: packed ${actual[i]?.toString(16) ?? 'END'}, object path ${expected[i]?.toString(16) ?? 'END'}; around: packed ${ctx(actual)} object path ${ctx(expected)}; lengths ${actual.length}/${expected.length}`;
    }
  }
  return '';
}

const show = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

/** Encodes `mods` through the flat layout; returns the bytes and how many mods the packer left to the object path. */
function viaPacked(mods: FlowMod[], o: Opts): { bytes: Buffer; fromObjects: number } {
  const p = packer.pack(mods);
  return { bytes: nat.encodeFlowModsPacked(p.words, p.wide, mods, o), fromObjects: p.fromObjects };
}

const viaObjects = (mods: FlowMod[], o: Opts): Buffer => nat.encodeModList('flow', mods, o);

const KIND: Record<string, 'uint' | 'u64' | 'mac' | 'ipv4'> = {
  inPort: 'uint', metadata: 'u64', ethDst: 'mac', ethSrc: 'mac', ethType: 'uint', vlanVid: 'uint', ipProto: 'uint',
  ipv4Src: 'ipv4', ipv4Dst: 'ipv4', ipDscp: 'uint', tcpSrc: 'uint', tcpDst: 'uint', udpSrc: 'uint', udpDst: 'uint',
  icmpv4Type: 'uint', arpOp: 'uint', arpSpa: 'ipv4', arpTpa: 'ipv4', arpSha: 'mac', arpTha: 'mac', tunnelId: 'u64',
  tunIpv4Src: 'ipv4', tunIpv4Dst: 'ipv4', reg0: 'uint', reg1: 'uint', reg5: 'uint', reg7: 'uint',
  ctState: 'uint', ctZone: 'uint', ctMark: 'uint',
};
const MASKABLE = new Set(['metadata', 'ethDst', 'ethSrc', 'vlanVid', 'ipv4Src', 'ipv4Dst', 'arpSpa', 'arpTpa', 'arpSha', 'arpTha', 'tunnelId', 'tunIpv4Src', 'tunIpv4Dst', 'reg0', 'reg1', 'reg5', 'reg7', 'ctState', 'ctMark']);
const FIELDS = Object.keys(KIND) as MatchField[];

/** A value of `field`, in any spelling the object path accepts (case, separators, leading zeros, bigint vs number). */
function value(r: Rng, field: string, full = false): number | bigint | string {
  const bits = fieldBits(field)!;
  // ct_state values hold only the eight state bits (a mask may be wider: both paths cut it to 8).
  const v = full ? (1n << BigInt(bits)) - 1n : field === 'ctState' ? r.bits(8) : r.bits(bits);
  switch (KIND[field]) {
    case 'mac': {
      const sep = r.next() < 0.8 ? ':' : '-';
      const s = v.toString(16).padStart(12, '0').replace(/(..)(?!$)/g, `$1${sep}`);
      return r.next() < 0.2 ? s.toUpperCase() : s;
    }
    case 'ipv4':
      return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn).padStart(r.next() < 0.1 ? 3 : 1, '0')).join('.');
    case 'u64':
      return r.next() < 0.1 ? Number(v & 0xffffffffn) : v;
    default:
      return r.next() < 0.1 ? v : Number(v);
  }
}

function action(r: Rng): Action {
  switch (r.int(10)) {
    case 0:
      return r.next() < 0.5 ? { type: 'output', port: r.int(0xffffffff) } : { type: 'output', port: 0xfffffffd, maxLen: r.int(0x10000) };
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
    case 5:
      // Not laid out flat: read from the object.
      return { type: 'move', src: 'ethSrc', dst: 'ethDst' };
    case 6:
      return { type: 'setQueue', queueId: r.int(0xffffffff) };
    case 7:
      return { type: 'raw', hex: '0018000800000000' };
    case 8:
      // Not laid out flat either: a ct flow must reach the object path whole.
      return r.next() < 0.5 ? { type: 'ct', commit: true, zone: r.int(0x10000), nat: { kind: 'src', ipMin: '169.254.64.17' } } : { type: 'ct', zone: 5, table: 35, nat: { kind: 'restore' } };
    default:
      return { type: 'decNwTtl' };
  }
}

function instructions(r: Rng): Instruction[] {
  const out: Instruction[] = [];
  const actions = () => Array.from({ length: r.int(5) }, () => action(r));
  if (r.next() < 0.2) out.push({ type: 'meter', meterId: 1 + r.int(1000) });
  if (r.next() < 0.7) out.push({ type: 'applyActions', actions: actions() });
  if (r.next() < 0.2) out.push({ type: 'clearActions' });
  if (r.next() < 0.3) out.push({ type: 'writeActions', actions: actions() });
  if (r.next() < 0.3) out.push(r.next() < 0.5 ? { type: 'writeMetadata', metadata: r.bits(64), mask: r.bits(64) } : ({ type: 'writeMetadata', metadata: r.bits(64) } as Instruction));
  if (r.next() < 0.5) out.push({ type: 'gotoTable', tableId: r.int(256) });
  return out;
}

function flowMod(r: Rng): FlowMod {
  const match: Record<string, unknown> = {};
  for (let n = r.int(7); n > 0; n--) {
    const f = r.pick(FIELDS);
    // Masks are sometimes written before their value, sometimes full (which the codec encodes unmasked).
    if (MASKABLE.has(f) && r.next() < 0.4) match[`${f}Mask`] = value(r, f, r.next() < 0.2);
    match[f] = value(r, f);
  }
  if (r.next() < 0.1) match.ipProto = undefined;
  const m: FlowMod = {
    command: r.pick(['add', 'modify', 'modifyStrict', 'delete', 'deleteStrict'] as const),
    tableId: r.int(256),
    priority: r.int(0x10000),
    cookie: r.bits(64),
    match: match as FlowMod['match'],
    instructions: instructions(r),
  };
  if (r.next() < 0.3) m.cookieMask = r.bits(64);
  if (r.next() < 0.3) m.idleTimeout = r.int(0x10000);
  if (r.next() < 0.3) m.hardTimeout = r.int(0x10000);
  if (r.next() < 0.3) m.flags = r.int(32);
  if (r.next() < 0.2) m.outPort = r.int(0xffffffff);
  if (r.next() < 0.2) m.outGroup = r.int(0xffffffff);
  if (r.next() < 0.1) m.bufferId = r.int(0xffffffff);
  return m;
}

describe('flat (packed) flow-mod layout against the object path', () => {
  it('encodes random flow-mods to exactly the same bytes, plain and bundled, OpenFlow 1.3 and 1.4', () => {
    const seed = Number(process.env.OF_FUZZ_SEED ?? Date.now() % 1e9);
    const r = rng(seed);
    let packedMods = 0;
    for (let batch = 0; batch < 60; batch++) {
      const mods = Array.from({ length: 1 + r.int(60) }, () => flowMod(r));
      const o: Opts = r.next() < 0.5 ? { version: OFP13_VERSION, firstXid: 1 + r.int(1e6) } : { version: OFP14_VERSION, firstXid: 1 + r.int(1e6), bundleId: r.int(1000), bundleFlags: 3 };
      const packed = viaPacked(mods, o);
      const diff = firstByteDifference(packed.bytes, viaObjects(mods, o));
      if (diff) throw new Error(`seed ${seed} batch ${batch}: ${diff}\n${show(mods)}`);
      packedMods += mods.length - packed.fromObjects;
    }
    // The comparison means something only if most mods really went through the flat layout.
    expect(packedMods).toBeGreaterThan(500);
  });

  it('lays out the benchmark and pipeline shapes flat, leaving none to the object path', () => {
    const mac = '02:42:0a:00:01:07';
    const mods: FlowMod[] = [
      { command: 'add', tableId: 0, priority: 100, cookie: 5n << 56n, match: { inPort: 7, ethSrc: mac }, instructions: [{ type: 'writeMetadata', metadata: 3n, mask: 0xffffffffn }, { type: 'gotoTable', tableId: 1 }] },
      { command: 'add', tableId: 1, priority: 200, cookie: 1n, match: { inPort: 7, ethSrc: mac, ethType: 0x0806, arpSpa: '10.0.1.7', arpSha: mac }, instructions: [{ type: 'gotoTable', tableId: 2 }] },
      { command: 'add', tableId: 3, priority: 100, cookie: 1n, match: { metadata: 3n, metadataMask: 0xffffffffn, ethType: 0x0800, ipv4Dst: '10.0.1.7' }, instructions: [{ type: 'applyActions', actions: [{ type: 'setField', field: 'ethDst', value: mac }, { type: 'output', port: 7 }] }] },
      { command: 'deleteStrict', tableId: 3, priority: 100, cookie: 0n, match: { tunnelId: 0x1234n, tunIpv4Src: '192.168.1.2', reg0: 9 }, instructions: [] },
    ];
    const o = { version: OFP13_VERSION, firstXid: 40 };
    const packed = viaPacked(mods, o);
    expect(packed.fromObjects).toBe(0);
    expect(firstByteDifference(packed.bytes, viaObjects(mods, o))).toBe('');
  });

  it('leaves move and raw actions, and unusual values, to the object path, with the same bytes', () => {
    const base: FlowMod = { command: 'add', tableId: 4, priority: 300, cookie: 5n, match: { ethType: 0x0806 }, instructions: [] };
    const mods: FlowMod[] = [
      { ...base, instructions: [{ type: 'applyActions', actions: [{ type: 'move', src: 'arpSha', dst: 'arpTha' }] }] },
      { ...base, instructions: [{ type: 'raw', hex: '0006000800000007' }] },
      { ...base, match: { ethSrc: '2:0:0:0:0:1' as string } },
      base,
    ];
    const o = { version: OFP13_VERSION, firstXid: 9 };
    const valid = [mods[0], mods[1], mods[3]];
    const packed = viaPacked(valid, o);
    expect(packed.fromObjects).toBe(2);
    expect(firstByteDifference(packed.bytes, viaObjects(valid, o))).toBe('');
    // A MAC without leading zeros is not an address either path accepts: both reject it with the same words.
    let packedError: unknown;
    let objectError: unknown;
    try {
      viaPacked(mods, o);
    } catch (e) {
      packedError = e;
    }
    try {
      viaObjects(mods, o);
    } catch (e) {
      objectError = e;
    }
    expect(packedError).toBeInstanceOf(TypeError);
    expect((packedError as Error).message).toBe((objectError as Error).message);
    expect((packedError as { index?: number }).index).toBe(2);
  });

  it('leaves ct flows to the object path, which encodes them as ovs-ofctl does', () => {
    const fx = loadFormatFixtures();
    const snat = fx.flows.find((f) => f.name === 'ct_snat_then_output')!;
    const ctFlow: FlowMod = {
      command: 'add', tableId: 7, priority: 6, cookie: 0n, match: { ethType: 0x0800, inPort: 3 },
      instructions: [{ type: 'applyActions', actions: [{ type: 'ct', commit: true, zone: 5, nat: { kind: 'src', ipMin: '169.254.64.17' } }, { type: 'output', port: 65002 }] }],
    };
    const plain: FlowMod = { ...ctFlow, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 65002 }] }] };
    const o = { version: OFP13_VERSION, firstXid: 6 };
    const packed = viaPacked([plain, ctFlow, plain], o);
    expect(packed.fromObjects).toBe(1);
    expect(firstByteDifference(packed.bytes, viaObjects([plain, ctFlow, plain], o))).toBe('');
    const alone = viaPacked([ctFlow], o).bytes;
    expect(firstDifference(alone, Buffer.from(snat.flowMod, 'hex'))).toBe('');
  });

  it('rejects bad input with the object path\'s error, naming the mod and the field', () => {
    const good: FlowMod = { command: 'add', tableId: 0, priority: 1, cookie: 0n, match: { inPort: 1 }, instructions: [] };
    const bad: [FlowMod, RegExp][] = [
      [{ ...good, priority: 70000 }, /flowMods\[1\]: priority exceeds 16 bits/],
      [{ ...good, tableId: -1 }, /flowMods\[1\]: tableId must be a non-negative integer/],
      [{ ...good, command: 'replace' as never }, /flowMods\[1\]: unknown flow mod command/],
      [{ ...good, match: { nope: 1 } as never }, /flowMods\[1\]: unknown match field 'nope'/],
      [{ ...good, match: { ipv4Src: '10.0.0.256' } }, /flowMods\[1\]: match.ipv4Src: '10.0.0.256' is not an IPv4 address/],
      [{ ...good, match: { ethSrcMask: 'ff:ff:ff:ff:ff:ff' } }, /flowMods\[1\]: match.ethSrcMask given without ethSrc/],
      [{ ...good, match: { ethTypeMask: 1 } as never }, /flowMods\[1\]: match field 'ethType' cannot be masked/],
      [{ ...good, cookie: -1n }, /flowMods\[1\]: cookie does not fit in 64 bits/],
      [{ ...good, match: { ctState: 0x120 } }, /flowMods\[1\]: match\.ctState: only bits 0\.\.7 are conntrack states/],
      [{ ...good, instructions: [{ type: 'applyActions', actions: [{ type: 'ct', nat: { kind: 'src', ipMin: '10.0.0.1' } }] }] }, /flowMods\[1\]: ct\.nat: a src\/dst nat requires ct\.commit/],
      [{ ...good, instructions: [{ type: 'applyActions', actions: [{ type: 'output' } as never] }] }, /flowMods\[1\]: missing port/],
      [{ ...good, instructions: [{ type: 'applyActions', actions: [{ type: 'setField', field: 'nope' as never, value: 1 }] }] }, /flowMods\[1\]: unknown set_field field 'nope'/],
    ];
    expect.assertions(bad.length * 2);
    for (const [mod, want] of bad) {
      const mods = [good, mod, good];
      expect(() => encodeBatch({ version: OFP13_VERSION, firstXid: 1, flowMods: mods })).toThrow(want);
      let objectError: Error | undefined;
      try {
        viaObjects(mods, { version: OFP13_VERSION, firstXid: 1 });
      } catch (e) {
        objectError = e as Error;
      }
      expect(() => viaPacked(mods, { version: OFP13_VERSION, firstXid: 1 })).toThrow(objectError!.message);
    }
  });

  it('the native reader refuses a layout that ends early, runs over, or names a field it does not have', () => {
    const mods: FlowMod[] = [{ command: 'add', tableId: 0, priority: 1, cookie: 0n, match: { inPort: 1 }, instructions: [] }];
    const o = { version: OFP13_VERSION, firstXid: 1 };
    const p = packer.pack(mods);
    const words = p.words.slice();
    const wide = p.wide.slice();
    expect(() => nat.encodeFlowModsPacked(words.subarray(0, words.length - 1), wide, mods, o)).toThrow(/end early/);
    expect(() => nat.encodeFlowModsPacked(Uint32Array.from([...words, 0]), wide, mods, o)).toThrow(/more than 1 mods/);
    expect(() => nat.encodeFlowModsPacked(words, wide.subarray(0, 1), mods, o)).toThrow(/end early/);
    const badField = words.slice();
    badField[11] = 999; // the first match entry's field index (after the tag, 9 header words and the match count)
    expect(() => nat.encodeFlowModsPacked(badField, wide, mods, o)).toThrow(/value 999 above/);
    expect(() => nat.encodeFlowModsPacked(new Uint8Array(4) as never, wide, mods, o)).toThrow(/wrong array type/);
  });
});
