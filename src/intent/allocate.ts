/**
 * Intent → desired state: every tenant gets a routing id, every network a tag, a subnet and a gateway, every
 * endpoint an address and a MAC. Order of precedence: explicit overrides, then what
 * `previous` already gave the same object (so re-applying never moves anything that is
 * still valid), then the lowest free resource.
 */

import { macFromIp } from '../alloc/mac.js';
import { allocAddress, cidrWithin, formatCidr, firstHost, intToIp, ipToInt, isHostAddress, newAddressPool, parseCidr, reserveAddress, type Cidr } from '../alloc/ip.js';
import { allocLowestId, formatRanges, newIdPool, reserveId, type IdPool } from '../alloc/ranges.js';
import { carveSubnet, newSubnetPool, reserveSubnet, subnetInUse, type SubnetPool } from '../alloc/subnet.js';
import { MTU, tagName } from './defaults.js';
import { endpointGroups, tenantPolicyState } from './policy-state.js';
import { allocateRouteIds } from './route-ids.js';
import { DEFAULT_EXTERNAL, DEFAULT_GATEWAY_MODE } from './routing.js';
import { analyseIntent, type IntentAnalysis } from './validate.js';
import type { TenantPolicyState } from './policy-types.js';
import type { DesiredState, EndpointState, Intent, NetworkState, PktTagType, Problem, TenantState } from './types.js';

/** Outcome of allocation: the full desired state, or why it could not be built. */
export type AllocateResult = { ok: true; state: DesiredState } | { ok: false; problems: Problem[] };

/** Orders ids by UTF-16 code units, independent of locale. */
export function byId<T extends { id: string }>(a: T, b: T): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Working record for one network while it is being allocated. */
interface Slot {
  tenant: number;
  index: number;
  id: string;
  path: string;
  type: PktTagType;
  tag?: number;
  subnet?: Cidr;
  fixedSubnet: boolean;
}

/**
 * Addresses taken outside the intent (runtime attachments, Docker IPAM), per network id
 * `tenant/network`: ip → who holds it. The allocator never hands them out.
 */
export type ClaimedAddresses = ReadonlyMap<string, ReadonlyMap<string, string>>;

/**
 * Validates `intent` and allocates everything it leaves open. `previous` is the state
 * the last successful apply produced (undefined on the first apply). `analysis`, when the
 * caller already has it for this very intent, saves analysing it again.
 */
