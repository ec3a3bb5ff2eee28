/**
 * Which networks a host's routing needs beyond the ones with local ports: every other
 * network of a local tenant is either routed into (a transit network: its remote endpoints
 * are needed, its flooding is not) or owned by a physical router (never routed to, never
 * NATed out). Tenants without local ports are not looked at: they are other routing domains.
 */
import type { NetworkState } from '../intent/types.js';
import { externalOf, gatewayModeOf } from '../intent/routing.js';
import type { LocalNetwork } from '../datapath/ovs/pipeline/index.js';

/** A local network as the host gateway sees it. */
export interface GatewayNetwork {
  id: string;
  key: number;
  subnet: string;
  /** Whether its endpoints reach the outside through this host (External "snat"). */
  snat: boolean;
}

/** What routing adds to a round's view. */
export interface RoutedNetworks {
  /** Distributed-gateway networks of local tenants without local ports. */
  transit: LocalNetwork[];
  /** Subnets of local tenants whose gateway is a physical router. */
  unrouted: Array<{ tenant: string; subnet: string }>;
  /** Local distributed-gateway networks, for the host gateway. */
  gatewayNetworks: GatewayNetwork[];
  /** Conntrack zone (the tenant's route id) of each local network that SNATs, by network id. */
  snatRouteIds: Map<string, number>;
}

/** The tenant's route id carried on the network (undefined in states written before routing). */
function routeIdOf(n: NetworkState): number | undefined {
  return typeof n.routeId === 'number' && n.routeId > 0 ? n.routeId : undefined;
}

/** Splits the desired networks of the local tenants into transit and unrouted ones. Pure. */
export function routedNetworks(all: ReadonlyMap<string, NetworkState>, local: ReadonlyMap<string, LocalNetwork>, make: (n: NetworkState) => LocalNetwork): RoutedNetworks {
  const out: RoutedNetworks = { transit: [], unrouted: [], gatewayNetworks: [], snatRouteIds: new Map() };
  const tenants = new Set<string>();
  for (const n of local.values()) if (n.l3) tenants.add(n.l3.tenant);
  if (tenants.size === 0) return out;
  for (const ns of all.values()) {
    if (!tenants.has(ns.tenant)) continue;
    const mine = local.get(ns.id);
    if (gatewayModeOf(ns) === 'external') {
      out.unrouted.push({ tenant: ns.tenant, subnet: ns.subnet });
      continue;
    }
    if (!mine) {
      out.transit.push(make(ns));
      continue;
    }
    const routeId = routeIdOf(ns);
    const snat = externalOf(ns) === 'snat' && routeId !== undefined;
    out.gatewayNetworks.push({ id: ns.id, key: mine.key, subnet: ns.subnet, snat });
    if (snat) out.snatRouteIds.set(ns.id, routeId);
  }
  out.transit.sort((a, b) => a.key - b.key);
  out.gatewayNetworks.sort((a, b) => a.key - b.key);
  return out;
}

/** Tenants with a VXLAN network their other networks route into (distributed gateway). */
export function tenantsRoutingIntoVxlan(all: ReadonlyMap<string, NetworkState>): Set<string> {
  const out = new Set<string>();
  for (const m of all.values()) if (m.pktTagType === 'vxlan' && gatewayModeOf(m) === 'distributed') out.add(m.tenant);
  return out;
}

/**
 * Whether packets of `n`'s containers can enter a VXLAN tunnel: it is a VXLAN network, or it
 * routes (distributed gateway) into a VXLAN network of its tenant (`vxlanTenants`, from
 * tenantsRoutingIntoVxlan). OVS's userspace tunnel drops TSO packets, so on that path such
 * containers need their checksum/segmentation offload off.
 */
export function entersVxlan(n: NetworkState, vxlanTenants: ReadonlySet<string>): boolean {
  if (n.pktTagType === 'vxlan') return true;
  return gatewayModeOf(n) === 'distributed' && vxlanTenants.has(n.tenant);
}
