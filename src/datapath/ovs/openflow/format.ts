/**
 * Flows and groups as text, exactly as `ovs-ofctl -O OpenFlow13 --no-stats --no-names dump-flows`
 * and `dump-groups` print them, so desired flows, dumped flows, test expectations and operator
 * output share one textual form. A FlowMod and the FlowStats the switch reports for the flow it
 * installed print the same line (OVS's normalisation, such as dropping full masks, is applied here).
 */
import { OFPFF_CHECK_OVERLAP, OFPFF_NO_BYT_COUNTS, OFPFF_NO_PKT_COUNTS, OFPFF_RESET_COUNTS, OFPFF_SEND_FLOW_REM, OFPP_CONTROLLER, OFPP_MAX } from './constants.js';
import { FIELDS, fieldToBigInt, ipv4String, macString, type FieldInfo } from './fields.js';
import type { Action, Bucket, CtNat, FlowStats, GroupMod, Instruction, Match, MatchField } from './types.js';

/** What printing a flow needs: FlowMod and FlowStats both have it. */
export interface FlowText {
  tableId: number;
  priority: number;
  match: Match;
  instructions: Instruction[];
  cookie?: bigint;
  idleTimeout?: number;
  hardTimeout?: number;
  flags?: number;
}

/** Options of a flow line; without any, the line is what `--no-stats` prints minus a non-zero cookie. */
export interface FlowFormatOptions {
  /** Print `cookie=0x..., ` first when the cookie is non-zero, as ofctl does. */
  cookie?: boolean;
}

/** Options of a dumped flow's line. */
export interface FlowStatsFormatOptions extends FlowFormatOptions {
  /**
   * Print counters as ofctl does without `--no-stats` (cookie always, `table=`, `n_packets=`,
   * `n_bytes=`), but without `duration=` and `idle_age=`, which change from one dump to the next.
   */
  stats?: boolean;
}

/** OFP_DEFAULT_PRIORITY: ofctl leaves this priority out of the match. */
const OFP_DEFAULT_PRIORITY = 0x8000;

/** Flow-mod flags in the order ofctl prints them (OVS 3.1 keeps and reports all five). */
const FLAG_NAMES: [number, string][] = [
  [OFPFF_SEND_FLOW_REM, 'send_flow_rem'],
  [OFPFF_CHECK_OVERLAP, 'check_overlap'],
  [OFPFF_RESET_COUNTS, 'reset_counts'],
  [OFPFF_NO_PKT_COUNTS, 'no_packet_counts'],
  [OFPFF_NO_BYT_COUNTS, 'no_byte_counts'],
];

const RESERVED_PORTS: Record<number, string> = {
  0xfffffff8: 'IN_PORT',
  0xfffffff9: 'TABLE',
  0xfffffffa: 'NORMAL',
  0xfffffffb: 'FLOOD',
  0xfffffffc: 'ALL',
  0xfffffffd: 'CONTROLLER',
  0xfffffffe: 'LOCAL',
  0xffffffff: 'ANY',
};

/** A port number as ofctl prints it: reserved ports by name (IN_PORT, CONTROLLER, LOCAL...), others as the number. */
export function portString(port: number): string {
  return RESERVED_PORTS[port] ?? String(port);
}

/** C's `%#x`: `0` for zero, else `0x` and lowercase hex. */
function hexAlt(v: bigint): string {
  return v === 0n ? '0' : '0x' + v.toString(16);
}

/** A match field as value and mask (value already masked), or undefined when it matches anything. */
function masked(m: Match, key: MatchField): { v: bigint; mask: bigint; full: boolean } | undefined {
  const raw = m[key];
  if (raw === undefined) return undefined;
  const f = FIELDS[key];
  const all = (1n << BigInt(f.bits)) - 1n;
  const rawMask = (m as Record<string, unknown>)[key + 'Mask'];
  const mask = rawMask === undefined ? all : fieldToBigInt(f.kind, rawMask) & all;
  if (mask === 0n) return undefined;
  return { v: fieldToBigInt(f.kind, raw) & mask, mask, full: mask === all };
}

