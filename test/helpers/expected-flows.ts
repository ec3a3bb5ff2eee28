/**
 * The flows a single-host bridge must hold, written in `ovs-ofctl --no-stats --no-names
 * dump-flows` syntax (cookies stripped) so a failing test shows a readable diff.
 */
import { gatewayMac } from '../../src/agent/names.js';

/** An attached endpoint as the test knows it. */
export interface ExpectedPort {
  ofport: number;
  mac: string;
  ip: string;
  /** Pipeline key of its network (VLAN id, or 2^24 + VNI). */
  key: number;
  gateway: string;
}

function arpReply(mac: string, ip: string): string {
  return [
    'move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]',
    `set_field:${mac}->eth_src`,
    'set_field:2->arp_op',
    'move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[]',
    'move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[]',
    `set_field:${mac}->arp_sha`,
    `set_field:${ip}->arp_spa`,
    'IN_PORT',
  ].join(',');
}

/** Expected flow lines, sorted like the helper's dumpFlows(). */
export function expectedFlows(ports: ExpectedPort[]): string[] {
  const hex = (n: number) => '0x' + n.toString(16);
  const md = (k: number) => `metadata=${hex(k)}/0xffffffff`;
  const lines = [
    'priority=0 actions=drop',
    'table=10, priority=0 actions=drop',
    'table=20, priority=0 actions=goto_table:40',
    'table=40, priority=0 actions=drop',
  ];
  const nets = new Map<number, string>();
  for (const p of ports) {
    nets.set(p.key, p.gateway);
    lines.push(`priority=100,in_port=${p.ofport} actions=write_metadata:${hex(p.key)}/0x1ffffffff,goto_table:10`);
    lines.push(`table=10, priority=100,ip,in_port=${p.ofport},dl_src=${p.mac},nw_src=${p.ip} actions=goto_table:20`);
    lines.push(`table=10, priority=100,arp,in_port=${p.ofport},dl_src=${p.mac},arp_spa=${p.ip},arp_sha=${p.mac} actions=goto_table:20`);
    lines.push(`table=20, priority=100,arp,${md(p.key)},arp_tpa=${p.ip},arp_op=1 actions=${arpReply(p.mac, p.ip)}`);
    lines.push(`table=40, priority=100,${md(p.key)},dl_dst=${p.mac} actions=output:${p.ofport}`);
  }
  for (const [k, gw] of nets) {
    lines.push(`table=20, priority=100,arp,${md(k)},arp_tpa=${gw},arp_op=1 actions=${arpReply(gatewayMac(gw), gw)}`);
    lines.push(`table=40, priority=50,metadata=${hex(k)}/0x1ffffffff,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=group:${k}`);
  }
  return lines.sort();
}
