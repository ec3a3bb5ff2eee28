/**
 * One level-triggered reconcile round: compare what should be attached on this host
 * (desired endpoints whose containers run here) with what is (ports on the bridge and
 * their veths), make the minimal changes, then make the flows match. Every round starts
 * from observation, so a round interrupted by kill -9 is finished by the next agent.
 */
import type { EndpointState, NetworkState } from '../intent/types.js';
import type { PortInfo } from '../datapath/ovs/ovsdb/index.js';
import type { OpenFlowSwitch } from '../datapath/ovs/openflow/index.js';
import type { FlowSyncer, SyncStats } from '../datapath/ovs/flow-sync.js';
import { policyIndex, policyViewFor } from './policy-view.js';
import { portQos, type PortQosInput } from './qos-view.js';
import { multicastView, type MulticastInputs } from './multicast-view.js';
import { desiredPipeline, networkKey, type FlowCache, type HostGatewayView, type HostView, type LocalNetwork, type LocalPort, type PortQos, type RemoteEndpoint, steeringMac } from '../datapath/ovs/pipeline/index.js';
import { routedNetworks, type GatewayNetwork } from './routed-networks.js';
import { gatewayModeOf } from '../intent/routing.js';
import type { PeerSnapshot } from './peers.js';
import type { VxlanNeeds } from './kernel-vxlan.js';
import type { Fabric } from './underlay.js';
import { HostLinks } from './host-links.js';
import type { LocalContainer } from './containers.js';
import type { DesiredSnapshot } from './desired.js';
import { EXT, gatewayMac, linkSignature } from './names.js';
import { attachEndpoints, detachPorts, type AttachItem, type AttachSteps, type PlannedPort, type PlumbContext } from './plumb.js';

/** Status of one endpoint as this agent sees it. */
export interface EndpointStatus {
  endpoint: string;
  container: string;
  status: 'attached' | 'error';
  ofport?: number;
  port?: string;
  ifName?: string;
  containerId?: string;
  error?: string;
}

/** Inputs of a round. */
export interface RoundInput {
  host: string;
  desired: DesiredSnapshot;
  containers: ReadonlyMap<string, LocalContainer>;
  /** False for a container source that cannot see its runtime: its ports are not detached for lack of a container. */
  sourceKnown: (kind: LocalContainer['source']) => boolean;
  plumb: PlumbContext;
  openflow: OpenFlowSwitch;
  flows: FlowSyncer;
  round: number;
  /** Other hosts' registrations and attachments (for VXLAN/VLAN across hosts). */
  peers?: PeerSnapshot;
  /** Flows kept between rounds, so unchanged ones are neither rebuilt nor compared (default: none). */
  memo?: FlowCache;
  /** Multicast memberships (this host's and the others'), for networks in `snoop` mode; absent: every network floods multicast. */
  multicast?: MulticastInputs;
  /** The host namespace's links, kept between rounds (default: read afresh). */
  hostLinks?: HostLinks;
  /**
   * Sets up (or re-checks) the ports toward other hosts, given the bridge's ports as this
   * round listed them; absent: the host has none.
   */
  fabric?: (ports: readonly PortInfo[]) => Promise<Fabric>;
  /**
   * Sets up kernel VXLAN devices for the VXLAN networks that have local ports (the fast
   * path), given the bridge's ports; returns network key → ofport. Absent: VXLAN uses the
   * userspace tunnel port.
   */
  kernelVxlan?: (ports: readonly PortInfo[], needs: VxlanNeeds[]) => Promise<Map<number, number>>;
  /**
   * Sets up (or re-checks) the host gateway port and its kernel side (routes to the given
   * local networks where they overlap nothing, SNAT when any wants it), given the bridge's
   * ports; returns what the pipeline needs. Absent: the host has no gateway port.
   */
  hostGateway?: (ports: readonly PortInfo[], networks: readonly GatewayNetwork[]) => Promise<HostGatewayPlan | undefined>;
  /**
   * When plumbing does not wait for vswitchd (`plumb.awaitOfports` false): called once new
   * ports are committed to OVSDB and their flows are written to the switch, with the statuses
   * as planned, while vswitchd still applies both (it forwards through the ports a few
   * milliseconds later, at the ofports the flows already name). Otherwise, or when nothing is
   * attached, only the round's result tells.
   */
  onProvisional?: (statuses: ReadonlyMap<string, EndpointStatus>) => void;
  /** Called once the round's flows are in, with the endpoints it attached (their interface inside the container). */
  onAttached?: (attached: Array<{ endpoint: EndpointState; network: NetworkState; container: LocalContainer; ifName: string }>) => void;
}