function cidrLength(mask: bigint): number | undefined {
  for (let n = 0; n <= 32; n++) if (mask === (((1n << 32n) - 1n) ^ ((1n << BigInt(32 - n)) - 1n))) return n;
  return undefined;
}

function ipField(out: string[], name: string, m: Match, key: MatchField): void {
  const x = masked(m, key);
  if (!x) return;
  if (x.full) out.push(`${name}=${ipv4String(x.v)}`);
  else {
    const len = cidrLength(x.mask);
    out.push(`${name}=${ipv4String(x.v)}/${len !== undefined ? len : ipv4String(x.mask)}`);
  }
}

function ethField(out: string[], name: string, m: Match, key: MatchField): void {
  const x = masked(m, key);
  if (x) out.push(x.full ? `${name}=${macString(x.v)}` : `${name}=${macString(x.v)}/${macString(x.mask)}`);
}

/** OVS's format_uint32_masked / format_be64_masked (`%#x`). */
function hexField(out: string[], name: string, m: Match, key: MatchField): void {
  const x = masked(m, key);
  if (x) out.push(x.full ? `${name}=${hexAlt(x.v)}` : `${name}=${hexAlt(x.v)}/${hexAlt(x.mask)}`);
}

/** OVS's format_be16_masked: decimal when exact, hex pair when masked. */
function u16Field(out: string[], name: string, m: Match, key: MatchField): void {
  const x = masked(m, key);
  if (x) out.push(x.full ? `${name}=${x.v}` : `${name}=0x${x.v.toString(16)}/0x${x.mask.toString(16)}`);
}

// OVS 3.1 names IGMP in flow keys only, not in dumped matches: `ip,nw_proto=2`.
const IPV4_PROTOS: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 132: 'sctp' };
const IPV6_PROTOS: Record<number, string> = { 6: 'tcp6', 17: 'udp6', 58: 'icmp6', 132: 'sctp6' };
const ETH_TYPES: Record<number, string> = { 0x0800: 'ip', 0x86dd: 'ipv6', 0x0806: 'arp', 0x8035: 'rarp', 0x8847: 'mpls', 0x8848: 'mplsm' };
const ETH_TYPE_IP = 0x0800;
const ETH_TYPE_IPV6 = 0x86dd;
const ETH_TYPE_ARP = 0x0806;
const ETH_TYPE_RARP = 0x8035;
const VLAN_CFI = 0x1000n;
const VLAN_VID_MASK = 0x0fffn;

/** Conntrack state bit names in bit order (OVS's CS_STATES). */
const CT_STATE_NAMES = ['new', 'est', 'rel', 'rpl', 'inv', 'trk', 'snat', 'dnat'];

/** OVS keeps ct_state in 8 bits: all of them print as `a|b` (or `0`), fewer as `+a-b` in bit order. */
function ctStateField(out: string[], m: Match): void {
  if (m.ctState === undefined) return;
  const mask = Number(m.ctStateMask ?? 0xff) & 0xff;
  if (mask === 0) return;
  const v = Number(m.ctState) & mask;
  const bits = CT_STATE_NAMES.map((name, i) => ({ name, bit: 1 << i }));
  if (mask === 0xff) {
    out.push(`ct_state=${v ? bits.filter((b) => v & b.bit).map((b) => b.name).join('|') : '0'}`);
    return;
  }
  out.push(`ct_state=${bits.filter((b) => mask & b.bit).map((b) => `${v & b.bit ? '+' : '-'}${b.name}`).join('')}`);
}

/**
 * The match as ofctl prints it (OVS's match_format), preceded by `priority=N` unless the priority
 * is the default; fields in OVS's order and names, masks applied, full masks dropped.
 */
