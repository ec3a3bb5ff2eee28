/**
 * L3_ROUTE and SNAT_RETURN: the distributed gateway. Each host routes what its own endpoints
 * send to their gateway MAC, so a routed packet crosses the fabric at most once, already in
 * its destination network:
 *
 * - to another network of the same tenant: TTL decremented, source MAC the destination
 *   network's gateway, destination MAC the endpoint's (endpoint MACs are 02:02 + the IPv4
 *   address, so one flow per network serves every endpoint; other MACs get exact flows),
 *   then that network's L2 forwarding (a local port, or the fabric to the endpoint's host);
 * - to the host's own address on the host gateway port;
 * - anywhere else, with `External: snat`: source-NATed in conntrack (the tenant's zone) to
 *   the tenant's transit address and handed to the host kernel, which masquerades it to its
 *   egress address. Replies come back from the host port to the transit address; conntrack
 *   restores the container's address and SNAT_RETURN routes them into its network.
 *
 * Tenants are separate routing domains: routes only ever name networks of the source
 * network's tenant, and the conntrack zone and transit address are the tenant's own.
 */
import type { Action, FlowMod, Instruction } from '../openflow/index.js';
import { FEATURE, makeCookie } from './cookie.js';
import { cidrMatch, CLASSIFY_MASK, GATEWAY_KEY, macFollowsFormula, NETWORK_MASK, networksOf, objectIdOf, type HostGatewayView, type HostView, type LocalNetwork } from './model.js';
import { arpReply } from './arp-responder.js';
import { TABLE } from './tables.js';

const ETH_TYPE_IPV4 = 0x0800;
/** Endpoint MACs are this prefix followed by the four bytes of the address (src/alloc/mac.ts). */
const ENDPOINT_MAC_PREFIX = '02:02:00:00:00:00';
/** Register carrying the tenant's zone across the conntrack recirculation of a reply. */
const ZONE_REG = 'reg6' as const;

/** Priority of a route to a prefix: longer prefixes first, all above the SNAT default. */
const routePriority = (prefixLen: number): number => 200 + prefixLen;
const HOST_PRIORITY = 250;
/** Above every route from the host (at most 232), below the transit addresses' own return flows. */
const TRANSIT_SOURCE_PRIORITY = 240;
const ENDPOINT_PRIORITY = 300;
const SNAT_PRIORITY = 10;

/** Actions that deliver a routed packet into network `to`, the destination MAC from the address formula. */
function intoNetwork(to: LocalNetwork, dstMac?: string): { actions: Action[]; then: Instruction[] } {
  const actions: Action[] = [{ type: 'decNwTtl' }, { type: 'setField', field: 'ethSrc', value: to.gatewayMac }];
  if (dstMac) actions.push({ type: 'setField', field: 'ethDst', value: dstMac });
  else actions.push({ type: 'setField', field: 'ethDst', value: ENDPOINT_MAC_PREFIX }, { type: 'move', src: 'ipv4Dst', dst: 'ethDst', nBits: 32, srcOfs: 0, dstOfs: 0 });
  return {
    actions,
    then: [
      { type: 'writeMetadata', metadata: BigInt(to.key), mask: CLASSIFY_MASK },
      { type: 'gotoTable', tableId: TABLE.L2_FORWARD },
    ],
  };
}

function routeFlow(round: number, tableId: number, priority: number, objectId: number, match: FlowMod['match'], to: LocalNetwork, dstMac?: string): FlowMod {
  const { actions, then } = intoNetwork(to, dstMac);
  return { command: 'add', tableId, priority, cookie: makeCookie(round, FEATURE.ROUTE, objectId), match, instructions: [{ type: 'applyActions', actions }, ...then] };
}

/** Actions that hand a routed packet to the host kernel through the gateway port. */
function toHost(gw: HostGatewayView): Action[] {
  return [
    { type: 'decNwTtl' },
    { type: 'setField', field: 'ethSrc', value: gw.routerMac },
    { type: 'setField', field: 'ethDst', value: gw.hostMac },
  ];
}

