import { describe, expect, it } from 'vitest';
import { flowModToString, groupModToString } from '../openflow/format.js';
import { desiredPipeline, formulaMac, networkKey, TABLE, type HostView, type LocalNetwork } from './index.js';
import { MULTICAST_GROUP_BASE, multicastFlows, multicastMac, multicastSlots, steeringMac } from './multicast.js';

const blue: LocalNetwork = { id: 't/blue', key: networkKey('vxlan', 5001), gateway: '10.1.0.1', gatewayMac: formulaMac('10.1.0.1'), pktTagType: 'vxlan', pktTag: 5001 };
const orange: LocalNetwork = { id: 't/orange', key: networkKey('vlan', 11), gateway: '10.2.0.1', gatewayMac: formulaMac('10.2.0.1'), pktTagType: 'vlan', pktTag: 11 };
const port = (ofport: number, ip: string, network: LocalNetwork) => ({ ofport, ip, mac: formulaMac(ip), network });
const G = '239.1.1.1';

const base: HostView = {
  ports: [port(3, '10.1.0.2', blue), port(4, '10.1.0.3', blue), port(5, '10.1.0.4', blue), port(6, '10.2.0.2', orange)],
  remotes: [],
  tunnelOfport: 65000,
  uplinkOfport: 65001,
};
const slotOf = (key: number, g: string) => multicastSlots([`${key}|${g}`]).get(`${key}|${g}`)!;

