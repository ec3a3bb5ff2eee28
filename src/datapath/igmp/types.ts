/** IGMP (RFC 1112, 2236, 3376) message numbers and the shapes the frame codec returns. */

/** IGMP message types on the wire (IANA "IGMP Type Numbers"). */
export const IGMP_MEMBERSHIP_QUERY = 0x11;
export const IGMP_V1_MEMBERSHIP_REPORT = 0x12;
export const IGMP_V2_MEMBERSHIP_REPORT = 0x16;
export const IGMP_V2_LEAVE_GROUP = 0x17;
export const IGMP_V3_MEMBERSHIP_REPORT = 0x22;

/** IGMPv3 group record types (RFC 3376 §4.2.12). */
export const MODE_IS_INCLUDE = 1;
export const MODE_IS_EXCLUDE = 2;
export const CHANGE_TO_INCLUDE_MODE = 3;
export const CHANGE_TO_EXCLUDE_MODE = 4;
export const ALLOW_NEW_SOURCES = 5;
export const BLOCK_OLD_SOURCES = 6;

/** EtherTypes the decoder reads (IEEE 802.1Q tag, IPv4). */
export const ETH_P_8021Q = 0x8100;
export const ETH_P_IP = 0x0800;
/** IP protocol number of IGMP. */
export const IPPROTO_IGMP = 2;
/** The all-systems group general queries go to (RFC 1112). */
export const INADDR_ALLHOSTS_GROUP = '224.0.0.1';
/** The querier's robustness variable and query interval RFC 3376 §8.1-8.2 default to. */
export const DEFAULT_QRV = 2;
export const DEFAULT_QUERY_INTERVAL_S = 125;

/** One IGMPv3 group record: its type (MODE_IS_INCLUDE .. BLOCK_OLD_SOURCES), the group and its sources. */
export interface IgmpGroupRecord {
  type: number;
  group: string;
  sources: string[];
}

/**
 * One decoded IGMP message. `group`: the group of a v1/v2 report, a v2 leave, or a query (0.0.0.0 for a
 * general query); `records`: those of a v3 report; `maxRespTime`: a query's max response time in tenths
 * of a second (the v3 code already expanded per RFC 3376 §4.1.1); `version`: a query's version, told by
 * its length (RFC 3376 §7.1: 8 bytes with code 0 is v1, 8 bytes is v2, 12 or more is v3).
 */
export interface IgmpMessage {
  type: 'v1report' | 'v2report' | 'v2leave' | 'v3report' | 'query';
  group?: string;
  records?: IgmpGroupRecord[];
  maxRespTime?: number;
  version?: 1 | 2 | 3;
}

/** A frame that holds a well-formed IGMP message, with its Ethernet and IPv4 addresses; `vlan` when it was 802.1Q-tagged. */
export interface IgmpFrame {
  ok: true;
  srcMac: string;
  dstMac: string;
  srcIp: string;
  dstIp: string;
  vlan?: number;
  igmp: IgmpMessage;
}

/** What decodeIgmpFrame returns: the message, or why the frame is not a well-formed IGMP message. */
export type IgmpDecodeResult = IgmpFrame | { ok: false; reason: string };