export function matchToString(m: Match, priority: number = OFP_DEFAULT_PRIORITY): string {
  const out: string[] = [];
  if (priority !== OFP_DEFAULT_PRIORITY) out.push(`priority=${priority}`);
  // OVS prints conj_id, then the conntrack fields, before the protocol shorthand.
  if (m.conjId !== undefined) out.push(`conj_id=${m.conjId}`);
  ctStateField(out, m);
  u16Field(out, 'ct_zone', m, 'ctZone');
  hexField(out, 'ct_mark', m, 'ctMark');
  const ethType = m.ethType;
  const proto = m.ipProto;
  let skipType = false;
  let skipProto = false;
  if (ethType !== undefined) {
    const protos = ethType === ETH_TYPE_IP ? IPV4_PROTOS : ethType === ETH_TYPE_IPV6 ? IPV6_PROTOS : undefined;
    if (protos && proto !== undefined && protos[proto]) {
      out.push(protos[proto]);
      skipType = skipProto = true;
    } else if (ETH_TYPES[ethType]) {
      out.push(ETH_TYPES[ethType]);
      skipType = true;
    }
  }
  for (let i = 0; i < 8; i++) hexField(out, `reg${i}`, m, `reg${i}` as MatchField);
  hexField(out, 'tun_id', m, 'tunnelId');
  ipField(out, 'tun_src', m, 'tunIpv4Src');
  ipField(out, 'tun_dst', m, 'tunIpv4Dst');
  hexField(out, 'metadata', m, 'metadata');
  if (m.inPort !== undefined) out.push(`in_port=${portString(m.inPort)}`);
  const vlan = vlanString(m);
  if (vlan) out.push(vlan);
  ethField(out, 'dl_src', m, 'ethSrc');
  ethField(out, 'dl_dst', m, 'ethDst');
  if (!skipType && ethType !== undefined) out.push(`dl_type=0x${ethType.toString(16).padStart(4, '0')}`);
  const isArp = ethType === ETH_TYPE_ARP || ethType === ETH_TYPE_RARP;
  if (isArp) {
    ipField(out, 'arp_spa', m, 'arpSpa');
    ipField(out, 'arp_tpa', m, 'arpTpa');
    if (m.arpOp !== undefined) out.push(`arp_op=${m.arpOp}`);
    ethField(out, 'arp_sha', m, 'arpSha');
    ethField(out, 'arp_tha', m, 'arpTha');
  } else {
    ipField(out, 'nw_src', m, 'ipv4Src');
    ipField(out, 'nw_dst', m, 'ipv4Dst');
    if (!skipProto && proto !== undefined) out.push(`nw_proto=${proto}`);
  }
  // OVS keeps the DSCP in the TOS byte and prints it there.
  if (m.ipDscp !== undefined) out.push(`nw_tos=${(m.ipDscp & 0x3f) << 2}`);
  if (ethType === ETH_TYPE_IP && proto === 1) u16Field(out, 'icmp_type', m, 'icmpv4Type');
  else {
    u16Field(out, 'tp_src', m, m.tcpSrc !== undefined ? 'tcpSrc' : 'udpSrc');
    u16Field(out, 'tp_dst', m, m.tcpDst !== undefined ? 'tcpDst' : 'udpDst');
  }
  return out.join(',');
}

/** OVS keeps the 1.3 vlan_vid match as a TCI with the CFI bit for "present" and prints the simplest form. */
function vlanString(m: Match): string | undefined {
  if (m.vlanVid === undefined) return undefined;
  const mask = (m.vlanVidMask === undefined ? 0x1fffn : BigInt(m.vlanVidMask)) & 0x1fffn;
  if (mask === 0n) return undefined;
  const tci = BigInt(m.vlanVid) & mask;
  const vidMask = mask & VLAN_VID_MASK;
  if (mask & VLAN_CFI && tci & VLAN_CFI && vidMask === VLAN_VID_MASK) return `dl_vlan=${tci & VLAN_VID_MASK}`;
  const h = (v: bigint) => '0x' + v.toString(16).padStart(4, '0');
  return `vlan_tci=${h(tci)}/${h(mask)}`;
}

