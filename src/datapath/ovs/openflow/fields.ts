/** The match fields the codec knows: width, value kind and the names OVS prints them under. */
import type { MatchField } from './types.js';

/** How a field's value is written: integer, 64-bit integer, MAC address or IPv4 address. */
export type FieldKind = 'uint' | 'u64' | 'mac' | 'ipv4';

/** One match field (mirrors native/openflow/oxm.cc; names as OVS's meta-flow table spells them). */
export interface FieldInfo {
  kind: FieldKind;
  bits: number;
  /** Name in `set_field:V->name`. */
  name: string;
  /** Name in `move:NAME[]` (the field's oldest NXM/OXM name, which OVS prefers). */
  nxm: string;
  /** Whether `set_field` prints the value in hex (OVS's MFS_HEXADECIMAL) rather than decimal. */
  hex?: boolean;
}

const regs = Object.fromEntries(
  [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [`reg${i}`, { kind: 'uint', bits: 32, name: `reg${i}`, nxm: `NXM_NX_REG${i}`, hex: true } satisfies FieldInfo]),
);

/** Every named match field. */
export const FIELDS: Readonly<Record<MatchField, FieldInfo>> = {
  conjId: { kind: 'uint', bits: 32, name: 'conj_id', nxm: 'NXM_NX_CONJ_ID' },
  inPort: { kind: 'uint', bits: 32, name: 'in_port_oxm', nxm: 'OXM_OF_IN_PORT' },
  metadata: { kind: 'u64', bits: 64, name: 'metadata', nxm: 'OXM_OF_METADATA', hex: true },
  ethDst: { kind: 'mac', bits: 48, name: 'eth_dst', nxm: 'NXM_OF_ETH_DST' },
  ethSrc: { kind: 'mac', bits: 48, name: 'eth_src', nxm: 'NXM_OF_ETH_SRC' },
  ethType: { kind: 'uint', bits: 16, name: 'eth_type', nxm: 'NXM_OF_ETH_TYPE', hex: true },
  vlanVid: { kind: 'uint', bits: 16, name: 'vlan_vid', nxm: 'OXM_OF_VLAN_VID' },
  ipProto: { kind: 'uint', bits: 8, name: 'nw_proto', nxm: 'NXM_OF_IP_PROTO' },
  ipv4Src: { kind: 'ipv4', bits: 32, name: 'ip_src', nxm: 'NXM_OF_IP_SRC' },
  ipv4Dst: { kind: 'ipv4', bits: 32, name: 'ip_dst', nxm: 'NXM_OF_IP_DST' },
  ipDscp: { kind: 'uint', bits: 8, name: 'ip_dscp', nxm: 'OXM_OF_IP_DSCP' },
  tcpSrc: { kind: 'uint', bits: 16, name: 'tcp_src', nxm: 'NXM_OF_TCP_SRC' },
  tcpDst: { kind: 'uint', bits: 16, name: 'tcp_dst', nxm: 'NXM_OF_TCP_DST' },
  udpSrc: { kind: 'uint', bits: 16, name: 'udp_src', nxm: 'NXM_OF_UDP_SRC' },
  udpDst: { kind: 'uint', bits: 16, name: 'udp_dst', nxm: 'NXM_OF_UDP_DST' },
  icmpv4Type: { kind: 'uint', bits: 8, name: 'icmp_type', nxm: 'NXM_OF_ICMP_TYPE' },
  arpOp: { kind: 'uint', bits: 16, name: 'arp_op', nxm: 'NXM_OF_ARP_OP' },
  arpSpa: { kind: 'ipv4', bits: 32, name: 'arp_spa', nxm: 'NXM_OF_ARP_SPA' },
  arpTpa: { kind: 'ipv4', bits: 32, name: 'arp_tpa', nxm: 'NXM_OF_ARP_TPA' },
  arpSha: { kind: 'mac', bits: 48, name: 'arp_sha', nxm: 'NXM_NX_ARP_SHA' },
  arpTha: { kind: 'mac', bits: 48, name: 'arp_tha', nxm: 'NXM_NX_ARP_THA' },
  tunnelId: { kind: 'u64', bits: 64, name: 'tun_id', nxm: 'NXM_NX_TUN_ID', hex: true },
  tunIpv4Src: { kind: 'ipv4', bits: 32, name: 'tun_src', nxm: 'NXM_NX_TUN_IPV4_SRC' },
  tunIpv4Dst: { kind: 'ipv4', bits: 32, name: 'tun_dst', nxm: 'NXM_NX_TUN_IPV4_DST' },
  ...(regs as Record<`reg${0 | 1 | 2 | 3 | 4 | 5 | 6 | 7}`, FieldInfo>),
  ctState: { kind: 'uint', bits: 32, name: 'ct_state', nxm: 'NXM_NX_CT_STATE', hex: true },
  ctZone: { kind: 'uint', bits: 16, name: 'ct_zone', nxm: 'NXM_NX_CT_ZONE', hex: true },
  ctMark: { kind: 'uint', bits: 32, name: 'ct_mark', nxm: 'NXM_NX_CT_MARK', hex: true },
};

/** Bit width of a named match field, or undefined for names the codec does not know. */
export function fieldBits(name: string): number | undefined {
  return (FIELDS as Record<string, FieldInfo | undefined>)[name]?.bits;
}

/** A field value (number, bigint, MAC or dotted-quad string) as an unsigned integer. */
export function fieldToBigInt(kind: FieldKind, v: unknown): bigint {
  if (kind === 'mac') return BigInt('0x' + String(v).replace(/[:-]/g, ''));
  if (kind === 'ipv4') return String(v).split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
  return BigInt(v as number | bigint);
}

/** MAC text of a 48-bit integer, lowercase as OVS prints it. */
export function macString(v: bigint): string {
  return v.toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:');
}

/** Dotted-quad text of a 32-bit integer. */
export function ipv4String(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
}
