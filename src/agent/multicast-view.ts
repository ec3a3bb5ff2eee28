/**
 * What the multicast flows of this host replicate (docs/multicast.md): for each local network
 * in `snoop` mode, each group address with members, its local member ports, and the other
 * hosts with members (their VTEPs). Members come from this agent's snooping and from what the
 * other agents published; expired memberships count for nobody. Pure.
 */
import type { MulticastMembers } from '../intent/multicast-types.js';
import type { NetworkState } from '../intent/types.js';
import { multicastOf, multicastRouterOf } from '../intent/multicast.js';
import type { LocalNetwork, MulticastGroupView, MulticastNetworkView } from '../datapath/ovs/pipeline/index.js';

/** What the view is built from. */
export interface MulticastInputs {
  /** This host's memberships: network id -> group address -> member endpoint ids. */
  local: (network: string) => ReadonlyMap<string, readonly string[]>;
  /** What every other host published, by host. */
  remote: ReadonlyMap<string, MulticastMembers>;
  /** VTEP of each registered host. */
  vtepOf: (host: string) => string | undefined;
  now: number;
}

/** Whether a stored network snoops (its effective `Multicast` mode). */
function snoops(ns: NetworkState | undefined): boolean {
  return ns !== undefined && multicastOf(ns) === 'snoop';
}

/**
 * The multicast view of the local networks: `ofportOf` maps a local endpoint id to its port
 * (endpoints without a port here are skipped), `stateOf` gives each network's stored state.
 */
export function multicastView(networks: Iterable<LocalNetwork>, stateOf: (id: string) => NetworkState | undefined, ofportOf: (endpoint: string) => number | undefined, inputs: MulticastInputs, self: string): MulticastNetworkView[] {
  const out: MulticastNetworkView[] = [];
  for (const n of [...networks].sort((a, b) => a.key - b.key)) {
    const ns = stateOf(n.id);
    if (!snoops(ns)) continue;
    const byGroup = new Map<string, MulticastGroupView>();
    const entry = (group: string) => {
      let g = byGroup.get(group);
      if (!g) byGroup.set(group, (g = { group, localPorts: [], remoteVteps: [], remoteMembers: false }));
      return g;
    };
    for (const [group, members] of inputs.local(n.id)) {
      const ports = members.map(ofportOf).filter((p): p is number => p !== undefined);
      if (ports.length) entry(group).localPorts.push(...ports);
    }
    for (const [host, published] of inputs.remote) {
      if (host === self) continue;
      for (const [group, members] of Object.entries(published.networks?.[n.id] ?? {})) {
        if (!Object.values(members).some((until) => until > inputs.now)) continue;
        const g = entry(group);
        g.remoteMembers = true;
        const vtep = inputs.vtepOf(host);
        if (vtep && !g.remoteVteps.includes(vtep)) g.remoteVteps.push(vtep);
      }
    }
    const groups = [...byGroup.values()].sort((a, b) => (a.group < b.group ? -1 : 1));
    for (const g of groups) {
      g.localPorts.sort((a, b) => a - b);
      g.remoteVteps.sort();
    }
    out.push({ network: n, router: n.pktTagType === 'vlan' && multicastRouterOf(ns!), groups });
  }
  return out;
}

/** A local endpoint's port as the last round left it. */
export interface AttachedPort {
  endpoint: string;
  ofport?: number;
  status: string;
}

/** The local ports of endpoints in snooping networks, by ofport, with their network and its gateway (where queries come from). */
export function snoopedPorts(statuses: Iterable<AttachedPort>, endpoints: ReadonlyMap<string, { tenant: string; network: string }>, networks: ReadonlyMap<string, NetworkState>, gatewayMacOf: (ip: string) => string): Map<number, { endpoint: string; network: string; gatewayIp: string; gatewayMac: string }> {
  const out = new Map<number, { endpoint: string; network: string; gatewayIp: string; gatewayMac: string }>();
  for (const s of statuses) {
    if (s.status !== 'attached' || s.ofport === undefined) continue;
    const ep = endpoints.get(s.endpoint);
    const network = ep && `${ep.tenant}/${ep.network}`;
    const ns = network ? networks.get(network) : undefined;
    if (!ns || !snoops(ns)) continue;
    out.set(s.ofport, { endpoint: s.endpoint, network: network!, gatewayIp: ns.gateway, gatewayMac: gatewayMacOf(ns.gateway) });
  }
  return out;
}