function setFieldValue(f: FieldInfo, field: MatchField, v: number | bigint | string): string {
  if (field === 'inPort') return portString(Number(v));
  const n = fieldToBigInt(f.kind, v);
  if (f.kind === 'mac') return macString(n);
  if (f.kind === 'ipv4') return ipv4String(n);
  return f.hex ? hexAlt(n) : n.toString(10);
}

function subfield(field: MatchField, ofs: number, nBits: number): string {
  const f = FIELDS[field];
  if (ofs === 0 && nBits === f.bits) return `${f.nxm}[]`;
  return nBits === 1 ? `${f.nxm}[${ofs}]` : `${f.nxm}[${ofs}..${ofs + nBits - 1}]`;
}

/** OVS's format_NAT: `nat`, or `nat(src=MIN[-MAX][:PMIN[-PMAX]][,persistent][,random])`; equal bounds print once. */
function natToString(n: CtNat): string {
  if (n.kind === 'restore') return 'nat';
  let range = n.ipMin;
  if (n.ipMax !== undefined && n.ipMax !== n.ipMin) range += `-${n.ipMax}`;
  if (n.portMin) {
    range += `:${n.portMin}`;
    if (n.portMax && n.portMax !== n.portMin) range += `-${n.portMax}`;
  }
  const parts = [`${n.kind}=${range}`];
  if (n.persistent) parts.push('persistent');
  if (n.random) parts.push('random');
  return `nat(${parts.join(',')})`;
}

/** OVS's format_CT: commit, table, zone (not when 0), nat, in that order whatever the object's order. */
function ctToString(a: Extract<Action, { type: 'ct' }>): string {
  const parts: string[] = [];
  if (a.commit) parts.push('commit');
  if (a.table !== undefined) parts.push(`table=${a.table}`);
  if (a.zone) parts.push(`zone=${a.zone}`);
  if (a.nat) parts.push(natToString(a.nat));
  return `ct(${parts.join(',')})`;
}

/** One action as ofctl prints it (OVS's ofpacts_format). */
export function actionToString(a: Action): string {
  switch (a.type) {
    case 'output':
      if (a.port === OFPP_CONTROLLER) return `CONTROLLER:${a.maxLen ?? 0}`;
      return a.port < OFPP_MAX ? `output:${a.port}` : portString(a.port);
    case 'group':
      return `group:${a.groupId}`;
    case 'setField': {
      const f = FIELDS[a.field];
      return `set_field:${setFieldValue(f, a.field, a.value)}->${f.name}`;
    }
    case 'pushVlan':
      return `push_vlan:0x${(a.ethertype ?? 0x8100).toString(16)}`;
    case 'popVlan':
      return 'pop_vlan';
    case 'move': {
      const nBits = a.nBits ?? FIELDS[a.src].bits;
      return `move:${subfield(a.src, a.srcOfs ?? 0, nBits)}->${subfield(a.dst, a.dstOfs ?? 0, nBits)}`;
    }
    case 'setQueue':
      return `set_queue:${a.queueId}`;
    case 'decNwTtl':
      return 'dec_ttl';
    case 'ct':
      return ctToString(a);
    case 'conjunction':
      return `conjunction(${a.id},${a.clause}/${a.nClauses})`;
    case 'raw':
      // ofctl would decode these; the codec does not, so their bytes stand in.
      return `raw:${a.hex.toLowerCase()}`;
  }
}

/** An action list as ofctl prints it: comma-separated, `drop` when empty. */
export function actionsToString(actions: Action[]): string {
  return actions.length ? actions.map(actionToString).join(',') : 'drop';
}

