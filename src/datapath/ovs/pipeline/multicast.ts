/**
 * Multicast in L2_FORWARD for networks in `snoop` mode (docs/multicast.md). IGMP from local
 * ports goes to the agent through a rate-limiting meter; a group's packets go to one OpenFlow
 * group of type ALL with a bucket per local member and per remote host with members (VXLAN; a
 * VLAN network has one bucket, the trunk, when any other host has members or a multicast router
 * listens there); unregistered multicast is dropped, except link-local 224.0.0.0/24, which
 * floods as before. Networks in `flood` mode keep the flood flows of l2-forward.ts alone.
 *
 * Packets of a group that came from another host go to a second group with the local members
 * only. Each local bucket writes the group's multicast MAC first: over a kernel VXLAN device a
 * copy travels to one host under that host's steering MAC (see `steeringMac`), and a container
 * only takes a multicast packet addressed to the MAC of a group it joined.
 */
import { OFPP_CONTROLLER, type Action, type Bucket, type FlowMod, type GroupMod } from '../openflow/index.js';
import { FEATURE, makeCookie, type Feature } from './cookie.js';
import { CLASSIFY_MASK, FROM_REMOTE, hashSlots, LOCAL_FLOOD_GROUP_BASE, type FeatureOutput, type HostView, type LocalNetwork, type MulticastGroupView, type MulticastNetworkView } from './model.js';
import { toRemoteActions } from './remote.js';
import { TABLE } from './tables.js';

const ETH_TYPE_IPV4 = 0x0800;
const IPPROTO_IGMP = 2;
/** OFPCML_NO_BUFFER: the whole packet goes to the agent (an IGMPv3 report can be long). */
const OFPCML_NO_BUFFER = 0xffff;

/** The meter IGMP packet-ins go through: a flood of reports cannot starve the agent. */
export const IGMP_METER = 2;
/** First OpenFlow group id of multicast groups (above the flood groups of every network). */
export const MULTICAST_GROUP_BASE = 0x60000000;
/** Slots for multicast groups (two group ids each: local senders, and copies from other hosts). */
export const MULTICAST_GROUP_SLOTS = 1 << 26;

/** Flow priorities in L2_FORWARD: above the flood (50), below unicast (100). */
const PRIORITY = { IGMP: 80, LINK_LOCAL: 70, GROUP: 60, UNREGISTERED: 55 } as const;

/** The group's Ethernet address: 01:00:5e and the low 23 bits of the IPv4 address. */
export function multicastMac(group: string): string {
  const [, b, c, d] = group.split('.').map(Number);
  return ['01', '00', '5e', (b & 0x7f).toString(16).padStart(2, '0'), c.toString(16).padStart(2, '0'), d.toString(16).padStart(2, '0')].join(':');
}

/**
 * The unicast MAC that steers a multicast copy through a kernel VXLAN device to one host: its
 * forwarding entries map it to that host's VTEP (locally administered, 0a:0a + the VTEP's bytes).
 */
