/** Canonical text of a flow, so desired flows and dumped flows can be compared as strings. */
import type { Action, Instruction, Match } from './types.js';

type Kind = 'uint' | 'u64' | 'mac' | 'ipv4';

/** Width and value kind of every named match field (mirrors native/openflow/oxm.cc). */
const FIELDS: Record<string, { kind: Kind; bits: number; fullMasks?: number[] }> = {
  inPort: { kind: 'uint', bits: 32 },
  metadata: { kind: 'u64', bits: 64 },
  ethDst: { kind: 'mac', bits: 48 },
  ethSrc: { kind: 'mac', bits: 48 },
  ethType: { kind: 'uint', bits: 16 },
  // vlan_vid carries 13 meaningful bits; OVS treats 0x1fff as an exact match.
  vlanVid: { kind: 'uint', bits: 16, fullMasks: [0x1fff] },
  ipProto: { kind: 'uint', bits: 8 },
  ipv4Src: { kind: 'ipv4', bits: 32 },
  ipv4Dst: { kind: 'ipv4', bits: 32 },
  ipDscp: { kind: 'uint', bits: 8 },
  tcpSrc: { kind: 'uint', bits: 16 },
  tcpDst: { kind: 'uint', bits: 16 },
  udpSrc: { kind: 'uint', bits: 16 },
  udpDst: { kind: 'uint', bits: 16 },
  icmpv4Type: { kind: 'uint', bits: 8 },
  arpOp: { kind: 'uint', bits: 16 },
  arpSpa: { kind: 'ipv4', bits: 32 },
  arpTpa: { kind: 'ipv4', bits: 32 },
  arpSha: { kind: 'mac', bits: 48 },
  arpTha: { kind: 'mac', bits: 48 },
  tunnelId: { kind: 'u64', bits: 64 },
  tunIpv4Src: { kind: 'ipv4', bits: 32 },
  tunIpv4Dst: { kind: 'ipv4', bits: 32 },
  reg0: { kind: 'uint', bits: 32 },
  reg1: { kind: 'uint', bits: 32 },
  reg2: { kind: 'uint', bits: 32 },
  reg3: { kind: 'uint', bits: 32 },
  reg4: { kind: 'uint', bits: 32 },
  reg5: { kind: 'uint', bits: 32 },
  reg6: { kind: 'uint', bits: 32 },
  reg7: { kind: 'uint', bits: 32 },
};

/** Bit width of a named match field, or undefined for names the codec does not know. */
export function fieldBits(name: string): number | undefined {
  return FIELDS[name]?.bits;
}

function toBig(kind: Kind, v: unknown): bigint {
  if (kind === 'mac') return BigInt('0x' + String(v).replace(/[:-]/g, ''));
  if (kind === 'ipv4') return String(v).split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
  return BigInt(v as number | bigint);
}

function fromBig(kind: Kind, bits: number, v: bigint): string {
  if (kind === 'mac') return v.toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:');
  if (kind === 'ipv4') return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  return '0x' + v.toString(16);
}

/** Normalised `key=value` pairs of a match: masks applied, full masks dropped, zero masks drop the field. */
export function canonicalMatch(match: Match): string[] {
  const m = match as Record<string, unknown>;
  const out: string[] = [];
  for (const key of Object.keys(m)) {
    if (key.endsWith('Mask') || m[key] === undefined) continue;
    const f = FIELDS[key];
    if (!f) {
      out.push(`${key}=${String(m[key])}`);
      continue;
    }
    const full = (1n << BigInt(f.bits)) - 1n;
    let value = toBig(f.kind, m[key]);
    const rawMask = m[key + 'Mask'];
    let mask = rawMask === undefined ? full : toBig(f.kind, rawMask);
    if (f.fullMasks?.some((x) => BigInt(x) === mask)) mask = full;
    if (mask === 0n) continue;
    value &= mask;
    out.push(mask === full ? `${key}=${fromBig(f.kind, f.bits, value)}` : `${key}=${fromBig(f.kind, f.bits, value)}/${fromBig(f.kind, f.bits, mask)}`);
  }
  return out.sort();
}

function num(v: number | bigint | string): string {
  return typeof v === 'string' ? v.toLowerCase() : '0x' + BigInt(v).toString(16);
}

/** Normalised text of one action; defaults (max_len 0, ethertype 0x8100, whole-field moves) are left out. */
export function canonicalAction(a: Action): string {
  switch (a.type) {
    case 'output':
      return a.maxLen ? `output:${a.port}/${a.maxLen}` : `output:${a.port}`;
    case 'group':
      return `group:${a.groupId}`;
    case 'setField': {
      const f = FIELDS[a.field];
      const v = f ? fromBig(f.kind, f.bits, toBig(f.kind, a.value)) : num(a.value);
      return `set:${a.field}=${v}`;
    }
    case 'pushVlan':
      return `push_vlan:${num(a.ethertype ?? 0x8100)}`;
    case 'popVlan':
      return 'pop_vlan';
    case 'move': {
      const nBits = a.nBits ?? fieldBits(a.src) ?? 0;
      return `move:${a.src}[${a.srcOfs ?? 0}+${nBits}]->${a.dst}[${a.dstOfs ?? 0}]`;
    }
    case 'setQueue':
      return `set_queue:${a.queueId}`;
    case 'decNwTtl':
      return 'dec_ttl';
    case 'raw':
      return `raw:${a.hex.toLowerCase()}`;
  }
}

/** The order in which OpenFlow executes (and OVS dumps) instructions. */
const INSTRUCTION_ORDER: Record<Instruction['type'], number> = {
  meter: 0,
  applyActions: 1,
  clearActions: 2,
  writeActions: 3,
  writeMetadata: 4,
  gotoTable: 5,
  raw: 6,
};

function canonicalInstruction(i: Instruction): string {
  switch (i.type) {
    case 'gotoTable':
      return `goto:${i.tableId}`;
    case 'writeMetadata':
      return `write_metadata:${num(i.metadata & i.mask)}/${num(i.mask)}`;
    case 'applyActions':
      return `apply(${i.actions.map(canonicalAction).join(',')})`;
    case 'writeActions':
      return `write(${i.actions.map(canonicalAction).join(',')})`;
    case 'clearActions':
      return 'clear';
    case 'meter':
      return `meter:${i.meterId}`;
    case 'raw':
      return `raw:${i.hex.toLowerCase()}`;
  }
}

/**
 * Deterministic string of a flow's identity+behaviour (table, priority, match with full masks dropped and
 * keys sorted, instructions) used to compare desired flows with dumped ones; a dumped flow and the FlowMod
 * that installed it give the same string.
 */
export function canonicalFlow(f: { tableId: number; priority: number; match: Match; instructions: Instruction[] }): string {
  const ins = [...f.instructions]
    .filter((i) => !(i.type === 'applyActions' && i.actions.length === 0))
    .sort((a, b) => INSTRUCTION_ORDER[a.type] - INSTRUCTION_ORDER[b.type])
    .map(canonicalInstruction);
  return `table=${f.tableId} priority=${f.priority} match={${canonicalMatch(f.match).join(',')}} ${ins.length ? ins.join(' ') : 'drop'}`;
}