/** The order in which OpenFlow executes (and OVS prints) instructions. */
const INSTRUCTION_ORDER: Record<Instruction['type'], number> = {
  meter: 0,
  applyActions: 1,
  clearActions: 2,
  writeActions: 3,
  writeMetadata: 4,
  gotoTable: 5,
  raw: 6,
};

function instructionToString(i: Instruction): string {
  switch (i.type) {
    case 'meter':
      return `meter:${i.meterId}`;
    case 'applyActions':
      return i.actions.map(actionToString).join(',');
    case 'clearActions':
      return 'clear_actions';
    case 'writeActions':
      return `write_actions(${i.actions.map(actionToString).join(',')})`;
    case 'writeMetadata':
      return i.mask === 0xffffffffffffffffn ? `write_metadata:${hexAlt(i.metadata)}` : `write_metadata:${hexAlt(i.metadata)}/${hexAlt(i.mask)}`;
    case 'gotoTable':
      return `goto_table:${i.tableId}`;
    case 'raw':
      return `raw:${i.hex.toLowerCase()}`;
  }
}

/** The `actions=` part: instructions in execution order, apply-actions inline, `drop` when empty. */
export function instructionsToString(instructions: Instruction[]): string {
  const parts = [...instructions]
    .filter((i) => !(i.type === 'applyActions' && i.actions.length === 0))
    .sort((a, b) => INSTRUCTION_ORDER[a.type] - INSTRUCTION_ORDER[b.type])
    .map(instructionToString);
  return parts.length ? parts.join(',') : 'drop';
}

function flowLine(f: FlowText, cookie: boolean, stats?: { packets: bigint; bytes: bigint }): string {
  let s = '';
  const c = f.cookie ?? 0n;
  if (stats || (cookie && c !== 0n)) s += `cookie=0x${c.toString(16)}, `;
  if (stats || f.tableId !== 0) s += `table=${f.tableId}, `;
  if (stats) s += `n_packets=${stats.packets}, n_bytes=${stats.bytes}, `;
  if (f.idleTimeout) s += `idle_timeout=${f.idleTimeout}, `;
  if (f.hardTimeout) s += `hard_timeout=${f.hardTimeout}, `;
  for (const [bit, name] of FLAG_NAMES) if ((f.flags ?? 0) & bit) s += `${name} `;
  const match = matchToString(f.match, f.priority);
  return `${s}${match}${match ? ' ' : ''}actions=${instructionsToString(f.instructions)}`;
}

/** A flow-mod as the dump-flows line of the flow it installs (no cookie unless `opts.cookie`). */
export function flowModToString(f: FlowText, opts: FlowFormatOptions = {}): string {
  return flowLine(f, opts.cookie === true);
}

/** A dumped flow as ofctl prints it; the same line as the FlowMod that installed it, or with counters. */
export function flowStatsToString(f: FlowStats, opts: FlowStatsFormatOptions = {}): string {
  return flowLine(f, opts.cookie === true, opts.stats ? { packets: f.packetCount, bytes: f.byteCount } : undefined);
}

function bucketToString(type: GroupMod['type'], b: Bucket): string {
  let s = 'bucket=';
  const weight = b.weight ?? 0;
  if (weight !== (type === 'select' ? 1 : 0)) s += `weight:${weight},`;
  if (b.watchPort !== undefined && b.watchPort !== 0xffffffff) s += `watch_port:${portString(b.watchPort)},`;
  if (b.watchGroup !== undefined && b.watchGroup !== 0xffffffff) s += `watch_group:${b.watchGroup},`;
  return `${s}actions=${actionsToString(b.actions)}`;
}

/** A group-mod (or a group-desc entry) as the line `ovs-ofctl -O OpenFlow13 dump-groups` prints for it. */
export function groupModToString(g: Pick<GroupMod, 'type' | 'groupId' | 'buckets'>): string {
  return [`group_id=${g.groupId}`, `type=${g.type}`, ...g.buckets.map((b) => bucketToString(g.type, b))].join(',');
}