/** The host gateway as the round uses it: the pipeline's view and each tenant's transit address. */
export interface HostGatewayPlan {
  view: HostGatewayView;
  /** The transit address SNAT of the tenant with this route id uses. */
  transitIp: (routeId: number) => string;
}

/** What a round did. */
export interface RoundResult {
  attached: number;
  detached: number;
  statuses: Map<string, EndpointStatus>;
  flows: SyncStats;
  /** The QoS in force for each local endpoint that has any (limits, DSCP), by endpoint id. */
  qos: Map<string, PortQos>;
  /** Milliseconds spent observing, detaching, attaching (and its steps) and syncing flows. */
  timings: { observe: number; detach: number; attach: number; flows: number; attachSteps: AttachSteps };
}

/** True when an existing port already serves `ep` in `container` as desired. */
function portIsCurrent(p: PortInfo, ep: EndpointState, net: NetworkState, container: LocalContainer, hostLinkExists: boolean, plumb: PlumbContext): boolean {
  return (
    p.externalIds[EXT.link] === linkSignature(net, plumb.containerOffloads?.(net)) &&
    hostLinkExists &&
    // A port vswitchd has not opened yet (ofport 0) is current while it opens at its request.
    (p.ofport > 0 || (p.ofport === 0 && p.ofportRequest !== undefined)) &&
    !p.error &&
    p.externalIds[EXT.container] === container.id &&
    p.externalIds[EXT.sandbox] === container.netns &&
    p.externalIds[EXT.mac] === ep.mac &&
    p.externalIds[EXT.ip] === ep.ip
  );
}

/** Endpoints this host should serve: bound here, or unbound and named after a local container. */
export function endpointsForHost(desired: DesiredSnapshot, host: string): EndpointState[] {
  return [...desired.endpoints.values()].filter((e) => e.host === undefined || e.host === host);
}