export function allocate(intent: Intent, previous: DesiredState | undefined, claimed: ClaimedAddresses = new Map(), analysis: IntentAnalysis = analyseIntent(intent)): AllocateResult {
  if (analysis.problems.length > 0) return { ok: false, problems: analysis.problems };
  const problems: Problem[] = [];
  const prevNets = new Map((previous?.networks ?? []).map((n) => [n.id, n]));
  const slots: Slot[][] = intent.tenants.map((t, i) =>
    t.networks.map((n, j) => {
      const f = analysis.networks[i][j];
      return { tenant: i, index: j, id: `${t.name}/${n.name}`, path: f.path, type: f.type, tag: n.pktTag, subnet: f.subnet, fixedSubnet: f.subnet !== undefined };
    }),
  );
  allocateTags(intent, analysis, slots, prevNets, problems);
  allocateSubnets(intent, analysis, slots, prevNets, problems);

  const networks: NetworkState[] = [];
  const endpoints: EndpointState[] = [];
  const bindings = new Map(intent.hostBindings.map((b) => [b.container, b.host]));
  const prevEps = new Map((previous?.endpoints ?? []).map((e) => [e.id, e]));
  for (const slot of slots.flat()) {
    if (slot.tag === undefined || slot.subnet === undefined) continue;
    const n = intent.tenants[slot.tenant].networks[slot.index];
    const gateway = analysis.networks[slot.tenant][slot.index].gateway ?? firstHost(slot.subnet)!;
    networks.push({
      id: slot.id,
      tenant: intent.tenants[slot.tenant].name,
      name: n.name,
      pktTagType: slot.type,
      pktTag: slot.tag,
      subnet: formatCidr(slot.subnet),
      gateway: intToIp(gateway),
      mtu: MTU[slot.type],
      gatewayMode: n.gatewayMode ?? DEFAULT_GATEWAY_MODE,
      external: n.external ?? DEFAULT_EXTERNAL,
      routeId: 0, // filled in below, once every tenant has its id
      // Stored only when written, so states of intents without them stay as they were (multicastOf reads the default).
      ...(n.multicast !== undefined ? { multicast: n.multicast } : {}),
      ...(n.multicastRouter !== undefined ? { multicastRouter: n.multicastRouter } : {}),
      ...(n.qos ? { qos: structuredClone(n.qos) } : {}),
    });
    const claims = claimed.get(slot.id) ?? new Map<string, string>();
    const prevNet = prevNets.get(slot.id);
    if (claims.size > 0 && prevNet && prevNet.subnet !== formatCidr(slot.subnet)) {
      problems.push({ path: slot.path, reason: `subnet of ${slot.id} cannot change from ${prevNet.subnet} while ${claims.size} address(es) are held by runtime attachments (${[...claims.values()].slice(0, 3).join(', ')})` });
      continue;
    }
    allocateEndpoints(intent, slot, gateway, bindings, prevEps, endpoints, problems, claims);
  }
  const routeIds = allocateRouteIds(intent.tenants.map((t) => t.name), previous?.tenants);
  if (!routeIds.ok) problems.push(routeIds.problem);
  if (problems.length > 0 || !routeIds.ok) return { ok: false, problems };
  for (const n of networks) n.routeId = routeIds.ids.get(n.tenant)!;

  const tenants: TenantState[] = intent.tenants.map((t, i) => {
    const s = analysis.tenants[i];
    return {
      name: t.name,
      defaultNetType: t.defaultNetType,
      subnetPool: s.pool ? formatCidr(s.pool) : '',
      allocSubnetLen: s.allocSubnetLen,
      vlans: formatRanges(s.vlans!),
      vxlans: formatRanges(s.vxlans!),
      routeId: routeIds.ids.get(t.name)!,
    };
  });
  const hosts = intent.hosts.map((h) => ({ ...h }));
  const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const policies = intent.tenants
    .map((t) => tenantPolicyState(t, routeIds.ids.get(t.name)!))
    .filter((p): p is TenantPolicyState => p !== undefined)
    .sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
  return {
    ok: true,
    state: { tenants: tenants.sort(byName), networks: networks.sort(byId), endpoints: endpoints.sort(byId), hosts: hosts.sort(byName), policies },
  };
}

/** Tags are unique across the whole intent, so all tenants share one taken-set per kind. */
function allocateTags(intent: Intent, a: IntentAnalysis, slots: Slot[][], prev: Map<string, NetworkState>, problems: Problem[]): void {
  const taken: Record<PktTagType, Set<number>> = { vlan: new Set(), vxlan: new Set() };
  const pools = a.tenants.map((s) => ({ vlan: newIdPool(s.vlans!, taken.vlan), vxlan: newIdPool(s.vxlans!, taken.vxlan) }));
  for (const slot of slots.flat()) if (slot.tag !== undefined) taken[slot.type].add(slot.tag);
  // Reuse previous tags only after every override is in, so an override always wins.
  for (const slot of slots.flat()) {
    const p = prev.get(slot.id);
    if (slot.tag === undefined && p && p.pktTagType === slot.type && reserveId(pools[slot.tenant][slot.type], p.pktTag)) slot.tag = p.pktTag;
  }
  const exhausted = new Set<IdPool>();
  for (const slot of slots.flat()) {
    if (slot.tag !== undefined) continue;
    const pool = pools[slot.tenant][slot.type];
    slot.tag = allocLowestId(pool);
    if (slot.tag === undefined && !exhausted.has(pool)) {
      exhausted.add(pool);
      const t = intent.tenants[slot.tenant];
      const key = slot.type === 'vlan' ? 'Vlans' : 'Vxlans';
      const text = slot.type === 'vlan' ? a.tenants[slot.tenant].vlansText : a.tenants[slot.tenant].vxlansText;
      // The field to widen is the tenant's range; the network only shows where it ran out.
      problems.push({
        path: `$.Tenants[${slot.tenant}].${key}`,
        reason: `${tagName(slot.type)} range ${text} of tenant "${t.name}" exhausted at ${slot.path} (ids are unique across all tenants); widen ${key}`,
      });
    }
  }
}