export function steeringMac(vtepIp: string): string {
  return ['0a', '0a', ...vtepIp.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}

/** Group-id slots of `(network key, group)` pairs. */
export function multicastSlots(pairs: Iterable<string>): Map<string, number> {
  return hashSlots(pairs, MULTICAST_GROUP_SLOTS);
}

const pairKey = (n: LocalNetwork, group: string) => `${n.key}|${group}`;

/** Whether packets of `n` can come from other hosts (l2-forward.ts then has its local flood group). */
function hasFabric(view: HostView, n: LocalNetwork): boolean {
  return n.pktTagType === 'vxlan' ? view.tunnelOfport !== undefined || view.vxlanDevices?.has(n.key) === true : view.uplinkOfport !== undefined;
}

/** Buckets carrying a copy to each other host with members. */
function remoteBuckets(view: HostView, m: MulticastNetworkView, g: MulticastGroupView): Bucket[] {
  const n = m.network;
  if (n.pktTagType === 'vlan') {
    const out = toRemoteActions(view, n, undefined);
    return out && (g.remoteMembers || m.router) ? [{ actions: out }] : [];
  }
  const device = view.vxlanDevices?.get(n.key);
  return g.remoteVteps.flatMap((vtep): Bucket[] => {
    if (device !== undefined) return [{ actions: [{ type: 'setField', field: 'ethDst', value: steeringMac(vtep) }, { type: 'output', port: device }] }];
    const out = toRemoteActions(view, n, vtep);
    return out ? [{ actions: out }] : [];
  });
}

function localBuckets(g: MulticastGroupView): Bucket[] {
  const mac = multicastMac(g.group);
  return [...g.localPorts].sort((a, b) => a - b).map((port) => ({ actions: [{ type: 'setField', field: 'ethDst', value: mac }, { type: 'output', port }] as Action[] }));
}

function flow(round: number, feature: Feature, object: number | bigint, priority: number, match: FlowMod['match'], actions: Action[], meter?: number): FlowMod {
  return {
    command: 'add',
    tableId: TABLE.L2_FORWARD,
    priority,
    cookie: makeCookie(round, feature, object),
    match,
    // No actions: no instruction at all, which is how a drop dumps (`actions=drop`).
    instructions: [...(meter !== undefined ? [{ type: 'meter' as const, meterId: meter }] : []), ...(actions.length ? [{ type: 'applyActions' as const, actions }] : [])],
  };
}

/** Flows and groups of every snooping network of the view. */
export function multicastFlows(view: HostView, round: number): FeatureOutput {
  const flows: FlowMod[] = [];
  const groups: GroupMod[] = [];
  const nets = view.multicast ?? [];
  const slots = multicastSlots(nets.flatMap((m) => m.groups.map((g) => pairKey(m.network, g.group))));
  for (const m of nets) {
    const n = m.network;
    const local = { metadata: BigInt(n.key), metadataMask: CLASSIFY_MASK, ethType: ETH_TYPE_IPV4 };
    const remote = { metadata: BigInt(n.key) | FROM_REMOTE, metadataMask: CLASSIFY_MASK, ethType: ETH_TYPE_IPV4 };
    const trunk = m.router ? toRemoteActions(view, n, undefined) : undefined;
    // Reports and leaves from local ports: to the agent (and to a multicast router on the trunk).
    flows.push(flow(round, FEATURE.MULTICAST, n.key, PRIORITY.IGMP, { ...local, ipProto: IPPROTO_IGMP }, [{ type: 'output', port: OFPP_CONTROLLER, maxLen: OFPCML_NO_BUFFER }, ...(trunk ?? [])], IGMP_METER));
    // Link-local groups (IGMP queries to 224.0.0.1 among them) flood as before.
    flows.push(flow(round, FEATURE.MULTICAST, n.key, PRIORITY.LINK_LOCAL, { ...local, ipv4Dst: '224.0.0.0', ipv4DstMask: '255.255.255.0' }, [{ type: 'group', groupId: n.key }]));
    if (hasFabric(view, n)) {
      flows.push(flow(round, FEATURE.MULTICAST, n.key, PRIORITY.LINK_LOCAL, { ...remote, ipv4Dst: '224.0.0.0', ipv4DstMask: '255.255.255.0' }, [{ type: 'group', groupId: LOCAL_FLOOD_GROUP_BASE + n.key }]));
    }
    // Unregistered groups: nowhere, or only to the router on the trunk.
    flows.push(flow(round, FEATURE.MULTICAST, n.key, PRIORITY.UNREGISTERED, { ...local, ipv4Dst: '224.0.0.0', ipv4DstMask: '240.0.0.0' }, trunk ?? []));
    flows.push(flow(round, FEATURE.MULTICAST, n.key, PRIORITY.UNREGISTERED, { ...remote, ipv4Dst: '224.0.0.0', ipv4DstMask: '240.0.0.0' }, []));
    for (const g of m.groups) {
      const slot = slots.get(pairKey(n, g.group))!;
      const fromLocal = MULTICAST_GROUP_BASE + 2 * slot;
      const fromRemote = fromLocal + 1;
      const lb = localBuckets(g);
      groups.push({ command: 'add', type: 'all', groupId: fromLocal, buckets: [...lb, ...remoteBuckets(view, m, g)] });
      groups.push({ command: 'add', type: 'all', groupId: fromRemote, buckets: lb });
      flows.push(flow(round, FEATURE.MULTICAST_GROUP, fromLocal, PRIORITY.GROUP, { ...local, ipv4Dst: g.group }, [{ type: 'group', groupId: fromLocal }]));
      flows.push(flow(round, FEATURE.MULTICAST_GROUP, fromRemote, PRIORITY.GROUP, { ...remote, ipv4Dst: g.group }, [{ type: 'group', groupId: fromRemote }]));
    }
  }
  return { flows, groups };
}
