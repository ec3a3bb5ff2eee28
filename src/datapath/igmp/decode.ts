/**
 * Decodes an Ethernet frame holding an IGMP message (v1/v2/v3 reports, v2 leaves, queries), as a
 * container sends it and a packet-in delivers it. Everything is checked before it is believed
 * (lengths, IPv4 and IGMP checksums, group addresses), and a bad frame gives a reason, never a throw:
 * these bytes come from containers.
 */
import { internetChecksum } from './checksum.js';
import { ipv4At, isMulticastIpv4, macAt } from './addresses.js';
import { expandV3Code } from './codes.js';
import {
  ETH_P_8021Q,
  ETH_P_IP,
  IGMP_MEMBERSHIP_QUERY,
  IGMP_V1_MEMBERSHIP_REPORT,
  IGMP_V2_LEAVE_GROUP,
  IGMP_V2_MEMBERSHIP_REPORT,
  IGMP_V3_MEMBERSHIP_REPORT,
  IPPROTO_IGMP,
  type IgmpDecodeResult,
  type IgmpGroupRecord,
  type IgmpMessage,
} from './types.js';

const ETH_HEADER = 14;
const VLAN_TAG = 4;
const IPV4_MIN_HEADER = 20;
const IGMP_MIN = 8;
const IGMP_V3_QUERY_MIN = 12;
const IGMP_V3_RECORD_HEADER = 8;
const IP_MF = 0x2000;
const IP_OFFSET_MASK = 0x1fff;

type Step<T> = { ok: true; value: T } | { ok: false; reason: string };
const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });
const hex = (n: number, width: number) => `0x${n.toString(16).padStart(width, '0')}`;

/** Decodes `frame` (Ethernet, at most one 802.1Q tag, IPv4, IGMP); `{ok: false, reason}` for anything malformed. */
export function decodeIgmpFrame(frame: Buffer): IgmpDecodeResult {
  if (frame.length < ETH_HEADER) return fail(`frame too short: ${frame.length} bytes, an Ethernet header needs ${ETH_HEADER}`);
  let ipOff = ETH_HEADER;
  let ethertype = frame.readUInt16BE(12);
  let vlan: number | undefined;
  if (ethertype === ETH_P_8021Q) {
    if (frame.length < ETH_HEADER + VLAN_TAG) return fail(`frame too short: ${frame.length} bytes, an 802.1Q-tagged Ethernet header needs ${ETH_HEADER + VLAN_TAG}`);
    vlan = frame.readUInt16BE(14) & 0x0fff;
    ethertype = frame.readUInt16BE(16);
    ipOff += VLAN_TAG;
  }
  if (ethertype !== ETH_P_IP) return fail(`ethertype ${hex(ethertype, 4)} is not IPv4 (0x0800)`);
  const ip = ipv4Header(frame.subarray(ipOff));
  if (!ip.ok) return ip;
  const igmp = igmpMessage(frame.subarray(ipOff + ip.value.headerLen, ipOff + ip.value.totalLen));
  if (!igmp.ok) return igmp;
  return {
    ok: true,
    srcMac: macAt(frame, 6),
    dstMac: macAt(frame, 0),
    srcIp: ipv4At(frame, ipOff + 12),
    dstIp: ipv4At(frame, ipOff + 16),
    ...(vlan === undefined ? {} : { vlan }),
    igmp: igmp.value,
  };
}

/** Checks the IPv4 header at the start of `ip`: version, lengths, no fragment, header checksum, protocol IGMP. */
function ipv4Header(ip: Buffer): Step<{ headerLen: number; totalLen: number }> {
  if (ip.length < IPV4_MIN_HEADER) return fail(`IPv4 header truncated: ${ip.length} bytes, need ${IPV4_MIN_HEADER}`);
  const version = ip[0] >> 4;
  if (version !== 4) return fail(`IP version ${version} is not 4`);
  const headerLen = (ip[0] & 0x0f) * 4;
  if (headerLen < IPV4_MIN_HEADER) return fail(`IPv4 IHL ${headerLen / 4} is below the minimum 5`);
  if (headerLen > ip.length) return fail(`IPv4 IHL ${headerLen / 4} (${headerLen} bytes) runs past the frame (${ip.length} bytes of IP)`);
  const totalLen = ip.readUInt16BE(2);
  // Ethernet pads short frames, so the frame may hold more than total length, never less.
  if (totalLen < headerLen) return fail(`IPv4 total length ${totalLen} is shorter than its header (${headerLen})`);
  if (totalLen > ip.length) return fail(`IPv4 total length ${totalLen} runs past the frame (${ip.length} bytes of IP)`);
  const frag = ip.readUInt16BE(6);
  if (frag & (IP_MF | IP_OFFSET_MASK)) return fail('IPv4 fragment: IGMP is never fragmented');
  if (internetChecksum(ip, 0, headerLen) !== 0) return fail(`bad IPv4 header checksum ${hex(ip.readUInt16BE(10), 4)}`);
  if (ip[9] !== IPPROTO_IGMP) return fail(`IP protocol ${ip[9]} is not IGMP (2)`);
  return { ok: true, value: { headerLen, totalLen } };
}

