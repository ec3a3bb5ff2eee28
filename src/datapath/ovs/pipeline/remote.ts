/**
 * Traffic between hosts. Packets arriving from the VXLAN port (by VNI) or the uplink patch
 * (by VLAN tag, which is popped) are classified into their network with the FROM_REMOTE
 * bit set and go straight to forwarding (through the policy tables first, when their tenant
 * has policy): the sending host already checked their source.
 * Packets for endpoints on other hosts leave through the tunnel (VNI + that host's VTEP)
 * or the uplink (tagged); FROM_REMOTE packets are never sent back to the fabric (split
 * horizon), so a full mesh of hosts cannot loop.
 */
import type { Action, FlowMod } from '../openflow/index.js';
import { FEATURE, makeCookie } from './cookie.js';
import { CLASSIFY_MASK, FROM_REMOTE, macFollowsFormula, networksOf, objectIdOf, type HostView, type LocalNetwork, type RemoteEndpoint } from './model.js';
import { TABLE } from './tables.js';
import { NO_MEMO, type FlowCache } from './memo.js';
import { policyNetworkKeys } from './policy.js';

const OFPVID_PRESENT = 0x1000;
const ETH_TYPE_VLAN = 0x8100;

/** Actions that carry a packet of `n` to `remote`'s host, or undefined when it cannot be reached. */
export function toRemoteActions(view: HostView, n: LocalNetwork, vtepIp: string | undefined): Action[] | undefined {
  if (n.pktTagType === 'vxlan') {
    const device = view.vxlanDevices?.get(n.key);
    // The kernel device finds the peer VTEP in its forwarding entries (and floods to all peers).
    if (device !== undefined) return [{ type: 'output', port: device }];
    if (view.tunnelOfport === undefined || !vtepIp) return undefined;
    return [
      { type: 'setField', field: 'tunnelId', value: BigInt(n.pktTag) },
      { type: 'setField', field: 'tunIpv4Dst', value: vtepIp },
      { type: 'output', port: view.tunnelOfport },
    ];
  }
  if (view.uplinkOfport === undefined) return undefined;
  return [
    { type: 'pushVlan', ethertype: ETH_TYPE_VLAN },
    { type: 'setField', field: 'vlanVid', value: OFPVID_PRESENT | n.pktTag },
    { type: 'output', port: view.uplinkOfport },
  ];
}

const ENDPOINT_MAC_PREFIX = '02:02:00:00:00:00';

/** Whether a per-network flow already carries unicast to `r` (so it needs no flow of its own). */
function coveredPerNetwork(view: HostView, n: LocalNetwork, r: RemoteEndpoint): boolean {
  if (n.pktTagType === 'vlan') return view.uplinkOfport !== undefined;
  return view.vxlanDevices?.get(n.key) !== undefined && n.l3 !== undefined && macFollowsFormula(r.ip, r.mac);
}

/** Remote endpoints the view can actually reach (VXLAN ones need their host's VTEP). */
export function reachableRemotes(view: HostView): RemoteEndpoint[] {
  return view.remotes.filter((r) => reachable(view, r.network, r.vtepIp));
}

/** Whether toRemoteActions would give actions for `n` and `vtepIp` (without building them). */
function reachable(view: HostView, n: LocalNetwork, vtepIp: string | undefined): boolean {
  // A VXLAN endpoint whose host has no VTEP cannot be reached, device or not.
  if (n.pktTagType === 'vxlan') return !!vtepIp && (view.vxlanDevices?.get(n.key) !== undefined || view.tunnelOfport !== undefined);
  return view.uplinkOfport !== undefined;
}