/** Endpoints (local and remote) whose MAC does not follow the formula, by network key. */
function macExceptions(view: HostView): Map<number, Array<{ ip: string; mac: string }>> {
  const out = new Map<number, Array<{ ip: string; mac: string }>>();
  const add = (key: number, ip: string, mac: string) => {
    if (macFollowsFormula(ip, mac)) return;
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push({ ip, mac });
  };
  for (const p of view.ports) add(p.network.key, p.ip, p.mac);
  for (const r of view.remotes) add(r.network.key, r.ip, r.mac);
  return out;
}

/** Routed networks known to the view (local and transit), grouped by tenant. */
function tenantNetworks(view: HostView, local: readonly LocalNetwork[]): Map<string, LocalNetwork[]> {
  const byTenant = new Map<string, LocalNetwork[]>();
  for (const n of [...local, ...(view.transit ?? [])]) {
    if (n.l3?.gateway !== 'distributed') continue;
    let list = byTenant.get(n.l3.tenant);
    if (!list) byTenant.set(n.l3.tenant, (list = []));
    list.push(n);
  }
  return byTenant;
}

/** Flows of L3_ROUTE and SNAT_RETURN (and the ARP answers of the gateway port) for `view`. */
export function routingFlows(view: HostView, round: number): FlowMod[] {
  const flows: FlowMod[] = [];
  const local = networksOf(view);
  const byTenant = tenantNetworks(view, local);
  const exceptions = macExceptions(view);
  const gw = view.gateway;

  for (const from of local) {
    if (from.l3?.gateway !== 'distributed') continue;
    const own = { metadata: BigInt(from.key), metadataMask: CLASSIFY_MASK, ethDst: from.gatewayMac, ethType: ETH_TYPE_IPV4 };
    for (const to of byTenant.get(from.l3.tenant) ?? []) {
      if (to.key === from.key) continue;
      const { ip, mask, len } = cidrMatch(to.l3!.subnet);
      flows.push(routeFlow(round, TABLE.L3_ROUTE, routePriority(len), objectIdOf(`${from.id}>${to.id}`), { ...own, ipv4Dst: ip, ipv4DstMask: mask }, to));
      for (const e of exceptions.get(to.key) ?? []) {
        flows.push(routeFlow(round, TABLE.L3_ROUTE, ENDPOINT_PRIORITY, objectIdOf(`${from.id}>${to.id}/${e.ip}`), { ...own, ipv4Dst: e.ip }, to, e.mac));
      }
    }
    // Subnets of the tenant that are not routed (a physical router owns them) stay unreachable, never NATed out.
    for (const u of view.unrouted ?? []) {
      if (u.tenant !== from.l3.tenant) continue;
      const { ip, mask, len } = cidrMatch(u.subnet);
      flows.push({ command: 'add', tableId: TABLE.L3_ROUTE, priority: routePriority(len), cookie: makeCookie(round, FEATURE.ROUTE, objectIdOf(`${from.id}!${u.subnet}`)), match: { ...own, ipv4Dst: ip, ipv4DstMask: mask }, instructions: [] });
    }
    if (!gw) continue;
    flows.push({
      command: 'add',
      tableId: TABLE.L3_ROUTE,
      priority: HOST_PRIORITY,
      cookie: makeCookie(round, FEATURE.HOST_GATEWAY, from.key),
      match: { ...own, ipv4Dst: gw.hostIp },
      instructions: [{ type: 'applyActions', actions: [...toHost(gw), { type: 'output', port: gw.ofport }] }],
    });
    const snat = from.l3.snat;
    if (snat) {
      flows.push({
        command: 'add',
        tableId: TABLE.L3_ROUTE,
        priority: SNAT_PRIORITY,
        cookie: makeCookie(round, FEATURE.SNAT, from.key),
        match: own,
        instructions: [
          {
            type: 'applyActions',
            actions: [...toHost(gw), { type: 'ct', commit: true, zone: snat.zone, nat: { kind: 'src', ipMin: snat.transitIp } }, { type: 'output', port: gw.ofport }],
          },
        ],
      });
    }
  }
  if (gw) flows.push(...gatewayPortFlows(view, round, gw, local));
  return flows;
}

