/** Builds the general queries a querier sends (RFC 2236 §2 for v2, RFC 3376 §4.1 for v3) as complete Ethernet frames. */
import { internetChecksum } from './checksum.js';
import { ipv4Bytes, macBytes, multicastMac } from './addresses.js';
import { IGMP_V3_CODE_MAX, v3Code } from './codes.js';
import { DEFAULT_QRV, DEFAULT_QUERY_INTERVAL_S, ETH_P_IP, IGMP_MEMBERSHIP_QUERY, INADDR_ALLHOSTS_GROUP, IPPROTO_IGMP } from './types.js';

/** What a general query carries; `qqic` (v3 only) is the querier's query interval in seconds (default 125). */
export interface GeneralQueryOptions {
  srcMac: string;
  srcIp: string;
  version: 2 | 3;
  /** Max response time in tenths of a second: 1..255 for v2, 1..31744 for v3 (above 127 rounded down to what the code can carry). */
  maxRespTimeDs: number;
  qqic?: number;
}

const ETH_HEADER = 14;
/** IPv4 header with the 4-byte Router Alert option (RFC 2113), which RFC 2236/3376 require on IGMP. */
const IP_HEADER = 24;
const IPOPT_RA = [0x94, 0x04, 0x00, 0x00];
/** Internetwork control precedence, as Linux sends IGMP. */
const IPTOS_PREC_INTERNETCONTROL = 0xc0;
const IP_DF = 0x4000;
const IGMP_V2_LEN = 8;
const IGMP_V3_QUERY_LEN = 12;

/** A v2 or v3 general query from `srcMac`/`srcIp` to 01:00:5e:00:00:01 / 224.0.0.1, TTL 1, with Router Alert. Throws RangeError naming a bad field. */
export function encodeGeneralQuery(o: GeneralQueryOptions): Buffer {
  const src = macBytes(o.srcMac, 'srcMac');
  const srcIp = ipv4Bytes(o.srcIp, 'srcIp');
  if (o.version !== 2 && o.version !== 3) throw new RangeError(`version: ${String(o.version)} is not 2 or 3`);
  const igmp = o.version === 2 ? v2Query(o.maxRespTimeDs) : v3Query(o.maxRespTimeDs, o.qqic ?? DEFAULT_QUERY_INTERVAL_S);
  const frame = Buffer.alloc(ETH_HEADER + IP_HEADER + igmp.length);
  macBytes(multicastMac(INADDR_ALLHOSTS_GROUP), 'dstMac').copy(frame, 0);
  src.copy(frame, 6);
  frame.writeUInt16BE(ETH_P_IP, 12);
  const ip = frame.subarray(ETH_HEADER, ETH_HEADER + IP_HEADER);
  ip[0] = 0x40 | (IP_HEADER / 4);
  ip[1] = IPTOS_PREC_INTERNETCONTROL;
  ip.writeUInt16BE(IP_HEADER + igmp.length, 2);
  ip.writeUInt16BE(IP_DF, 6);
  ip[8] = 1; // TTL: queries never leave the link
  ip[9] = IPPROTO_IGMP;
  srcIp.copy(ip, 12);
  ipv4Bytes(INADDR_ALLHOSTS_GROUP, 'dstIp').copy(ip, 16);
  Buffer.from(IPOPT_RA).copy(ip, 20);
  ip.writeUInt16BE(internetChecksum(ip), 10);
  igmp.copy(frame, ETH_HEADER + IP_HEADER);
  return frame;
}

function v2Query(maxRespTimeDs: number): Buffer {
  // 0 would make it a v1 query (RFC 2236 §4).
  if (!Number.isInteger(maxRespTimeDs) || maxRespTimeDs < 1 || maxRespTimeDs > 255) throw new RangeError(`maxRespTimeDs: ${maxRespTimeDs} is not an integer in 1..255 (IGMPv2)`);
  const m = Buffer.alloc(IGMP_V2_LEN);
  m[0] = IGMP_MEMBERSHIP_QUERY;
  m[1] = maxRespTimeDs;
  m.writeUInt16BE(internetChecksum(m), 2);
  return m;
}

function v3Query(maxRespTimeDs: number, qqic: number): Buffer {
  if (!Number.isInteger(maxRespTimeDs) || maxRespTimeDs < 1 || maxRespTimeDs > IGMP_V3_CODE_MAX) throw new RangeError(`maxRespTimeDs: ${maxRespTimeDs} is not an integer in 1..${IGMP_V3_CODE_MAX} (IGMPv3)`);
  if (!Number.isInteger(qqic) || qqic < 1 || qqic > IGMP_V3_CODE_MAX) throw new RangeError(`qqic: ${qqic} is not an integer in 1..${IGMP_V3_CODE_MAX} seconds`);
  const m = Buffer.alloc(IGMP_V3_QUERY_LEN);
  m[0] = IGMP_MEMBERSHIP_QUERY;
  m[1] = v3Code(maxRespTimeDs);
  // bytes 4..7: group 0.0.0.0 (general query); byte 8: Resv=0, S=0, QRV.
  m[8] = DEFAULT_QRV;
  m[9] = v3Code(qqic);
  m.writeUInt16BE(internetChecksum(m), 2);
  return m;
}
