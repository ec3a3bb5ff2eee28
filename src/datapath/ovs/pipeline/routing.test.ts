import { describe, expect, it } from 'vitest';
import { flowModToString } from '../openflow/format.js';
import { desiredPipeline, formulaMac, networkKey, TABLE, type HostView, type LocalNetwork } from './index.js';
import { routingFlows } from './routing.js';

const net = (id: string, type: 'vlan' | 'vxlan', tag: number, subnet: string, extra: Partial<NonNullable<LocalNetwork['l3']>> = {}): LocalNetwork => {
  const gateway = subnet.replace(/\.0\/\d+$/, '.1');
  return { id, key: networkKey(type, tag), gateway, gatewayMac: formulaMac(gateway), pktTagType: type, pktTag: tag, l3: { tenant: id.split('/')[0], subnet, gateway: 'distributed', ...extra } };
};

const orange = net('t/orange', 'vlan', 11, '11.1.0.0/24', { snat: { zone: 3, transitIp: '169.254.64.19' } });
const blue = net('t/blue', 'vxlan', 10001, '11.1.1.0/24');
const green = net('t/green', 'vxlan', 10002, '11.1.2.0/24');
const twin = net('u/twin', 'vlan', 21, '11.1.0.0/24', { snat: { zone: 4, transitIp: '169.254.64.20' } });

const GW = { ofport: 65002, hostIp: '169.254.64.1', hostMac: '02:02:a9:fe:40:01', routerIp: '169.254.64.2', routerMac: '02:02:a9:fe:40:02', hostRouted: new Set([blue.key]) };

const view: HostView = {
  ports: [
    { ofport: 1, mac: '02:02:0b:01:00:02', ip: '11.1.0.2', network: orange },
    { ofport: 2, mac: '02:02:0b:01:01:02', ip: '11.1.1.2', network: blue },
    { ofport: 3, mac: '02:02:0b:01:00:02', ip: '11.1.0.2', network: twin },
  ],
  remotes: [
    { id: 't/green/g1', mac: '02:02:0b:01:02:05', ip: '11.1.2.5', network: green, host: 'h2', vtepIp: '198.18.100.2' },
    // A MAC the runtime chose (not the 02:02 formula): routed to by an exact flow.
    { id: 't/green/g2', mac: '0a:00:00:00:00:07', ip: '11.1.2.7', network: green, host: 'h2', vtepIp: '198.18.100.2' },
  ],
  tunnelOfport: 65000,
  uplinkOfport: 65001,
  transit: [green],
  unrouted: [{ tenant: 't', subnet: '11.1.9.0/24' }],
  gateway: GW,
};

const text = (v: HostView) => routingFlows(v, 1).map((f) => flowModToString(f)).sort();
const INTO = (gwMac: string, key: string) => `dec_ttl,set_field:${gwMac}->eth_src,set_field:02:02:00:00:00:00->eth_dst,move:NXM_OF_IP_DST[]->NXM_OF_ETH_DST[0..31],write_metadata:${key}/0x1ffffffff,goto_table:40`;