/** Decodes the IGMP message that is exactly `m` (the IP payload). */
function igmpMessage(m: Buffer): Step<IgmpMessage> {
  if (m.length < IGMP_MIN) return fail(`IGMP message too short: ${m.length} bytes, need ${IGMP_MIN}`);
  if (internetChecksum(m) !== 0) return fail(`bad IGMP checksum ${hex(m.readUInt16BE(2), 4)}`);
  const type = m[0];
  switch (type) {
    case IGMP_MEMBERSHIP_QUERY:
      return query(m);
    case IGMP_V1_MEMBERSHIP_REPORT:
    case IGMP_V2_MEMBERSHIP_REPORT:
    case IGMP_V2_LEAVE_GROUP: {
      const group = ipv4At(m, 4);
      if (!isMulticastIpv4(group)) return fail(`group ${group} of the ${typeName(type)} is not in 224.0.0.0/4`);
      return { ok: true, value: { type: type === IGMP_V1_MEMBERSHIP_REPORT ? 'v1report' : type === IGMP_V2_MEMBERSHIP_REPORT ? 'v2report' : 'v2leave', group } };
    }
    case IGMP_V3_MEMBERSHIP_REPORT:
      return v3Report(m);
    default:
      return fail(`IGMP type ${hex(type, 2)} is not a query, report or leave`);
  }
}

function typeName(type: number): string {
  return type === IGMP_V1_MEMBERSHIP_REPORT ? 'v1 report' : type === IGMP_V2_MEMBERSHIP_REPORT ? 'v2 report' : 'v2 leave';
}

/** A query: its version by length (RFC 3376 §7.1), its group (0.0.0.0 for a general query) and max response time. */
function query(m: Buffer): Step<IgmpMessage> {
  const group = ipv4At(m, 4);
  if (group !== '0.0.0.0' && !isMulticastIpv4(group)) return fail(`group ${group} of the query is neither 0.0.0.0 nor in 224.0.0.0/4`);
  if (m.length === IGMP_MIN) return { ok: true, value: { type: 'query', group, maxRespTime: m[1], version: m[1] === 0 ? 1 : 2 } };
  if (m.length < IGMP_V3_QUERY_MIN) return fail(`IGMP query of ${m.length} bytes: neither 8 (v1/v2) nor at least ${IGMP_V3_QUERY_MIN} (v3)`);
  const nSources = m.readUInt16BE(10);
  if (IGMP_V3_QUERY_MIN + 4 * nSources > m.length) return fail(`IGMPv3 query claims ${nSources} sources, which overrun its ${m.length} bytes`);
  return { ok: true, value: { type: 'query', group, maxRespTime: expandV3Code(m[1]), version: 3 } };
}

/** A v3 report: every group record, each checked against the message's end. */
function v3Report(m: Buffer): Step<IgmpMessage> {
  const nRecords = m.readUInt16BE(6);
  const records: IgmpGroupRecord[] = [];
  let off = IGMP_MIN;
  for (let i = 0; i < nRecords; i++) {
    if (off + IGMP_V3_RECORD_HEADER > m.length) return fail(`IGMPv3 report claims ${nRecords} records; record ${i} overruns its ${m.length} bytes`);
    const type = m[off];
    const auxLen = m[off + 1] * 4;
    const nSources = m.readUInt16BE(off + 2);
    const end = off + IGMP_V3_RECORD_HEADER + 4 * nSources + auxLen;
    if (end > m.length) return fail(`IGMPv3 report record ${i} claims ${nSources} sources and ${auxLen} aux bytes, which overrun its ${m.length} bytes`);
    const group = ipv4At(m, off + 4);
    if (!isMulticastIpv4(group)) return fail(`group ${group} of IGMPv3 record ${i} is not in 224.0.0.0/4`);
    const sources: string[] = [];
    for (let s = 0; s < nSources; s++) sources.push(ipv4At(m, off + IGMP_V3_RECORD_HEADER + 4 * s));
    records.push({ type, group, sources });
    off = end;
  }
  return { ok: true, value: { type: 'v3report', records } };
}