describe('multicastFlows', () => {
  it('adds nothing for networks in flood mode (no multicast view)', () => {
    expect(multicastFlows(base, 1)).toEqual({ flows: [], groups: [] });
  });

  it('sends IGMP to the agent through its meter, floods link-local, drops unregistered groups, and replicates a group to its members only', () => {
    const v: HostView = { ...base, multicast: [{ network: blue, router: false, groups: [{ group: G, localPorts: [4, 3], remoteVteps: ['198.18.0.2', '198.18.0.3'], remoteMembers: true }] }] };
    const out = multicastFlows(v, 1);
    const id = MULTICAST_GROUP_BASE + 2 * slotOf(blue.key, G);
    expect(out.flows.map((f) => flowModToString(f))).toEqual([
      'table=40, priority=80,ip,metadata=0x1001389/0x1ffffffff,nw_proto=2 actions=meter:2,CONTROLLER:65535',
      'table=40, priority=70,ip,metadata=0x1001389/0x1ffffffff,nw_dst=224.0.0.0/24 actions=group:16782217',
      'table=40, priority=70,ip,metadata=0x101001389/0x1ffffffff,nw_dst=224.0.0.0/24 actions=group:1090524041',
      'table=40, priority=55,ip,metadata=0x1001389/0x1ffffffff,nw_dst=224.0.0.0/4 actions=drop',
      'table=40, priority=55,ip,metadata=0x101001389/0x1ffffffff,nw_dst=224.0.0.0/4 actions=drop',
      `table=40, priority=60,ip,metadata=0x1001389/0x1ffffffff,nw_dst=${G} actions=group:${id}`,
      `table=40, priority=60,ip,metadata=0x101001389/0x1ffffffff,nw_dst=${G} actions=group:${id + 1}`,
    ]);
    expect(out.groups.map(groupModToString)).toEqual([
      `group_id=${id},type=all,bucket=actions=set_field:01:00:5e:01:01:01->eth_dst,output:3,bucket=actions=set_field:01:00:5e:01:01:01->eth_dst,output:4,bucket=actions=set_field:0x1389->tun_id,set_field:198.18.0.2->tun_dst,output:65000,bucket=actions=set_field:0x1389->tun_id,set_field:198.18.0.3->tun_dst,output:65000`,
      `group_id=${id + 1},type=all,bucket=actions=set_field:01:00:5e:01:01:01->eth_dst,output:3,bucket=actions=set_field:01:00:5e:01:01:01->eth_dst,output:4`,
    ]);
  });

  it('steers each copy through a kernel VXLAN device to one host by that host\'s MAC', () => {
    const v: HostView = { ...base, tunnelOfport: undefined, vxlanDevices: new Map([[blue.key, 7]]), multicast: [{ network: blue, router: false, groups: [{ group: G, localPorts: [], remoteVteps: ['198.18.0.2'], remoteMembers: true }] }] };
    const g = multicastFlows(v, 1).groups[0];
    expect(groupModToString(g)).toMatch(/type=all,bucket=actions=set_field:0a:0a:c6:12:00:02->eth_dst,output:7$/);
    expect(steeringMac('198.18.0.2')).toBe('0a:0a:c6:12:00:02');
  });

  it('sends a VLAN group to the trunk once when other hosts have members, and everything to the trunk when a router listens', () => {
    const member = { group: G, localPorts: [6], remoteVteps: [], remoteMembers: true };
    const none = { ...member, remoteMembers: false };
    const buckets = (router: boolean, g: typeof member) => multicastFlows({ ...base, multicast: [{ network: orange, router, groups: [g] }] }, 1).groups[0].buckets.length;
    expect([buckets(false, member), buckets(false, none), buckets(true, none)]).toEqual([2, 1, 2]);
    const flows = multicastFlows({ ...base, multicast: [{ network: orange, router: true, groups: [] }] }, 1).flows.map((f) => flowModToString(f));
    expect(flows.filter((f) => f.includes('nw_proto=2') || f.includes('224.0.0.0/4'))).toEqual([
      'table=40, priority=80,ip,metadata=0xb/0x1ffffffff,nw_proto=2 actions=meter:2,CONTROLLER:65535,push_vlan:0x8100,set_field:4107->vlan_vid,output:65001',
      'table=40, priority=55,ip,metadata=0xb/0x1ffffffff,nw_dst=224.0.0.0/4 actions=push_vlan:0x8100,set_field:4107->vlan_vid,output:65001',
      'table=40, priority=55,ip,metadata=0x10000000b/0x1ffffffff,nw_dst=224.0.0.0/4 actions=drop',
    ]);
  });

  it('keeps the same group address of two networks (two tenants) in two groups', () => {
    const twin: LocalNetwork = { ...blue, id: 'u/blue', key: networkKey('vxlan', 5002), pktTag: 5002 };
    const v: HostView = {
      ...base,
      ports: [...base.ports, port(8, '10.1.0.2', twin)],
      multicast: [
        { network: blue, router: false, groups: [{ group: G, localPorts: [3], remoteVteps: [], remoteMembers: false }] },
        { network: twin, router: false, groups: [{ group: G, localPorts: [8], remoteVteps: [], remoteMembers: false }] },
      ],
    };
    const groups = multicastFlows(v, 1).groups.map(groupModToString);
    expect(new Set(groups.map((g) => /group_id=(\d+)/.exec(g)![1])).size).toBe(4);
    expect(groups.filter((g) => g.includes('output:3')).length).toBe(2);
    expect(groups.filter((g) => g.includes('output:8')).length).toBe(2);
  });

  it('is part of the pipeline, beside the flood flows it takes precedence over', () => {
    const v: HostView = { ...base, multicast: [{ network: blue, router: false, groups: [] }] };
    const l2 = desiredPipeline(v, 1).flows.filter((f) => f.tableId === TABLE.L2_FORWARD && f.priority >= 50 && f.priority < 100);
    expect(l2.map((f) => f.priority).sort()).toEqual([50, 50, 50, 50, 55, 55, 70, 70, 80]);
  });

  it('maps a group address to its Ethernet address', () => {
    expect(multicastMac('239.129.2.3')).toBe('01:00:5e:01:02:03');
    expect(multicastMac('224.0.0.251')).toBe('01:00:5e:00:00:fb');
  });
});