/** Subnets only need to be disjoint within a tenant, so each tenant carves on its own. */
function allocateSubnets(intent: Intent, a: IntentAnalysis, slots: Slot[][], prev: Map<string, NetworkState>, problems: Problem[]): void {
  slots.forEach((tslots, i) => {
    const s = a.tenants[i];
    if (!s.pool) return; // validation guarantees every network then has a fixed subnet
    const pool: SubnetPool = newSubnetPool(s.pool, s.allocSubnetLen);
    for (const slot of tslots) if (slot.subnet) reserveSubnet(pool, slot.subnet);
    for (const slot of tslots) {
      if (slot.subnet) continue;
      const p = prev.get(slot.id);
      const c = p ? parseCidr(p.subnet) : undefined;
      if (c?.ok && c.cidr.len === s.allocSubnetLen && cidrWithin(s.pool, c.cidr) && !subnetInUse(pool, c.cidr)) {
        reserveSubnet(pool, c.cidr);
        slot.subnet = c.cidr;
      }
    }
    for (const slot of tslots) {
      if (slot.subnet) continue;
      slot.subnet = carveSubnet(pool);
      if (!slot.subnet) {
        const want = tslots.filter((x) => !x.fixedSubnet).length;
        problems.push({
          path: `$.Tenants[${i}].SubnetPool`,
          reason: `pool ${formatCidr(s.pool)} of tenant "${intent.tenants[i].name}" cannot fit ${want} networks of /${s.allocSubnetLen} (the first that does not fit is ${slot.path}); widen SubnetPool or raise AllocSubnetLen`,
        });
        return;
      }
    }
  });
}

function allocateEndpoints(
  intent: Intent,
  slot: Slot,
  gateway: number,
  bindings: Map<string, string>,
  prev: Map<string, EndpointState>,
  out: EndpointState[],
  problems: Problem[],
  claims: ReadonlyMap<string, string>,
): void {
  const subnet = slot.subnet!;
  const t = intent.tenants[slot.tenant];
  const n = t.networks[slot.index];
  const pool = newAddressPool(subnet, [gateway]);
  const ips: (number | undefined)[] = n.endpoints.map((e) => (e.ipAddress === undefined ? undefined : ipToInt(e.ipAddress)));
  for (const [k, e] of n.endpoints.entries()) {
    const holder = e.ipAddress === undefined ? undefined : claims.get(e.ipAddress);
    if (holder) problems.push({ path: `${slot.path}.Endpoints[${k}].IpAddress`, reason: `address ${e.ipAddress} is in use by runtime attachment ${holder}` });
  }
  for (const ip of claims.keys()) {
    const v = ipToInt(ip);
    if (v !== undefined) reserveAddress(pool, v);
  }
  for (const ip of ips) if (ip !== undefined) reserveAddress(pool, ip);
  n.endpoints.forEach((e, k) => {
    if (ips[k] !== undefined) return;
    const p = prev.get(`${slot.id}/${e.container}`);
    const ip = p ? ipToInt(p.ip) : undefined;
    if (ip !== undefined && isHostAddress(subnet, ip) && reserveAddress(pool, ip)) ips[k] = ip;
  });
  for (let k = 0; k < n.endpoints.length; k++) {
    const e = n.endpoints[k];
    const ip = ips[k] ?? allocAddress(pool);
    if (ip === undefined) {
      // The field to change is what sizes the subnet: its own SubnetCIDR, else the tenant's AllocSubnetLen.
      const field = n.subnetCIDR !== undefined ? `${slot.path}.SubnetCIDR` : `$.Tenants[${slot.tenant}].AllocSubnetLen`;
      const fix = n.subnetCIDR !== undefined ? 'give the network a larger SubnetCIDR' : 'lower AllocSubnetLen for larger subnets';
      problems.push({ path: field, reason: `no free address in ${formatCidr(subnet)} for container "${e.container}" (${slot.path}.Endpoints[${k}]); ${fix}` });
      return;
    }
    const ep: EndpointState = {
      id: `${slot.id}/${e.container}`,
      tenant: t.name,
      network: n.name,
      container: e.container,
      host: e.host ?? bindings.get(e.container),
      ip: intToIp(ip),
      prefixLen: subnet.len,
      mac: macFromIp(ip),
      attachUUID: e.attachUUID,
      groups: endpointGroups(e.groups),
    };
    if (ep.host === undefined) delete ep.host;
    if (ep.attachUUID === undefined) delete ep.attachUUID;
    if (ep.groups === undefined) delete ep.groups;
    if (e.qos) ep.qos = structuredClone(e.qos);
    out.push(ep);
  }
}