/** What arrives from the host gateway port: ARP for the router and transit addresses, host-to-endpoint traffic, SNAT replies. */
function gatewayPortFlows(view: HostView, round: number, gw: HostGatewayView, local: readonly LocalNetwork[]): FlowMod[] {
  const flows: FlowMod[] = [
    {
      command: 'add',
      tableId: TABLE.CLASSIFY,
      priority: 100,
      cookie: makeCookie(round, FEATURE.HOST_GATEWAY, gw.ofport),
      match: { inPort: gw.ofport },
      instructions: [
        { type: 'writeMetadata', metadata: BigInt(GATEWAY_KEY), mask: CLASSIFY_MASK },
        { type: 'gotoTable', tableId: TABLE.ARP_RESPONDER },
      ],
    },
  ];
  const fromHost = { metadata: BigInt(GATEWAY_KEY), metadataMask: NETWORK_MASK };
  const answer = (objectId: number, ip: string): FlowMod => ({
    command: 'add',
    tableId: TABLE.ARP_RESPONDER,
    priority: 100,
    cookie: makeCookie(round, FEATURE.HOST_GATEWAY, objectId),
    match: { ...fromHost, ethType: 0x0806, arpOp: 1, arpTpa: ip },
    instructions: [{ type: 'applyActions', actions: arpReply(gw.routerMac, ip) }],
  });
  flows.push(answer(objectIdOf(`router/${gw.routerIp}`), gw.routerIp));
  const zones = new Map<number, string>();
  for (const n of local) {
    if (n.l3?.gateway !== 'distributed') continue;
    if (gw.hostRouted.has(n.key)) {
      const { ip, mask, len } = cidrMatch(n.l3.subnet);
      flows.push(routeFlow(round, TABLE.L3_ROUTE, routePriority(len), objectIdOf(`host>${n.id}`), { ...fromHost, ethType: ETH_TYPE_IPV4, ipv4Dst: ip, ipv4DstMask: mask }, n));
    }
    const snat = n.l3.snat;
    if (!snat) continue;
    zones.set(snat.zone, snat.transitIp);
    const { ip, mask, len } = cidrMatch(n.l3.subnet);
    flows.push(routeFlow(round, TABLE.SNAT_RETURN, routePriority(len), objectIdOf(`unsnat>${n.id}`), { [ZONE_REG]: snat.zone, ethType: ETH_TYPE_IPV4, ipv4Dst: ip, ipv4DstMask: mask }, n));
  }
  for (const [zone, transitIp] of [...zones].sort((a, b) => a[0] - b[0])) {
    flows.push(answer(objectIdOf(`transit/${transitIp}`), transitIp));
    // A tenant's SNATed traffic that the host routes back into the bridge (to a network it has a
    // route to) would reach another tenant through the host: tenants never meet, so it stops here.
    flows.push({
      command: 'add',
      tableId: TABLE.L3_ROUTE,
      priority: TRANSIT_SOURCE_PRIORITY,
      cookie: makeCookie(round, FEATURE.SNAT, objectIdOf(`transit-source/${transitIp}`)),
      match: { ...fromHost, ethType: ETH_TYPE_IPV4, ipv4Src: transitIp },
      instructions: [],
    });
    flows.push({
      command: 'add',
      tableId: TABLE.L3_ROUTE,
      priority: HOST_PRIORITY,
      cookie: makeCookie(round, FEATURE.SNAT, objectIdOf(`transit/${transitIp}`)),
      match: { ...fromHost, ethType: ETH_TYPE_IPV4, ipv4Dst: transitIp },
      instructions: [
        {
          type: 'applyActions',
          actions: [
            { type: 'setField', field: ZONE_REG, value: zone },
            { type: 'ct', zone, table: TABLE.SNAT_RETURN, nat: { kind: 'restore' } },
          ],
        },
      ],
    });
  }
  return flows;
}