/** Runs one round. */
export async function reconcileRound(input: RoundInput): Promise<RoundResult> {
  const { desired, containers, plumb } = input;
  const clock = phaseClock();
  const wanted = new Map<string, { ep: EndpointState; container: LocalContainer }>();
  for (const ep of endpointsForHost(desired, input.host)) {
    const c = containers.get(ep.container);
    if (c && desired.networks.has(`${ep.tenant}/${ep.network}`)) wanted.set(ep.id, { ep, container: c });
  }

  // The bridge's ports, listed once for the whole round, and which host-side veths still exist.
  const links = input.hostLinks ?? new HostLinks(0);
  const [allPorts, hostLinks] = await Promise.all([plumb.vswitch.listPorts(plumb.bridge), links.current(plumb.kernel)]);
  const fabric = (await input.fabric?.(allPorts)) ?? {};
  const ports = allPorts.filter((p) => p.externalIds[EXT.endpoint] !== undefined);
  const linkExists = new Map(ports.map((p) => [p.name, hostLinks.has(p.name)]));

  const observe = clock();
  const keep = new Map<string, PortInfo>();
  const remove: string[] = [];
  for (const p of ports) {
    const id = p.externalIds[EXT.endpoint];
    const w = wanted.get(id);
    if (w && !keep.has(id) && portIsCurrent(p, w.ep, desired.networks.get(`${w.ep.tenant}/${w.ep.network}`)!, w.container, linkExists.get(p.name)!, plumb)) {
      keep.set(id, p);
      continue;
    }
    const stillDesired = desired.endpoints.has(id);
    // Without a view of the runtime, a desired endpoint's port stays: it may be carrying traffic.
    const source = (p.externalIds[EXT.source] ?? 'docker') as LocalContainer['source'];
    if (!input.sourceKnown(source) && stillDesired && !w && linkExists.get(p.name)) {
      keep.set(id, p);
      continue;
    }
    remove.push(p.name);
  }
  await detachPorts(plumb, remove);
  links.removed(remove);
  const detach = clock();

  const toAttach: AttachItem[] = [];
  for (const [id, w] of wanted) {
    if (keep.has(id)) continue;
    toAttach.push({ endpoint: w.ep, network: desired.networks.get(`${w.ep.tenant}/${w.ep.network}`)!, container: w.container });
  }
  const removed = new Set(remove);
  const remaining = allPorts.filter((p) => !removed.has(p.name));

  const networks = new Map<string, LocalNetwork>();
  const localNetwork = (ep: EndpointState): LocalNetwork => {
    const id = `${ep.tenant}/${ep.network}`;
    let n = networks.get(id);
    if (!n) {
      n = pipelineNetwork(desired.networks.get(id)!);
      networks.set(id, n);
    }
    return n;
  };
  // Networks that will have local ports, and what kernel VXLAN devices they need.
  for (const id of keep.keys()) {
    const ep = desired.endpoints.get(id);
    if (ep && desired.networks.has(`${ep.tenant}/${ep.network}`)) localNetwork(ep);
  }
  for (const item of toAttach) localNetwork(item.endpoint);
  // Every network with local ports is known now; the networks their endpoints route into, and
  // the remote endpoints of both, computed once.
  const routed = routedNetworks(desired.networks, networks, pipelineNetwork);
  const known = new Map(networks);
  for (const n of routed.transit) known.set(n.id, n);
  const remotes = remoteEndpoints(input, known);
  const gateway = input.hostGateway ? await input.hostGateway(allPorts, routed.gatewayNetworks) : undefined;
  if (gateway) for (const n of known.values()) if (n.l3 && routed.snatRouteIds.has(n.id)) n.l3.snat = { zone: routed.snatRouteIds.get(n.id)!, transitIp: gateway.transitIp(routed.snatRouteIds.get(n.id)!) };
  const policies = policyIndex(desired.policies, desired.endpoints.values(), desired.networks.values());
  let vxlanDevices: Map<number, number> | undefined;
  if (input.kernelVxlan) {
    const needs = new Map<number, VxlanNeeds>();
    for (const n of known.values()) if (n.pktTagType === 'vxlan') needs.set(n.key, { key: n.key, vni: n.pktTag, macs: new Map() });
    for (const r of remotes) {
      if (!r.vtepIp) continue;
      const need = needs.get(r.network.key);
      need?.macs.set(r.mac, r.vtepIp);
      // Multicast copies reach one host through the device by that host's steering MAC.
      if (input.multicast) need?.macs.set(steeringMac(r.vtepIp), r.vtepIp);
    }
    vxlanDevices = await input.kernelVxlan(allPorts, [...needs.values()]);
  }
  /** The host view and statuses for the kept ports plus `attached` (new ports by endpoint id). */
  const viewWith = (attached: ReadonlyMap<string, PlannedPort>, failed: ReadonlyMap<string, string>) => {
    const statuses = new Map<string, EndpointStatus>();
    const endpointOf = new Map<number, EndpointState>();
    const view: HostView = { ports: [], remotes: [], tunnelOfport: fabric.tunnelOfport, uplinkOfport: fabric.uplinkOfport, vxlanDevices, transit: routed.transit, unrouted: routed.unrouted, gateway: gateway?.view };
    for (const [id, p] of keep) {
      const ep = desired.endpoints.get(id);
      if (!ep || !desired.networks.has(`${ep.tenant}/${ep.network}`)) continue;
      const ofport = p.ofport > 0 ? p.ofport : p.ofportRequest!;
      view.ports.push({ ofport, mac: ep.mac, ip: ep.ip, network: localNetwork(ep) });
      endpointOf.set(ofport, ep);
      statuses.set(id, { endpoint: id, container: ep.container, status: 'attached', ofport, port: p.name, ifName: p.externalIds[EXT.ifname], containerId: p.externalIds[EXT.container] });
    }
    for (const item of toAttach) {
      const base = { endpoint: item.endpoint.id, container: item.endpoint.container, containerId: item.container.id };
      const a = attached.get(item.endpoint.id);
      if (a) {
        view.ports.push({ ofport: a.ofport, mac: item.endpoint.mac, ip: item.endpoint.ip, network: localNetwork(item.endpoint) });
        endpointOf.set(a.ofport, item.endpoint);
        statuses.set(item.endpoint.id, { ...base, status: 'attached', ofport: a.ofport, port: a.portName, ifName: a.ifName });
      } else {
        statuses.set(item.endpoint.id, { ...base, status: 'error', error: failed.get(item.endpoint.id) ?? 'not attached' });
      }
    }
    view.ports.sort((a, b) => a.ofport - b.ofport);
    applyQos(view.ports, endpointOf, desired);
    view.remotes = remotes;
    const policy = policyViewFor(policies, view.ports, known.values());
    if (policy) view.policy = policy;
    if (input.multicast) {
      const ofportOf = new Map([...endpointOf].map(([ofport, ep]) => [ep.id, ofport]));
      const mc = multicastView(networks.values(), (id) => desired.networks.get(id), (ep) => ofportOf.get(ep), input.multicast, input.host);
      if (mc.length) view.multicast = mc;
    }
    const qos = new Map<string, PortQos>();
    for (const p of view.ports) if (p.qos) qos.set(endpointOf.get(p.ofport)!.id, p.qos);
    return { view, statuses, qos };
  };

  // Flows for new ports go in while vswitchd adds the ports (they name the requested ofports).
  let flows: SyncStats | undefined;
  let flowsFor: Map<string, PlannedPort> | undefined;
  const attachSteps: AttachSteps = { look: 0, netlink: 0, flows: 0, commit: 0, ofports: 0 };
  // Veths just deleted above are known gone, so they are not deleted again.
  const outcomes = await attachEndpoints(
    plumb,
    toAttach,
    remaining,
    async (planned, failedEarly, committed) => {
      flowsFor = planned;
      const provisional = viewWith(planned, failedEarly);
      // Not waiting for vswitchd: the ports are committed once their flows are sent, and runtimes
      // are answered then, while the switch still works through both.
      const sent = committed
        ? async () => {
            await committed();
            input.onProvisional?.(provisional.statuses);
          }
        : undefined;
      flows = await input.flows.sync(input.openflow, desiredPipeline(provisional.view, input.round, input.memo), sent);
    },
    hostLinks,
    attachSteps,
  );
  const attach = clock();
  const done = new Map<string, PlannedPort>();
  const failed = new Map<string, string>();
  for (const [id, o] of outcomes) {
    if (o.ok) done.set(id, { ofport: o.ofport, portName: o.portName, ifName: o.ifName });
    else failed.set(id, o.error);
  }
  links.added([...done.values()].map((p) => p.portName));
  const { view, statuses, qos } = viewWith(done, failed);
  // Sync (again) unless the flows already installed were computed from exactly this outcome.
  const asPlanned = flowsFor !== undefined && flowsFor.size === done.size && [...done].every(([id, p]) => flowsFor!.get(id)?.ofport === p.ofport);
  if (!flows || !asPlanned) flows = await input.flows.sync(input.openflow, desiredPipeline(view, input.round, input.memo));
  if (input.onAttached && done.size) {
    input.onAttached(toAttach.filter((i) => done.has(i.endpoint.id)).map((i) => ({ endpoint: i.endpoint, network: i.network, container: i.container, ifName: done.get(i.endpoint.id)!.ifName })));
  }
  return {
    attached: toAttach.filter((i) => outcomes.get(i.endpoint.id)?.ok).length,
    detached: remove.length,
    statuses,
    flows,
    qos,
    timings: { observe, detach, attach, flows: clock(), attachSteps },
  };
}