/** Classification of packets from the tunnel and the uplink, per network with local ports. */
export function remoteClassifyFlows(view: HostView, round: number): FlowMod[] {
  const flows: FlowMod[] = [];
  const withPolicy = policyNetworkKeys(view);
  for (const n of networksOf(view)) {
    const metadata = { type: 'writeMetadata' as const, metadata: BigInt(n.key) | FROM_REMOTE, mask: CLASSIFY_MASK };
    // The destination's host enforces its endpoints' ingress rules: packets of tenants with policy meet them first.
    const next = { type: 'gotoTable' as const, tableId: withPolicy.has(n.key) ? TABLE.POLICY_CONNTRACK : TABLE.L2_FORWARD };
    const device = view.vxlanDevices?.get(n.key);
    if (n.pktTagType === 'vxlan' && device !== undefined) {
      flows.push({
        command: 'add',
        tableId: TABLE.CLASSIFY,
        priority: 100,
        cookie: makeCookie(round, FEATURE.TUNNEL, n.key),
        match: { inPort: device },
        instructions: [metadata, next],
      });
    } else if (n.pktTagType === 'vxlan' && view.tunnelOfport !== undefined) {
      flows.push({
        command: 'add',
        tableId: TABLE.CLASSIFY,
        priority: 100,
        cookie: makeCookie(round, FEATURE.TUNNEL, n.key),
        match: { inPort: view.tunnelOfport, tunnelId: BigInt(n.pktTag) },
        instructions: [metadata, next],
      });
    }
    if (n.pktTagType === 'vlan' && view.uplinkOfport !== undefined) {
      flows.push({
        command: 'add',
        tableId: TABLE.CLASSIFY,
        priority: 100,
        cookie: makeCookie(round, FEATURE.UPLINK, n.key),
        match: { inPort: view.uplinkOfport, vlanVid: OFPVID_PRESENT | n.pktTag },
        instructions: [{ type: 'applyActions', actions: [{ type: 'popVlan' }] }, metadata, next],
      });
    }
  }
  return flows;
}

/** Unicast to remote endpoints (local-origin packets only), and unknown unicast of VLAN networks to the physical network. */
export function remoteForwardFlows(view: HostView, round: number, memo: FlowCache = NO_MEMO, remotes = reachableRemotes(view)): FlowMod[] {
  const flows: FlowMod[] = [];
  // Everything a flow is built from: the network and the fabric ports (the same for all of a
  // network's endpoints, so built once per network), then the endpoint's own fields.
  const netSigs = new Map<LocalNetwork, string>();
  for (const r of remotes) {
    const n = r.network;
    // Covered by one flow per network: VLAN unicast by the trunk's unknown-unicast flow below,
    // VXLAN through a kernel device by the formula flow (the kernel's forwarding entries pick the VTEP).
    if (coveredPerNetwork(view, n, r)) continue;
    let netSig = netSigs.get(n);
    if (netSig === undefined) {
      netSig = `rf|${round}|${n.key}|${n.pktTagType}|${n.pktTag}|${view.vxlanDevices?.get(n.key)}|${view.tunnelOfport}|${view.uplinkOfport}|`;
      netSigs.set(n, netSig);
    }
    flows.push(
      memo.get(netSig, r.id, [r.mac, r.vtepIp], () => ({
        command: 'add',
        tableId: TABLE.L2_FORWARD,
        priority: 100,
        cookie: makeCookie(round, FEATURE.REMOTE_FORWARD, objectIdOf(r.id)),
        match: { metadata: BigInt(n.key), metadataMask: CLASSIFY_MASK, ethDst: r.mac },
        instructions: [{ type: 'applyActions', actions: toRemoteActions(view, n, r.vtepIp)! }],
      })),
    );
  }
  for (const n of [...networksOf(view), ...(view.transit ?? [])]) {
    const device = view.vxlanDevices?.get(n.key);
    if (n.pktTagType !== 'vxlan' || device === undefined || !n.l3) continue;
    flows.push({
      command: 'add',
      tableId: TABLE.L2_FORWARD,
      priority: 90,
      cookie: makeCookie(round, FEATURE.REMOTE_FORWARD, 0x200000000 + n.key),
      match: { metadata: BigInt(n.key), metadataMask: CLASSIFY_MASK, ethDst: ENDPOINT_MAC_PREFIX, ethDstMask: 'ff:ff:00:00:00:00' },
      instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: device }] }],
    });
  }
  // The physical network may hold machines we do not know of (hand-off): send it what we cannot deliver.
  // Transit networks too: a packet routed into a VLAN network may be for a machine on the physical network.
  for (const n of [...networksOf(view), ...(view.transit ?? [])]) {
    if (n.pktTagType !== 'vlan' || view.uplinkOfport === undefined) continue;
    flows.push({
      command: 'add',
      tableId: TABLE.L2_FORWARD,
      priority: 10,
      cookie: makeCookie(round, FEATURE.UPLINK, n.key),
      match: { metadata: BigInt(n.key), metadataMask: CLASSIFY_MASK },
      instructions: [{ type: 'applyActions', actions: toRemoteActions(view, n, undefined)! }],
    });
  }
  return flows;
}
