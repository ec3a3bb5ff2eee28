/**
 * The flows a single-host bridge must hold, written as literal `ovs-ofctl --no-stats --no-names
 * dump-flows` lines (cookies stripped) so a failing test shows a readable diff. The lines are
 * templates: `expectedFlows` only fills in each port's ofport, MAC and IP and its network's key
 * and gateway; nothing here knows how a flow is printed.
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
  /** Tenant and subnet of its network: networks of one tenant route to each other. */
  tenant: string;
  subnet: string;
}

/** One miss flow per pipeline table. */
const TABLE_MISS = [
  'priority=0 actions=drop',
  'table=10, priority=0 actions=drop',
  'table=15, priority=0 actions=goto_table:20',
  'table=20, priority=0 actions=goto_table:21',
  'table=21, priority=0 actions=goto_table:30',
  'table=22, priority=0 actions=drop',
  'table=24, priority=0 actions=goto_table:26',
  'table=26, priority=0 actions=goto_table:28',
  'table=28, priority=0 actions=goto_table:30',
  'table=30, priority=0 actions=goto_table:40',
  'table=35, priority=0 actions=drop',
  'table=40, priority=0 actions=drop',
];

/** Per attached port: classify, spoof guard (IPv4, ARP), QoS (DSCP cleared), ARP reply for the port's address, unicast delivery. */
const PER_PORT = [
  'priority=100,in_port={ofport} actions=write_metadata:{key}/0x1ffffffff,goto_table:10',
  'table=10, priority=100,ip,in_port={ofport},dl_src={mac},nw_src={ip} actions=goto_table:15',
  'table=15, priority=100,ip,in_port={ofport} actions=set_field:0->ip_dscp,goto_table:20',
  'table=10, priority=100,arp,in_port={ofport},dl_src={mac},arp_spa={ip},arp_sha={mac} actions=goto_table:20',
  'table=20, priority=100,arp,metadata={key}/0xffffffff,arp_tpa={ip},arp_op=1 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:{mac}->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:{mac}->arp_sha,set_field:{ip}->arp_spa,IN_PORT',
  'table=40, priority=100,metadata={key}/0xffffffff,dl_dst={mac} actions=output:{ofport}',
];

/** Per attached port of a VLAN network: its gratuitous ARP is flooded (trunk included), not answered. */
const PER_VLAN_PORT = ['table=20, priority=110,arp,metadata={key}/0xffffffff,arp_spa={ip},arp_tpa={ip},arp_op=1 actions=goto_table:40'];

/** Per network with a local port: ARP reply for its gateway, flood of broadcast/multicast to its group, multicast snooping. */
const PER_NETWORK = [
  'table=20, priority=100,arp,metadata={key}/0xffffffff,arp_tpa={gateway},arp_op=1 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:{gatewayMac}->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:{gatewayMac}->arp_sha,set_field:{gateway}->arp_spa,IN_PORT',
  'table=40, priority=50,metadata={key}/0x1ffffffff,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=group:{group}',
  // Multicast snooping (the default): IGMP to the agent, link-local flooded, unregistered dropped (docs/multicast.md).
  'table=40, priority=80,ip,metadata={key}/0x1ffffffff,nw_proto=2 actions=meter:2,CONTROLLER:65535',
  'table=40, priority=70,ip,metadata={key}/0x1ffffffff,nw_dst=224.0.0.0/24 actions=group:{group}',
  'table=40, priority=55,ip,metadata={key}/0x1ffffffff,nw_dst=224.0.0.0/4 actions=drop',
  'table=40, priority=55,ip,metadata={remoteKey}/0x1ffffffff,nw_dst=224.0.0.0/4 actions=drop',
];

/** Per ordered pair of local networks of one tenant: the distributed gateway routes from one into the other. */
const PER_ROUTE = [
  'table=30, priority={priority},ip,metadata={fromKey}/0x1ffffffff,dl_dst={fromGatewayMac},nw_dst={toSubnet} actions=dec_ttl,set_field:{toGatewayMac}->eth_src,set_field:02:02:00:00:00:00->eth_dst,move:NXM_OF_IP_DST[]->NXM_OF_ETH_DST[0..31],write_metadata:{toKey}/0x1ffffffff,goto_table:40',
];

/** Replaces each `{name}` in a template line; a name without a value is a bug in the template. */
function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    if (!(name in values)) throw new Error(`expected-flows template names {${name}}, which has no value`);
    return String(values[name]);
  });
}

/** A network of a local tenant without local ports: routed into, nothing else. */
export type TransitNetwork = Pick<ExpectedPort, 'key' | 'gateway' | 'tenant' | 'subnet'>;

/** Expected flow lines, sorted like the helper's dumpFlows(); `transit` networks are routed into from the ports' networks. */
export function expectedFlows(ports: ExpectedPort[], transit: TransitNetwork[] = []): string[] {
  const lines = [...TABLE_MISS];
  const nets = new Map<number, string>();
  const routed = new Map<number, ExpectedPort>();
  for (const p of ports) {
    nets.set(p.key, p.gateway);
    routed.set(p.key, p);
    const values = { ofport: p.ofport, mac: p.mac, ip: p.ip, key: '0x' + p.key.toString(16) };
    lines.push(...PER_PORT.map((t) => fill(t, values)));
    // VLAN keys are VLAN ids (below 4096); VXLAN keys are 2^24 + VNI.
    if (p.key < 0x1000000) lines.push(...PER_VLAN_PORT.map((t) => fill(t, values)));
  }
  for (const [key, gateway] of nets) {
    const values = { key: '0x' + key.toString(16), remoteKey: '0x1' + key.toString(16).padStart(8, '0'), group: key, gateway, gatewayMac: gatewayMac(gateway) };
    lines.push(...PER_NETWORK.map((t) => fill(t, values)));
  }
  const targets = [...routed.values(), ...transit];
  for (const from of routed.values())
    for (const to of targets) {
      if (from.key === to.key || from.tenant !== to.tenant) continue;
      const values = { priority: 200 + Number(to.subnet.split('/')[1]), fromKey: '0x' + from.key.toString(16), fromGatewayMac: gatewayMac(from.gateway), toSubnet: to.subnet, toGatewayMac: gatewayMac(to.gateway), toKey: '0x' + to.key.toString(16) };
      lines.push(...PER_ROUTE.map((t) => fill(t, values)));
    }
  return lines.sort();
}