/** Sets each port's QoS from its endpoint (`endpointOf` by ofport), groups and network (docs/qos.md). */
function applyQos(ports: LocalPort[], endpointOf: ReadonlyMap<number, EndpointState>, desired: DesiredSnapshot): void {
  const inputs: PortQosInput[] = [];
  for (const p of ports) {
    const ep = endpointOf.get(p.ofport)!;
    inputs.push({ ofport: p.ofport, tenant: ep.tenant, own: ep.qos, groups: ep.groups, groupQos: desired.policies.get(ep.tenant)?.groupQos, network: desired.networks.get(p.network.id)?.qos });
  }
  const qos = portQos(inputs);
  for (const p of ports) {
    const q = qos.get(p.ofport);
    if (q) p.qos = q;
  }
}

/** The pipeline's view of a stored network. */
function pipelineNetwork(ns: NetworkState): LocalNetwork {
  return {
    id: ns.id,
    key: networkKey(ns.pktTagType, ns.pktTag),
    gateway: ns.gateway,
    gatewayMac: gatewayMac(ns.gateway),
    pktTagType: ns.pktTagType,
    pktTag: ns.pktTag,
    l3: { tenant: ns.tenant, subnet: ns.subnet, gateway: gatewayModeOf(ns) },
  };
}

/** Endpoints attached on other (registered) hosts, in networks that have ports (or are routed into) here. */
function remoteEndpoints(input: RoundInput, local: Map<string, LocalNetwork>): RemoteEndpoint[] {
  const peers = input.peers;
  if (!peers) return [];
  const out: RemoteEndpoint[] = [];
  for (const [id, host] of peers.attachments) {
    if (host === input.host) continue;
    const ep = input.desired.endpoints.get(id);
    const reg = peers.hosts.get(host);
    if (!ep || !reg) continue;
    const n = local.get(`${ep.tenant}/${ep.network}`);
    if (n) out.push({ id, mac: ep.mac, ip: ep.ip, network: n, host, vtepIp: reg.vtepIp });
  }
  // In the peers' order (stable between rounds); sorting 100,000 of them every round cost more than the rest.
  return out;
}

/** Returns a function giving the milliseconds since its previous call. */
function phaseClock(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const ms = Math.round((now - last) * 100) / 100;
    last = now;
    return ms;
  };
}
