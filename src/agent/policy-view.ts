/**
 * The policy the pipeline enforces on this host, from the stored state: each tenant's rules
 * with their groups resolved to addresses. Members are this host's endpoints (a host enforces
 * the rules of its own endpoints); peers are every endpoint of the group, on any host.
 */
import type { LocalNetwork, LocalPort, PolicyRuleView, PolicyView, TenantPolicyView } from '../datapath/ovs/pipeline/index.js';
import type { EndpointState, NetworkState } from '../intent/types.js';
import type { TenantPolicyState } from '../intent/policy-types.js';

/** Policy conntrack zones sit above every SNAT zone (a tenant's routeId, 1-4078). */
const POLICY_ZONE_BASE = 0x8000;

/** The conntrack zone of the policy state of the tenant with `routeId`. */
export function policyZone(routeId: number): number {
  return POLICY_ZONE_BASE + routeId;
}

/** What a round needs to resolve one tenant's rules, built once per round. */
interface TenantIndex {
  state: TenantPolicyState;
  /** Groups of each endpoint, by `tenant/network|ip`. */
  groupsOf: Map<string, readonly string[]>;
  /** Addresses of each group's endpoints (any host), as /32 cidrs. */
  groupPeers: Map<string, string[]>;
  /** Subnet of each network of the tenant, by network name. */
  subnets: Map<string, string>;
}

/** Tenants with policy, indexed for resolving rules (tenant name to index). */
export type PolicyIndex = Map<string, TenantIndex>;

/** Indexes the stored policies against the stored endpoints and networks. */
export function policyIndex(policies: ReadonlyMap<string, TenantPolicyState>, endpoints: Iterable<EndpointState>, networks: Iterable<NetworkState>): PolicyIndex {
  const index: PolicyIndex = new Map();
  for (const [tenant, state] of policies) {
    if (state.rules.length) index.set(tenant, { state, groupsOf: new Map(), groupPeers: new Map(), subnets: new Map() });
  }
  if (index.size === 0) return index;
  for (const n of networks) index.get(n.tenant)?.subnets.set(n.name, n.subnet);
  for (const ep of endpoints) {
    const t = index.get(ep.tenant);
    if (!t || !ep.groups?.length) continue;
    t.groupsOf.set(`${ep.tenant}/${ep.network}|${ep.ip}`, ep.groups);
    for (const g of ep.groups) {
      let list = t.groupPeers.get(g);
      if (!list) t.groupPeers.set(g, (list = []));
      list.push(`${ep.ip}/32`);
    }
  }
  return index;
}

/** The pipeline's policy view for this host's ports and the networks it knows (local and transit). */
export function policyViewFor(index: PolicyIndex, ports: readonly LocalPort[], known: Iterable<LocalNetwork>): PolicyView | undefined {
  if (index.size === 0) return undefined;
  const keys = new Map<string, number[]>();
  for (const n of known) {
    const tenant = n.l3?.tenant;
    if (tenant === undefined || !index.has(tenant)) continue;
    let list = keys.get(tenant);
    if (!list) keys.set(tenant, (list = []));
    list.push(n.key);
  }
  const tenants: TenantPolicyView[] = [];
  for (const [tenant, t] of index) {
    const networkKeys = keys.get(tenant);
    // No network of the tenant here: nothing of it passes this host.
    if (!networkKeys) continue;
    const membersOf = new Map<string, string[]>();
    for (const p of ports) {
      if (p.network.l3?.tenant !== tenant) continue;
      for (const g of t.groupsOf.get(`${p.network.id}|${p.ip}`) ?? []) {
        let list = membersOf.get(g);
        if (!list) membersOf.set(g, (list = []));
        list.push(p.ip);
      }
    }
    const rules: PolicyRuleView[] = [];
    for (const r of t.state.rules) {
      const members = [...new Set(r.appliesTo.flatMap((g) => membersOf.get(g) ?? []))];
      if (members.length === 0) continue;
      const view: PolicyRuleView = { id: r.id, priority: r.priority, direction: r.direction, action: r.action, members };
      if (r.peer) view.peers = peersOf(t, r.peer);
      if (r.protocol) view.protocol = r.protocol;
      if (r.ports) view.ports = r.ports;
      if (r.log && r.action === 'deny') view.log = true;
      rules.push(view);
    }
    tenants.push({ tenant, zone: policyZone(t.state.routeId), networkKeys, rules });
  }
  return { tenants };
}

/** A rule's peer as cidrs; a group with no endpoints matches no address (never anyone). */
function peersOf(t: TenantIndex, peer: NonNullable<TenantPolicyState['rules'][number]['peer']>): string[] {
  if ('group' in peer) return t.groupPeers.get(peer.group) ?? [];
  if ('network' in peer) {
    const subnet = t.subnets.get(peer.network);
    return subnet ? [subnet] : [];
  }
  return [peer.cidr.includes('/') ? peer.cidr : `${peer.cidr}/32`];
}