describe('routingFlows', () => {
  const flows = text(view);

  it('routes each local network to the other networks of its tenant only, longest prefix first', () => {
    expect(flows.filter((f) => f.startsWith('table=30, priority=224,') && f.includes('dl_dst=02:02:0b:01:00:01'))).toEqual([
      `table=30, priority=224,ip,metadata=0xb/0x1ffffffff,dl_dst=02:02:0b:01:00:01,nw_dst=11.1.1.0/24 actions=${INTO('02:02:0b:01:01:01', '0x1002711')}`,
      `table=30, priority=224,ip,metadata=0xb/0x1ffffffff,dl_dst=02:02:0b:01:00:01,nw_dst=11.1.2.0/24 actions=${INTO('02:02:0b:01:02:01', '0x1002712')}`,
      'table=30, priority=224,ip,metadata=0xb/0x1ffffffff,dl_dst=02:02:0b:01:00:01,nw_dst=11.1.9.0/24 actions=drop',
    ]);
    // The twin tenant's network has the same subnet and gets no route to t's networks, nor t's to it.
    expect(flows.filter((f) => f.includes('metadata=0x15/') && f.includes('nw_dst=11.1.'))).toEqual([]);
    expect(flows.filter((f) => f.startsWith('table=30') && f.includes('write_metadata:0x15/'))).toEqual([]);
  });

  it('routes to an endpoint whose MAC is not the formula with an exact flow', () => {
    expect(flows.filter((f) => f.includes('nw_dst=11.1.2.7'))).toEqual([
      'table=30, priority=300,ip,metadata=0x1002711/0x1ffffffff,dl_dst=02:02:0b:01:01:01,nw_dst=11.1.2.7 actions=dec_ttl,set_field:02:02:0b:01:02:01->eth_src,set_field:0a:00:00:00:00:07->eth_dst,write_metadata:0x1002712/0x1ffffffff,goto_table:40',
      'table=30, priority=300,ip,metadata=0xb/0x1ffffffff,dl_dst=02:02:0b:01:00:01,nw_dst=11.1.2.7 actions=dec_ttl,set_field:02:02:0b:01:02:01->eth_src,set_field:0a:00:00:00:00:07->eth_dst,write_metadata:0x1002712/0x1ffffffff,goto_table:40',
    ]);
  });

  it('sends what is for the host to the gateway port, and SNATs the rest in the tenant zone', () => {
    expect(flows.filter((f) => f.includes('metadata=0xb/0x1ffffffff') && (f.includes('65002') || f.includes('ct(')))).toEqual([
      'table=30, priority=10,ip,metadata=0xb/0x1ffffffff,dl_dst=02:02:0b:01:00:01 actions=dec_ttl,set_field:02:02:a9:fe:40:02->eth_src,set_field:02:02:a9:fe:40:01->eth_dst,ct(commit,zone=3,nat(src=169.254.64.19)),output:65002',
      'table=30, priority=250,ip,metadata=0xb/0x1ffffffff,dl_dst=02:02:0b:01:00:01,nw_dst=169.254.64.1 actions=dec_ttl,set_field:02:02:a9:fe:40:02->eth_src,set_field:02:02:a9:fe:40:01->eth_dst,output:65002',
    ]);
    // blue has no SNAT (External "none"): no default route out.
    expect(flows.filter((f) => f.startsWith('table=30, priority=10,') && f.includes('metadata=0x1002711/'))).toEqual([]);
  });

  it('takes the gateway port in, answers ARP for the router and transit addresses, routes the host only to host-routed networks, never a tenant\'s SNATed traffic', () => {
    expect(flows.filter((f) => f.includes('in_port=65002') || f.includes('metadata=0x80000000/'))).toEqual([
      'priority=100,in_port=65002 actions=write_metadata:0x80000000/0x1ffffffff,goto_table:20',
      'table=20, priority=100,arp,metadata=0x80000000/0xffffffff,arp_tpa=169.254.64.19,arp_op=1 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:02:02:a9:fe:40:02->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:02:02:a9:fe:40:02->arp_sha,set_field:169.254.64.19->arp_spa,IN_PORT',
      'table=20, priority=100,arp,metadata=0x80000000/0xffffffff,arp_tpa=169.254.64.2,arp_op=1 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:02:02:a9:fe:40:02->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:02:02:a9:fe:40:02->arp_sha,set_field:169.254.64.2->arp_spa,IN_PORT',
      'table=20, priority=100,arp,metadata=0x80000000/0xffffffff,arp_tpa=169.254.64.20,arp_op=1 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:02:02:a9:fe:40:02->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:02:02:a9:fe:40:02->arp_sha,set_field:169.254.64.20->arp_spa,IN_PORT',
      `table=30, priority=224,ip,metadata=0x80000000/0xffffffff,nw_dst=11.1.1.0/24 actions=${INTO('02:02:0b:01:01:01', '0x1002711')}`,
      'table=30, priority=240,ip,metadata=0x80000000/0xffffffff,nw_src=169.254.64.19 actions=drop',
      'table=30, priority=240,ip,metadata=0x80000000/0xffffffff,nw_src=169.254.64.20 actions=drop',
      'table=30, priority=250,ip,metadata=0x80000000/0xffffffff,nw_dst=169.254.64.19 actions=set_field:0x3->reg6,ct(table=35,zone=3,nat)',
      'table=30, priority=250,ip,metadata=0x80000000/0xffffffff,nw_dst=169.254.64.20 actions=set_field:0x4->reg6,ct(table=35,zone=4,nat)',
    ]);
  });

  it('returns SNAT replies into the right tenant by zone, even with the same subnet', () => {
    expect(flows.filter((f) => f.startsWith('table=35'))).toEqual([
      `table=35, priority=224,ip,reg6=0x3,nw_dst=11.1.0.0/24 actions=${INTO('02:02:0b:01:00:01', '0xb')}`,
      `table=35, priority=224,ip,reg6=0x4,nw_dst=11.1.0.0/24 actions=${INTO('02:02:0b:01:00:01', '0x15')}`,
    ]);
  });

  it('neither answers ARP for nor routes from a network whose gateway is a physical router', () => {
    const ext = net('t/phys', 'vlan', 13, '11.1.3.0/24', { gateway: 'external' });
    const v: HostView = { ports: [{ ofport: 4, mac: '02:02:0b:01:03:02', ip: '11.1.3.2', network: ext }], remotes: [], uplinkOfport: 65001 };
    const all = desiredPipeline(v, 1).flows.map((f) => flowModToString(f));
    expect(all.filter((f) => f.includes('arp_tpa=11.1.3.1'))).toEqual([]);
    expect(all.filter((f) => f.startsWith('table=30,') && !f.includes('priority=0'))).toEqual([]);
    // Positive control: the endpoint's own address is still answered, and unknown unicast (the router's MAC) goes to the trunk.
    expect(all.filter((f) => f.includes('arp_tpa=11.1.3.2') && f.includes('IN_PORT'))).toHaveLength(1);
    expect(all).toContain('table=40, priority=10,metadata=0xd/0x1ffffffff actions=push_vlan:0x8100,set_field:4109->vlan_vid,output:65001');
  });

  it('gives transit networks remote forwarding but no ARP answers, flooding or classification', () => {
    const all = desiredPipeline(view, 1);
    const lines = all.flows.map((f) => flowModToString(f));
    expect(lines.filter((l) => l.includes('dl_dst=02:02:0b:01:02:05'))).toEqual([
      'table=40, priority=100,metadata=0x1002712/0x1ffffffff,dl_dst=02:02:0b:01:02:05 actions=set_field:0x2712->tun_id,set_field:198.18.100.2->tun_dst,output:65000',
    ]);
    expect(lines.filter((l) => l.includes('arp_tpa=11.1.2.'))).toEqual([]);
    expect(all.groups.map((g) => g.groupId)).not.toContain(green.key);
    expect(lines.filter((l) => l.includes('tun_id=0x2712'))).toEqual([]);
  });

  it('only moves packets forward, also through conntrack', () => {
    for (const f of routingFlows(view, 1))
      for (const i of f.instructions) {
        if (i.type === 'gotoTable') expect(i.tableId).toBeGreaterThan(f.tableId);
        if (i.type === 'applyActions') for (const a of i.actions) if (a.type === 'ct' && a.table !== undefined) expect(a.table).toBeGreaterThan(f.tableId);
      }
    expect(TABLE.SNAT_RETURN).toBeGreaterThan(TABLE.L3_ROUTE);
  });
});
