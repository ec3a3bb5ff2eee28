/**
 * L2_FORWARD: unicast by destination MAC within the packet's network; broadcast and
 * multicast go to the network's flood group (type ALL). OVS never sends a packet back out
 * of its ingress port unless told to (IN_PORT), so one group serves every local ingress
 * port. Packets that came from another host flood to a second group holding only local
 * ports (split horizon): the fabric already delivered them everywhere else.
 */
import type { Action, FlowMod, GroupMod } from '../openflow/index.js';
import { FEATURE, makeCookie } from './cookie.js';
import { CLASSIFY_MASK, FROM_REMOTE, LOCAL_FLOOD_GROUP_BASE, NETWORK_MASK, networksOf, type FeatureOutput, type HostView, type LocalNetwork, type RemoteEndpoint } from './model.js';
import { reachableRemotes, toRemoteActions } from './remote.js';
import { TABLE } from './tables.js';

const MULTICAST = { ethDst: '01:00:00:00:00:00', ethDstMask: '01:00:00:00:00:00' };

/** Buckets that copy a flooded packet of `n` to the other hosts that need it. */
function fabricBuckets(view: HostView, n: LocalNetwork, vtepsOf: ReadonlyMap<number, Set<string>>): Action[][] {
  if (n.pktTagType === 'vlan') {
    const out = toRemoteActions(view, n, undefined);
    return out ? [out] : [];
  }
  const vteps = [...(vtepsOf.get(n.key) ?? [])].sort();
  // A kernel VXLAN device replicates to every peer itself: one bucket when there is any peer.
  if (view.vxlanDevices?.has(n.key)) return vteps.length ? [toRemoteActions(view, n, vteps[0])!] : [];
  return vteps.map((ip) => toRemoteActions(view, n, ip)!);
}

/** Unicast flows per port, flood flows and groups per network. */
export function l2ForwardFlows(view: HostView, round: number, remotes: readonly RemoteEndpoint[] = reachableRemotes(view)): FeatureOutput {
  // The peer VTEPs of each network, from one pass over the remote endpoints.
  const vtepsOf = new Map<number, Set<string>>();
  for (const r of remotes) {
    let set = vtepsOf.get(r.network.key);
    if (!set) vtepsOf.set(r.network.key, (set = new Set()));
    set.add(r.vtepIp!);
  }
  const flows: FlowMod[] = view.ports.map((p) => ({
    command: 'add',
    tableId: TABLE.L2_FORWARD,
    priority: 100,
    cookie: makeCookie(round, FEATURE.L2_FORWARD, p.ofport),
    match: { metadata: BigInt(p.network.key), metadataMask: NETWORK_MASK, ethDst: p.mac },
    // An ingress limit meters unicast delivery to the port (flooded copies are not metered: docs/qos.md).
    instructions: [
      ...(p.qos?.ingress ? [{ type: 'meter' as const, meterId: p.qos.ingress.meterId }] : []),
      { type: 'applyActions' as const, actions: [{ type: 'output' as const, port: p.ofport }] },
    ],
  }));
  const groups: GroupMod[] = [];
  for (const n of networksOf(view)) {
    const local = view.ports
      .filter((p) => p.network.key === n.key)
      .sort((a, b) => a.ofport - b.ofport)
      .map((p) => ({ actions: [{ type: 'output' as const, port: p.ofport }] }));
    const fabric = fabricBuckets(view, n, vtepsOf).map((actions) => ({ actions }));
    groups.push({ command: 'add', type: 'all', groupId: n.key, buckets: [...local, ...fabric] });
    flows.push({
      command: 'add',
      tableId: TABLE.L2_FORWARD,
      priority: 50,
      cookie: makeCookie(round, FEATURE.FLOOD, n.key),
      match: { metadata: BigInt(n.key), metadataMask: CLASSIFY_MASK, ...MULTICAST },
      instructions: [{ type: 'applyActions', actions: [{ type: 'group', groupId: n.key }] }],
    });
    const fromFabric = n.pktTagType === 'vxlan' ? view.tunnelOfport !== undefined || view.vxlanDevices?.has(n.key) : view.uplinkOfport !== undefined;
    if (!fromFabric) continue;
    groups.push({ command: 'add', type: 'all', groupId: LOCAL_FLOOD_GROUP_BASE + n.key, buckets: local });
    flows.push({
      command: 'add',
      tableId: TABLE.L2_FORWARD,
      priority: 50,
      cookie: makeCookie(round, FEATURE.FLOOD, LOCAL_FLOOD_GROUP_BASE + n.key),
      match: { metadata: BigInt(n.key) | FROM_REMOTE, metadataMask: CLASSIFY_MASK, ...MULTICAST },
      instructions: [{ type: 'applyActions', actions: [{ type: 'group', groupId: LOCAL_FLOOD_GROUP_BASE + n.key }] }],
    });
  }
  return { flows, groups };
}
