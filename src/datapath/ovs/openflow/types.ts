/** The shapes of OpenFlow 1.3 objects as the pipeline writes them and as dumps return them. */

/** A match: camelCase OXM field names, all optional; a `<name>Mask` beside a maskable field makes it masked. */
export interface Match {
  /** Which conjunctive match set hit (NXM_NX_CONJ_ID; the `id` of `conjunction(id, k/n)`, not maskable). */
  conjId?: number;
  inPort?: number;
  metadata?: bigint;
  metadataMask?: bigint;
  ethDst?: string;
  ethDstMask?: string;
  ethSrc?: string;
  ethSrcMask?: string;
  ethType?: number;
  /** Raw OXM value including OFPVID_PRESENT (0x1000). */
  vlanVid?: number;
  vlanVidMask?: number;
  ipProto?: number;
  ipv4Src?: string;
  ipv4SrcMask?: string;
  ipv4Dst?: string;
  ipv4DstMask?: string;
  ipDscp?: number;
  tcpSrc?: number;
  tcpSrcMask?: number;
  tcpDst?: number;
  tcpDstMask?: number;
  udpSrc?: number;
  udpSrcMask?: number;
  udpDst?: number;
  udpDstMask?: number;
  icmpv4Type?: number;
  arpOp?: number;
  arpSpa?: string;
  arpSpaMask?: string;
  arpTpa?: string;
  arpTpaMask?: string;
  arpSha?: string;
  arpShaMask?: string;
  arpTha?: string;
  arpThaMask?: string;
  tunnelId?: bigint;
  tunnelIdMask?: bigint;
  /** Outer IPv4 source/destination of flow-based tunnel ports (NXM_NX_TUN_IPV4_SRC/DST). */
  tunIpv4Src?: string;
  tunIpv4SrcMask?: string;
  tunIpv4Dst?: string;
  tunIpv4DstMask?: string;
  /** Nicira registers NXM_NX_REG0..7 (OXM class 0x0001). */
  reg0?: number;
  reg0Mask?: number;
  reg1?: number;
  reg1Mask?: number;
  reg2?: number;
  reg2Mask?: number;
  reg3?: number;
  reg3Mask?: number;
  reg4?: number;
  reg4Mask?: number;
  reg5?: number;
  reg5Mask?: number;
  reg6?: number;
  reg6Mask?: number;
  reg7?: number;
  reg7Mask?: number;
  /**
   * Conntrack state bits (NXM_NX_CT_STATE; CS_* bits: new 0x01, est 0x02, rel 0x04, rpl 0x08, inv 0x10,
   * trk 0x20, snat 0x40, dnat 0x80). `ct_state=+trk+est` is ctState 0x22 with ctStateMask 0x22; without a
   * mask every bit is matched (mask 0xff, as OVS stores it).
   */
  ctState?: number;
  ctStateMask?: number;
  /** Conntrack zone of a tracked packet (NXM_NX_CT_ZONE, not maskable). */
  ctZone?: number;
  /** Conntrack mark (NXM_NX_CT_MARK). */
  ctMark?: number;
  ctMarkMask?: number;
}

/** A match field that carries a value (not a `...Mask` key). */
export type MatchField = Exclude<keyof Match, `${string}Mask`>;

/**
 * The NAT of a conntrack action: `src`/`dst` translate to an IPv4 range (and port range) and need
 * `commit`; `restore` is the bare `nat`, which applies the binding an earlier committed NAT made.
 */
export type CtNat = { kind: 'src' | 'dst'; ipMin: string; ipMax?: string; portMin?: number; portMax?: number; random?: boolean; persistent?: boolean } | { kind: 'restore' };

/**
 * One action of an action list or bucket. `raw` keeps actions this codec does not model, byte for byte
 * (also the conntrack forms `ct` does not cover: alg, exec, force, field-sourced zones, hash, IPv6 NAT).
 */
export type Action =
  | { type: 'output'; port: number; maxLen?: number }
  | { type: 'group'; groupId: number }
  | { type: 'setField'; field: MatchField; value: number | bigint | string }
  | { type: 'pushVlan'; ethertype?: number }
  | { type: 'popVlan' }
  | { type: 'move'; src: MatchField; dst: MatchField; nBits?: number; srcOfs?: number; dstOfs?: number }
  | { type: 'setQueue'; queueId: number }
  | { type: 'decNwTtl' }
  | { type: 'ct'; commit?: boolean; zone?: number; table?: number; nat?: CtNat }
  /** NXAST_CONJUNCTION: this flow is clause `clause` (1-based, as ovs-ofctl prints it) of `nClauses` (2..64) of set `id`. */
  | { type: 'conjunction'; id: number; clause: number; nClauses: number }
  | { type: 'raw'; hex: string };

/** One instruction of a flow. */
export type Instruction =
  | { type: 'gotoTable'; tableId: number }
  | { type: 'writeMetadata'; metadata: bigint; mask: bigint }
  | { type: 'applyActions'; actions: Action[] }
  | { type: 'writeActions'; actions: Action[] }
  | { type: 'clearActions' }
  | { type: 'meter'; meterId: number }
  | { type: 'raw'; hex: string };

/** An OFPT_FLOW_MOD. Unset out_port/out_group mean ANY; buffer_id is always OFP_NO_BUFFER unless given. */
export interface FlowMod {
  command: 'add' | 'modify' | 'modifyStrict' | 'delete' | 'deleteStrict';
  tableId: number;
  priority: number;
  cookie: bigint;
  cookieMask?: bigint;
  idleTimeout?: number;
  hardTimeout?: number;
  flags?: number;
  outPort?: number;
  outGroup?: number;
  bufferId?: number;
  match: Match;
  instructions: Instruction[];
}

/** One bucket of a group; unset watch port/group mean ANY. */
export interface Bucket {
  weight?: number;
  watchPort?: number;
  watchGroup?: number;
  actions: Action[];
}

/** An OFPT_GROUP_MOD. */
export interface GroupMod {
  command: 'add' | 'modify' | 'delete';
  type: 'all' | 'select' | 'indirect' | 'ff';
  groupId: number;
  buckets: Bucket[];
}

/** One meter band: `drop` drops what exceeds `rate` (kb/s or packets/s, per the meter's flags); others stay raw. */
export type MeterBand = { type: 'drop'; rate: number; burstSize?: number } | { type: 'raw'; hex: string };

/** An OFPT_METER_MOD; `flags` holds OFPMF_* bits (KBPS, PKTPS, BURST, STATS). */
export interface MeterMod {
  command: 'add' | 'modify' | 'delete';
  meterId: number;
  flags: number;
  bands: MeterBand[];
}

/** Counters of one meter band (ofp_meter_band_stats): what the band dropped. */
export interface MeterBandStats {
  packets: bigint;
  bytes: bigint;
}

/** One meter of an OFPMP_METER (meter statistics) reply; `bands` follow the meter's band order. */
export interface MeterStats {
  meterId: number;
  /** Flows whose instructions use the meter. */
  flowCount: number;
  packetInCount: bigint;
  byteInCount: bigint;
  durationSec: number;
  /** Nanoseconds beyond durationSec (kept so a decoded reply encodes back to the same bytes). */
  durationNsec: number;
  bands: MeterBandStats[];
}

/** One meter of an OFPMP_METER_CONFIG reply: its OFPMF_* flags and bands, as a meter-mod set them. */
export interface MeterConfig {
  meterId: number;
  flags: number;
  bands: MeterBand[];
}

/**
 * An OFPT_PACKET_IN: `match` carries the packet's metadata fields (in_port, registers, metadata,
 * conntrack state and zone; fields the codec cannot name appear as `oxm_<class>_<field>` hex, e.g. the
 * ct tuple); `data` is the frame, `totalLen` its full length when `data` was cut to max_len.
 */
export interface PacketIn {
  bufferId: number;
  totalLen: number;
  /** OFPR_* (OFPR_ACTION for `output:CONTROLLER`). */
  reason: number;
  tableId: number;
  cookie: bigint;
  match: Match & Record<string, unknown>;
  data: Buffer;
}

/**
 * An OFPT_PACKET_OUT: the switch applies `actions` to the frame `data` as if it had come in on `inPort`
 * (default OFPP_CONTROLLER; `output:OFPP_IN_PORT` then sends it back out there). `bufferId` (a switch
 * buffer instead of `data`) is never used by the agent; the decoder sets it only when not OFP_NO_BUFFER.
 */
export interface PacketOut {
  inPort?: number;
  bufferId?: number;
  actions: Action[];
  data: Buffer;
}

/** One flow of a flow-stats reply. */
export interface FlowStats {
  tableId: number;
  priority: number;
  cookie: bigint;
  idleTimeout: number;
  hardTimeout: number;
  flags: number;
  packetCount: bigint;
  byteCount: bigint;
  durationSec: number;
  match: Match;
  instructions: Instruction[];
}

/** One group of a group-desc reply. */
export interface GroupDesc {
  type: GroupMod['type'];
  groupId: number;
  buckets: Bucket[];
}

/** Filter of a flow dump; a cookie without a mask selects exactly that cookie. */
export interface FlowFilter {
  tableId?: number;
  cookie?: bigint;
  cookieMask?: bigint;
  outPort?: number;
  outGroup?: number;
  match?: Match;
}

/** Any decoded message: the header plus the members its type carries. */
export interface DecodedMessage {
  version: number;
  type: number;
  typeName: string;
  xid: number;
  length: number;
  /** OFPT_HELLO */
  versions?: number[];
  /** OFPT_ERROR */
  errorType?: number;
  errorCode?: number;
  errorName?: string;
  experimenter?: number;
  failedType?: number;
  failedXid?: number;
  /** OFPT_ERROR / ECHO data */
  data?: Buffer;
  /** OFPT_FEATURES_REPLY */
  datapathId?: bigint;
  nBuffers?: number;
  nTables?: number;
  auxiliaryId?: number;
  capabilities?: number;
  /** OFPT_FLOW_MOD / OFPT_GROUP_MOD */
  flowMod?: FlowMod;
  groupMod?: GroupMod;
  /** OFPT_METER_MOD */
  meterMod?: MeterMod;
  /** OFPT_PACKET_IN */
  packetIn?: PacketIn;
  /** OFPT_PACKET_OUT (decoded for fixtures and fakes: a switch never sends one) */
  packetOut?: PacketOut;
  /** OFPT_MULTIPART_* */
  mpType?: number;
  flags?: number;
  more?: boolean;
  flows?: FlowStats[];
  groups?: GroupDesc[];
  flowStatsRequest?: Required<Omit<FlowFilter, 'match'>> & { match: Match };
  /** OFPMP_METER / OFPMP_METER_CONFIG request: which meter (OFPM_ALL: every meter). */
  meterRequest?: { meterId: number };
  /** OFPMP_METER reply. */
  meterStats?: MeterStats[];
  /** OFPMP_METER_CONFIG reply. */
  meterConfigs?: MeterConfig[];
  /** OFPT_BUNDLE_CONTROL / OFPT_BUNDLE_ADD_MESSAGE */
  bundleId?: number;
  bundleType?: number;
  bundleFlags?: number;
  message?: DecodedMessage;
  /** Any other type: the undecoded body. */
  body?: Buffer;
}
