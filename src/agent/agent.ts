/**
 * netagent: owns one bridge on one host. It loads the desired state, follows the store
 * and the container runtime, and runs reconcile rounds whenever either changes (and
 * periodically, as a safety net). Killing it at any moment loses nothing: all state it
 * needs is re-read from the store, OVSDB, the kernel and the bridge at start.
 */
import { join } from 'node:path';
import type { Logger } from '../common/log.js';
import { openStore } from '../state/open.js';
import type { StateStore } from '../state/store.js';
import { KEYS } from '../state/keys.js';
import { OvsdbClient, ReplicaVswitch, getSwitchInfo, kernelDatapathAvailable, type PortInfo, type Vswitch } from '../datapath/ovs/ovsdb/index.js';
import { OFPMF_BURST, OFPMF_PKTPS, OFPMF_STATS, OFPP_CONTROLLER, OpenFlowConnection } from '../datapath/ovs/openflow/index.js';
import { containerVethOffloads, type DatapathFacts } from '../datapath/offload.js';
import { ContainerWatcher, type ContainerEngine, type ContainerSource, type LocalContainer } from './containers.js';
import { NetnsDirSource } from './netns-dir.js';
import { DesiredStateCache } from './desired.js';
import { OperStatusPublisher } from './oper-status.js';
import { reconcileRound, type HostGatewayPlan } from './reconcile.js';
import { entersVxlan, tenantsRoutingIntoVxlan, type GatewayNetwork } from './routed-networks.js';
import { PolicyCountersPublisher, readPolicyCounters, rulesByObject } from './policy-counters.js';
import { QosCountersPublisher, readQosCounters } from './qos-counters.js';
import { DeniedLog, deniedConnectionOf } from './policy-log.js';
import { Announcer, execRunner } from './announce.js';
import { DEFAULT_GATEWAY_CIDR, ensureHostGateway, execIptables, execNft, hostGatewayAddrs, hostRouteSubnets, procSysctl } from './host-gateway.js';
import { FlowSyncer } from '../datapath/ovs/flow-sync.js';
import { FEATURE, FlowMemo, IGMP_METER, parseCookie, POLICY_LOG_METER, type PortQos } from '../datapath/ovs/pipeline/index.js';
import { MulticastSnooper } from './multicast-snooper.js';
import { timingFor } from './multicast-members.js';
import { snoopedPorts } from './multicast-view.js';
import { decodeIgmpFrame, encodeGeneralQuery, joinedGroups } from '../datapath/igmp/index.js';
import type { PlumbContext } from './plumb.js';
import { PeerStateCache, type PeerSnapshot } from './peers.js';
import { HostRegistration } from './registration.js';
import { ensureUnderlay, TunnelNeighborWarmer, underlayNames, type Fabric } from './underlay.js';
import { syncKernelVxlan, VNI_KEY, type VxlanNeeds } from './kernel-vxlan.js';
import { nativeKernel, type AddrInfo, type Kernel, type LinkInfo, type RouteInfo } from '../datapath/kernel/index.js';
import { chooseVxlanPath, pathConflict, type VxlanPlan } from './vxlan-path.js';
import { HostLinks } from './host-links.js';
import { EXT, gatewayMac } from './names.js';
import { NetpluginError } from '../common/errors.js';
import { withRuntimeEndpoints, type ExtraWorkloads } from './workloads.js';
import type { EndpointStatus } from './reconcile.js';
import type { DesiredSnapshot } from './desired.js';

/** How an agent is started (each path is a flag, so several agents can share a machine). */
export interface AgentOptions {
  hostLabel: string;
  storeUrl?: string;
  /** Directory of the embedded store when no --store URL is given. */
  embeddedStoreDir: string;
  etcd?: { cacert?: string; cert?: string; key?: string };
  /** Docker engine client to follow (containers plumbed by name), or undefined to not follow Docker. */
  docker?: ContainerEngine;
  /** Directory whose network-namespace files are containers named after the files. */
  netnsDir?: string;
  ovsRundir: string;
  bridge: string;
  /** Uplink NIC toward other hosts (defaults to the intent's Hosts[].Intf for this host). */
  uplink?: string;
  /** VTEP address IP[/PREFIX] (defaults to the intent's Hosts[].VtepIp for this host). */
  vtepIp?: string;
  /**
   * Underlay NIC (with its own IPv4 address, handled by the kernel) for kernel VXLAN
   * devices: the fast VXLAN path. Its address is this host's VTEP. Without it the path is
   * chosen from where the VTEP address sits (vxlan-path.ts). Every host of a cluster must
   * use the same VXLAN path.
   */
  vxlanDev?: string;
  /**
   * Answer runtimes only once vswitchd has opened their ports (a few ms more per attach);
   * by default they are answered once the port is committed and its flows are in.
   */
  waitOfport?: boolean;
  /** Period of the safety-net reconcile. */
  resyncMs: number;
  /** IGMP general query interval in seconds (`--igmp-query-interval`); undefined = 125 (RFC 3376). */
  igmpQueryIntervalS?: number;
  /** The host gateway's cidr (`--gateway-cidr`, checked by gatewayCidrProblem); undefined = DEFAULT_GATEWAY_CIDR. */
  gatewayCidr?: string;
  /**
   * Builds the workloads the layer above contributes (runtime attachments: the runtime
   * service); called once with the agent, before the first round.
   */
  workloads?: (agent: Agent) => ExtraWorkloads;
  log: Logger;
}

const ROUND_KEY = 'netplugin-round';
/** Packets per second (and burst) of logged denies the bridge lets through to the agent. */
const DENIED_LOG_PPS = 100;
/** IGMP packets per second a bridge may hand the agent (the rest is dropped by meter 2): far above what members send, far below what would starve it. */
const IGMP_PPS = 200;
/** How often policy counters are read off the bridge and published (when they changed). */
const COUNTERS_MS = 5_000;
/** How soon a round retries a host gateway that failed to come up. */
const GATEWAY_RETRY_MS = 2_000;

/** A running agent. */
export class Agent {
  /** Runtime attachments from the layer above, if it contributes any. */
  private extras?: ExtraWorkloads;
  private statuses: ReadonlyMap<string, EndpointStatus> = new Map();
  /** The QoS of the last completed round, by endpoint id (what the QoS counters report). */
  private qos: ReadonlyMap<string, PortQos> = new Map();
  private qosCounters?: QosCountersPublisher;
  /** IGMP snooping and the querier (docs/multicast.md). */
  private snooper?: MulticastSnooper;
  /** Local ports of snooping networks as of the last round, by ofport. */
  private snooped = new Map<number, { endpoint: string; network: string; gatewayIp: string; gatewayMac: string }>();
  /** The same ports as `network|endpoint`, for the expiry check (once a second per membership). */
  private snoopedEndpoints = new Set<string>();
  private queriedOnce = false;
  private roundWaiters: { resolve: (s: ReadonlyMap<string, EndpointStatus>) => void }[] = [];
  /** How many of `roundWaiters` (the oldest) the running round answers. */
  private currentWaiters = 0;
  private dirty = false;
  private started = false;
  private roundsRun = 0;
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private openflow?: OpenFlowConnection;
  private lastError = '';
  private registration?: HostRegistration;
  /** The VXLAN path in force, what it was decided from, and when (re-read once per resync period). */
  private plan?: { key: string; at: number; value: VxlanPlan };
  /** When this host took its current VXLAN path (registered: the later of two differing hosts is refused). */
  private vxlanSince = '';
  private readonly warmer = new TunnelNeighborWarmer();
  private fabric?: { key: string; at: number; value: Fabric };
  private vxlanCache?: { key: string; at: number; value: Map<number, number> };
  private gatewayCache?: { key: string; at: number; value: HostGatewayPlan };
  /** A round asked for soon after the host gateway failed, rather than at the next resync. */
  private gatewayRetry?: NodeJS.Timeout;
  private countersTimer?: NodeJS.Timeout;
  private readonly denied = new DeniedLog();
  private loggedCache?: { snapshot: object; revision: number; rules: ReadonlyMap<bigint, string> };
  private counters?: PolicyCountersPublisher;
  private readonly announcer = new Announcer(execRunner, (a, tool) => {
    if (!tool) this.opts.log.debug({ netns: a.netns, ip: a.ip }, 'no arping to announce the endpoint on its VLAN');
  });
  /** Re-reads the bridge's flows at least this often; in between, rounds trust memory. */
  private readonly flows: FlowSyncer;
  /** Flows built last round, reused when their inputs are unchanged. */
  private readonly memo = new FlowMemo();
  /** Likewise for the host namespace's links. */
  private readonly hostLinks: HostLinks;
  private readonly kernel: Kernel = nativeKernel;

  private constructor(
    private readonly opts: AgentOptions,
    readonly store: StateStore,
    private ovsdb: OvsdbClient,
    /** OVSDB operations, reading a live copy of the bridge's ports. */
    private vswitch: Vswitch,
    private readonly facts: DatapathFacts,
    private readonly round: number,
    private readonly desiredCache: DesiredStateCache,
    private readonly sources: ContainerSource[],
    private readonly oper: OperStatusPublisher,
    private readonly peerCache: PeerStateCache,
  ) {
    this.flows = new FlowSyncer(opts.resyncMs);
    this.hostLinks = new HostLinks(opts.resyncMs);
  }

  /** This agent's host label. */
  get host(): string {
    return this.opts.hostLabel;
  }

  /** The intent as the agent last read it. */
  desired(): DesiredSnapshot {
    return this.desiredCache.current();
  }

  /** Other hosts' registrations and attachments. */
  peers(): PeerSnapshot {
    return this.peerCache.current();
  }

  /** Whether runtimes can attach containers now, and if not why. */
  readiness(): { ready: boolean; reason?: string } {
    if (this.stopped) return { ready: false, reason: 'agent stopping' };
    if (!this.started) return { ready: false, reason: 'agent starting' };
    if (this.roundsRun === 0) return { ready: false, reason: this.lastError ? `first reconcile round failing: ${this.lastError}` : 'first reconcile round not done' };
    if (this.lastError) return { ready: false, reason: `reconcile failing: ${this.lastError}` };
    return { ready: true };
  }

  /** Resolves with the statuses of the first round that starts after this call. */
  nextRound(): Promise<ReadonlyMap<string, EndpointStatus>> {
    return new Promise((resolve) => {
      this.roundWaiters.push({ resolve });
      this.trigger();
    });
  }

  /** Endpoint statuses of the last completed round. */
  lastStatuses(): ReadonlyMap<string, EndpointStatus> {
    return this.statuses;
  }

  /** Resolves once the desired view holds the intent of meta revision `metaRevision` or later (5 s at most). */
  async caughtUp(metaRevision: number): Promise<void> {
    for (let i = 0; i < 500 && this.desiredCache.current().metaRevision < metaRevision; i++) await new Promise((r) => setTimeout(r, 10));
  }

  /** Connects to everything, prepares the bridge, and starts reconciling. */
  static async start(opts: AgentOptions): Promise<Agent> {
    const log = opts.log;
    const store = await openStore(opts.storeUrl, { embeddedDir: opts.embeddedStoreDir }, { etcdCacert: opts.etcd?.cacert, etcdCert: opts.etcd?.cert, etcdKey: opts.etcd?.key });
    const ovsdb = await OvsdbClient.connect(join(opts.ovsRundir, 'db.sock'));
    const sw = await getSwitchInfo(ovsdb);
    const facts: DatapathFacts = {
      datapathType: kernelDatapathAvailable() ? 'system' : 'netdev',
      userspaceTso: sw.otherConfig['userspace-tso-enable'] === 'true',
    };
    const vswitch = await ReplicaVswitch.start(ovsdb);
    let agentRef: Agent | undefined;
    watchRefusedPorts(vswitch, () => agentRef?.trigger());
    const round = ((await previousRound(vswitch, opts.bridge)) + 1) & 0xffff;
    await vswitch.ensureBridge({
      name: opts.bridge,
      datapathType: facts.datapathType,
      protocols: ['OpenFlow10', 'OpenFlow13', 'OpenFlow14'],
      failMode: 'secure',
      otherConfig: { 'disable-in-band': 'true' },
      externalIds: { [ROUND_KEY]: String(round), 'netplugin-host': opts.hostLabel },
    });
    // The bridge's OpenFlow socket exists once vswitchd has applied it: wait, rather than
    // fail the first round and report "not ready" for half a second.
    await vswitch.waitForVswitchd(10_000).catch((err: Error) => log.warn({ err: err.message }, 'vswitchd slow to apply the bridge; rounds will retry'));
    log.info({ bridge: opts.bridge, round, ...facts }, 'bridge ready');

    let agent: Agent | undefined;
    const kick = () => agent?.trigger();
    const desired = new DesiredStateCache(store, kick, (err) => log.error({ err: err.message }, 'store watch failed'));
    const sources: ContainerSource[] = [];
    if (opts.docker) sources.push(new ContainerWatcher(opts.docker, kick, log));
    if (opts.netnsDir) sources.push(new NetnsDirSource(opts.netnsDir, kick, log));
    const oper = new OperStatusPublisher(store, opts.hostLabel);
    const peers = new PeerStateCache(store, kick, (err) => log.error({ err: err.message }, 'store watch (peers) failed'), opts.hostLabel);
    agent = new Agent(opts, store, ovsdb, vswitch, facts, round, desired, sources, oper, peers);
    agent.extras = opts.workloads?.(agent);
    agentRef = agent;
    await oper.load();
    await desired.start();
    await peers.start();
    await agent.extras?.load();
    for (const s of sources) s.start();
    // A combination of flags and Hosts[] that cannot carry traffic stops the agent here, naming what to change
    // (and closes what it opened, so the process exits with the error rather than hang on its watches).
    await (async () => {
      await agent!.refreshPlan();
      agent!.checkPathAgreement();
    })().catch(async (err: Error) => {
      await agent!.stop().catch(() => undefined);
      throw err;
    });
    // The registration names this host's VTEP and VXLAN path, as decided (and kept current by refreshPlan).
    agent.registration = new HostRegistration(store, opts.hostLabel, agent.registrationInfo(), log);
    await agent.registration.start();
    agent.snooper = agent.makeSnooper(store);
    // Memberships of before a restart come back before the first round, so it keeps replicating them.
    await agent.snooper.start();
    agent.started = true;
    agent.timer = setInterval(() => {
      for (const s of sources) s.rescan?.();
      agent!.trigger();
    }, opts.resyncMs);
    agent.trigger();
    agent.counters = new PolicyCountersPublisher(store, opts.hostLabel);
    agent.qosCounters = new QosCountersPublisher(store, opts.hostLabel);
    agent.countersTimer = setInterval(() => void agent!.publishCounters(), Math.min(COUNTERS_MS, opts.resyncMs));
    return agent;
  }

  /** Reads the policy rule and spoof-guard counters off the bridge and publishes them when they changed. */
  private async publishCounters(): Promise<void> {
    if (this.stopped || !this.openflow || !this.counters) return;
    try {
      const ids = [...this.desiredCache.current().policies.values()].flatMap((p) => p.rules.map((r) => r.id));
      await this.counters.publish(await readPolicyCounters(this.openflow, this.opts.hostLabel, ids));
    } catch (err) {
      // Counters are for operators: a failed read or write is retried at the next tick, rounds go on.
      this.opts.log.debug({ err: (err as Error).message }, 'policy counters not published');
    }
    try {
      if (this.qosCounters) await this.qosCounters.publish(await readQosCounters(this.openflow, this.opts.hostLabel, this.qos));
    } catch (err) {
      this.opts.log.debug({ err: (err as Error).message }, 'QoS counters not published');
    }
  }

  /** Asks for a reconcile round; rounds never overlap, and requests made during one coalesce into the next. */
  trigger(): void {
    if (this.stopped) return;
    this.dirty = true;
    // No round before every view is loaded: a round on a half-loaded view (say, peers not
    // read yet) would take away flows that are right and carrying traffic.
    if (!this.started) return;
    if (!this.running) this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** Resolves when no round is running or pending (for tests and orderly shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      // Waiters queued before this round starts are answered by it (as soon as its datapath work is done).
      this.currentWaiters = this.roundWaiters.length;
      try {
        await this.roundOnce();
        this.lastError = '';
      } catch (err) {
        // Their round failed: they wait for the retry.
        this.currentWaiters = 0;
        const msg = (err as Error).message;
        if (msg !== this.lastError) this.opts.log.error({ err: msg }, 'reconcile round failed; will retry');
        this.lastError = msg;
        this.openflow?.close();
        this.openflow = undefined;
        this.flows.invalidate();
        this.fabric = undefined;
        this.vxlanCache = undefined;
        if (this.plan) this.plan.at = 0;
        this.hostLinks.invalidate();
        await new Promise((r) => setTimeout(r, 500));
        this.dirty = true;
      }
    }
  }

  private async roundOnce(): Promise<void> {
    // vswitchd or ovsdb-server may have restarted: reconnect rather than fail forever.
    if (this.ovsdb.closed) {
      this.ovsdb = await OvsdbClient.connect(join(this.opts.ovsRundir, 'db.sock'));
      const vswitch = await ReplicaVswitch.start(this.ovsdb);
      watchRefusedPorts(vswitch, () => this.trigger());
      this.vswitch = vswitch;
    }
    const plan = await this.refreshPlan();
    this.checkPathAgreement();
    const openflow = await this.connectOpenflow();
    const desired = this.effectiveDesired();
    // Only the userspace tunnel path asks (its VXLAN containers run with offloads off).
    let vxlanTenants: Set<string> | undefined;
    const plumb: PlumbContext = {
      vswitch: this.vswitch,
      kernel: this.kernel,
      bridge: this.opts.bridge,
      // Kernel VXLAN devices take offloaded packets; only the userspace tunnel needs tx off.
      // On the userspace tunnel path, a VLAN network routed into a VXLAN one needs what VXLAN needs.
      containerOffloads: (n) => {
        if (plan.path === 'kernel') return containerVethOffloads(this.facts, 'vlan');
        vxlanTenants ??= tenantsRoutingIntoVxlan(desired.networks);
        return containerVethOffloads(this.facts, entersVxlan(n, vxlanTenants) ? 'vxlan' : 'vlan');
      },
      ofportTimeoutMs: 10_000,
      awaitOfports: this.opts.waitOfport ?? false,
    };
    const started = Date.now();
    const r = await reconcileRound({
      host: this.opts.hostLabel,
      desired,
      containers: this.runningContainers(),
      sourceKnown: (kind) => this.sources.find((s) => s.kind === kind)?.isAuthoritative() ?? true,
      plumb,
      openflow,
      flows: this.flows,
      round: this.round,
      peers: this.peerCache.current(),
      hostLinks: this.hostLinks,
      memo: this.memo,
      multicast: this.snooper && {
        local: (n) => this.snooper!.localGroups(n),
        remote: this.snooper.remoteMembers(),
        vtepOf: (h) => this.peerCache.current().hosts.get(h)?.vtepIp,
        now: Date.now(),
      },
      fabric: (ports) => this.ensureFabric(ports),
      kernelVxlan: plan.kernelDev ? (ports, needs) => this.syncVxlanDevices(plan.kernelDev!, ports, needs) : undefined,
      hostGateway: this.opts.gatewayCidr === 'none' ? undefined : (ports, networks) => this.syncHostGateway(ports, networks),
      // Best effort, not awaited: a physical switch learns where each new VLAN endpoint is
      // (only where there is one: a host with an uplink).
      onAttached: (items) => {
        if (plan.uplink === undefined) return;
        for (const i of items) if (i.network.pktTagType === 'vlan') this.announcer.add({ netns: i.container.netns, ifName: i.ifName, ip: i.endpoint.ip });
      },
      // Not waiting for vswitchd, runtimes learn their outcome once the port is committed and
      // its flows are sent (docs/runtime.md, "When attach returns"); a port vswitchd then
      // refuses is repaired by the round watchRefusedPorts triggers.
      onProvisional: (statuses) => {
        for (const w of this.roundWaiters.splice(0, this.currentWaiters)) w.resolve(statuses);
        this.currentWaiters = 0;
      },
    });
    this.statuses = r.statuses;
    this.qos = r.qos;
    this.snooped = snoopedPorts(r.statuses.values(), desired.endpoints, desired.networks, gatewayMac);
    this.snoopedEndpoints = new Set([...this.snooped.values()].map((p) => `${p.network}|${p.endpoint}`));
    // The first round of this agent asks every member to report at once (after a restart, too).
    if (!this.queriedOnce && this.snooped.size) {
      this.queriedOnce = true;
      void this.snooper?.sendQueries();
    }
    // Runtimes still waiting on this round learn their outcome now; the reports for other hosts follow.
    const answered = this.roundWaiters.splice(0, this.currentWaiters);
    for (const w of answered) w.resolve(r.statuses);
    this.currentWaiters = 0;
    // Let their answers go out before the store writes below (synchronous with the embedded store) hold the loop.
    if (answered.length) await new Promise((resolve) => setImmediate(resolve));
    const writes = await this.oper.publish(r.statuses);
    this.roundsRun++;
    const summary = { round: this.roundsRun, attached: r.attached, detached: r.detached, flows: r.flows, statusWrites: writes, ms: Date.now() - started, phases: r.timings };
    // Every round is visible at debug level (a no-op round proves the view was checked).
    if (!(r.attached || r.detached || r.flows.flowsAdded || r.flows.flowsDeleted || writes)) this.opts.log.debug(summary, 'reconciled (no change)');
    if (r.attached || r.detached || r.flows.flowsAdded || r.flows.flowsDeleted || writes) {
      this.opts.log.info(summary, 'reconciled');
    }
    for (const s of r.statuses.values()) if (s.status === 'error') this.opts.log.warn({ endpoint: s.endpoint, err: s.error }, 'endpoint not attached');
  }

  /** Sets up (or re-checks, once per resync period) the uplink and VTEP; cheap when unchanged. */
  private async ensureFabric(ports: readonly PortInfo[]): Promise<Fabric> {
    const desired = this.desiredCache.current();
    const { uplink, phyVtep: vtep } = this.plan!.value;
    const vlans = [...desired.networks.values()].filter((n) => n.pktTagType === 'vlan').map((n) => n.pktTag);
    const key = JSON.stringify([uplink, vtep, [...vlans].sort((a, b) => a - b)]);
    if (!(this.fabric && this.fabric.key === key && Date.now() - this.fabric.at < this.opts.resyncMs)) {
      const value = await ensureUnderlay({ vswitch: this.vswitch, kernel: this.kernel }, { bridge: this.opts.bridge, datapathType: this.facts.datapathType, uplink, vtep, vlans }, ports);
      if (this.fabric?.key !== key) this.warmer.reset();
      this.fabric = { key, at: Date.now(), value };
    }
    const value = this.fabric.value;
    if (value.tunnelOfport !== undefined) {
      const peers = this.peerCache.current();
      this.warmer.warm([...peers.hosts.values()].filter((h) => h.host !== this.opts.hostLabel && h.vtepIp).map((h) => h.vtepIp!));
    }
    return value;
  }

  /**
   * Kernel VXLAN devices and forwarding entries for `needs`; skipped when `needs` is what was
   * last applied (re-checked once per resync period and after any failed round), so rounds
   * that only attach a container do not re-read every device.
   */
  /**
   * The host gateway (docs/datapath.md, "Host gateway"): re-checked when the local networks
   * change and once per resync period; kernel routes only to subnets that overlap nothing here.
   */
  private async syncHostGateway(ports: readonly PortInfo[], networks: readonly GatewayNetwork[]): Promise<HostGatewayPlan | undefined> {
    const key = JSON.stringify(networks);
    const c = this.gatewayCache;
    if (c && c.key === key && Date.now() - c.at < this.opts.resyncMs) return c.value;
    try {
      return await this.ensureHostGatewayFor(ports, networks, key);
    } catch (err) {
      // The gateway serves the host and the outside only: endpoints still attach and route. Its
      // last good state keeps its flows (and the connections through it) until a round repairs it.
      this.opts.log.warn({ err: (err as Error).message, code: (err as NetpluginError).code }, 'host gateway not in place; retried next round');
      if (c) c.at = 0;
      // A transient failure (nft slow under load, say) heals in seconds, not at the next resync.
      this.gatewayRetry ??= setTimeout(() => {
        this.gatewayRetry = undefined;
        this.trigger();
      }, Math.min(GATEWAY_RETRY_MS, this.opts.resyncMs));
      return c?.value;
    }
  }

  private async ensureHostGatewayFor(ports: readonly PortInfo[], networks: readonly GatewayNetwork[], key: string): Promise<HostGatewayPlan> {
    const addrs = hostGatewayAddrs(this.opts.bridge, this.opts.gatewayCidr ?? DEFAULT_GATEWAY_CIDR);
    const [hostAddrs, hostRoutes] = await this.kernel.run([{ op: 'addrList' }, { op: 'routeList' }]);
    if (!hostAddrs.ok) throw hostAddrs.error;
    if (!hostRoutes.ok) throw hostRoutes.error;
    const routes = hostRouteSubnets(networks.map((n) => ({ id: n.id, subnet: n.subnet })), hostAddrs.value as AddrInfo[], hostRoutes.value as RouteInfo[], addrs.cidr, addrs.portName);
    for (const s of routes.skipped) this.opts.log.debug({ network: s.id, subnet: s.subnet, reason: s.reason }, 'host gateway: no host route');
    const report = await ensureHostGateway(
      { vswitch: this.vswitch, kernel: this.kernel, sysctl: procSysctl, nft: execNft(), iptables: execIptables() },
      addrs,
      { hostRoutes: routes.routed, snat: networks.some((n) => n.snat), ports },
    );
    if (report.changed.length) this.opts.log.info({ port: addrs.portName, changed: report.changed, routes: routes.routed }, 'host gateway updated');
    const routed = new Set(routes.routed);
    const value: HostGatewayPlan = {
      view: { ofport: addrs.ofport, hostIp: addrs.hostIp, hostMac: addrs.hostMac, routerIp: addrs.routerIp, routerMac: addrs.routerMac, hostRouted: new Set(networks.filter((n) => routed.has(n.subnet)).map((n) => n.key)) },
      transitIp: (routeId) => addrs.transitIp(routeId),
    };
    this.gatewayCache = { key, at: Date.now(), value };
    return value;
  }

  private async syncVxlanDevices(underlay: { dev: string; vtepIp: string }, ports: readonly PortInfo[], needs: VxlanNeeds[]): Promise<Map<number, number>> {
    const key = JSON.stringify([underlay, needs.map((n) => [n.key, n.vni, [...n.macs].sort()]).sort()]);
    const c = this.vxlanCache;
    if (c && c.key === key && Date.now() - c.at < this.opts.resyncMs) return c.value;
    this.vxlanCache = undefined;
    const ctx = { vswitch: this.vswitch, kernel: this.kernel, bridge: this.opts.bridge, underlay };
    const value = await syncKernelVxlan(ctx, ports, needs);
    this.vxlanCache = { key, at: Date.now(), value };
    return value;
  }

  /**
   * The VXLAN path (docs/datapath.md, "Choosing the VXLAN path"): decided again when this
   * host's Hosts[] entry changes, once per resync period (an address may have moved) and
   * after a failed round; a refusal fails the agent's start or the round, naming the flag or field.
   */
  private async refreshPlan(): Promise<VxlanPlan> {
    const self = this.desiredCache.current().hosts.get(this.opts.hostLabel);
    const key = JSON.stringify([self?.intf, self?.vtepIp]);
    const c = this.plan;
    if (c && c.key === key && Date.now() - c.at < this.opts.resyncMs) return c.value;
    const [links, addrs] = await this.kernel.run([{ op: 'linkList' }, { op: 'addrList' }]);
    if (!links.ok) throw links.error;
    if (!addrs.ok) throw addrs.error;
    const hostAddrs = addrs.value as AddrInfo[];
    const { uplink, vtepIp, vxlanDev } = this.opts;
    const value = chooseVxlanPath({ bridge: this.opts.bridge, flags: { uplink, vtepIp, vxlanDev }, self, links: (links.value as LinkInfo[]).map((l) => l.name), addrs: hostAddrs });
    const old = c?.value;
    if (!old || JSON.stringify(old) !== JSON.stringify(value)) await this.applyPlan(old, value, hostAddrs);
    this.plan = { key, at: Date.now(), value };
    return value;
  }

  /**
   * Fails the start or the round while a live peer took the other VXLAN path before this host
   * did (pathConflict gives both the same verdict, so the one that came last is refused).
   */
  private checkPathAgreement(): void {
    const path = this.plan?.value.path;
    const self = { host: this.opts.hostLabel, vxlan: path === 'none' ? undefined : path, vxlanSince: this.vxlanSince };
    const conflict = pathConflict(self, this.peerCache.current().hosts.values());
    if (conflict) throw new NetpluginError('NP_UNDERLAY_CONFIG', conflict, { path });
  }

  /** Takes a new VXLAN path into use: clears the old path's leftovers, re-registers. */
  private async applyPlan(old: VxlanPlan | undefined, next: VxlanPlan, addrs: readonly AddrInfo[]): Promise<void> {
    if (old?.path !== next.path) this.vxlanSince = new Date().toISOString();
    this.opts.log.info({ path: next.path, vtep: next.vtepIp, uplink: next.uplink, vxlanDev: next.kernelDev?.dev }, `VXLAN path: ${next.reason}`);
    this.fabric = undefined;
    this.vxlanCache = undefined;
    if (!next.kernelDev) {
      const stale = (await this.vswitch.listPorts(this.opts.bridge)).filter((p) => p.externalIds[VNI_KEY] !== undefined);
      if (stale.length) await syncKernelVxlan({ vswitch: this.vswitch, kernel: this.kernel, bridge: this.opts.bridge, underlay: { dev: '', vtepIp: '' } }, stale, []);
    }
    // An earlier OVS-path round (or an older agent) may have put this very address on <bridge>-phy too: two holders confuse routing.
    const phy = underlayNames(this.opts.bridge).phy;
    const dup = next.kernelDev && !next.phyVtep ? addrs.find((a) => a.name === phy && a.cidr.split('/')[0] === next.kernelDev!.vtepIp) : undefined;
    if (dup) {
      const [r] = await this.kernel.run([{ op: 'addrDel', name: phy, cidr: dup.cidr, ignoreMissing: true }]);
      if (!r.ok) throw r.error;
    }
    this.plan = undefined;
    await this.registration?.update(this.registrationInfo(next));
  }

  /** What this host's registration says: its VTEP and VXLAN path as decided. */
  private registrationInfo(plan = this.plan?.value): Record<string, unknown> {
    const vxlan = plan && plan.path !== 'none' ? plan.path : undefined;
    return { bridge: this.opts.bridge, round: this.round, pid: process.pid, vtepIp: plan?.vtepIp, uplink: plan?.uplink, vxlan, vxlanSince: vxlan ? this.vxlanSince : undefined, datapath: this.facts };
  }

  /** Running containers of every source by name (netns-dir wins over Docker names, runtime attachments over both). */
  private runningContainers(): Map<string, LocalContainer> {
    const all = new Map<string, LocalContainer>();
    const runtime = this.extras?.localContainers() ?? new Map<string, LocalContainer>();
    // A container Docker plugs into a netplugin network itself is not also plumbed by name.
    const driverSandboxes = new Set([...runtime.values()].filter((c) => c.source === 'docker-driver').map((c) => c.netns));
    for (const s of this.sources) for (const [name, c] of s.running()) if (!(c.source === 'docker' && driverSandboxes.has(c.netns))) all.set(name, c);
    for (const [name, c] of runtime) all.set(name, c);
    return all;
  }

  /** The intent's endpoints plus runtime-only ones (CNI pods, Docker endpoints) of every host. */
  private effectiveDesired(): DesiredSnapshot {
    const desired = this.desiredCache.current();
    const extra = this.extras?.runtimeEndpoints() ?? [];
    const qos = this.extras?.intentEndpointQos?.(desired.endpoints) ?? new Map();
    const groups = this.extras?.intentEndpointGroups?.(desired.endpoints) ?? new Map();
    const endpoints = withRuntimeEndpoints(desired.endpoints, extra, qos, groups);
    return endpoints === desired.endpoints ? desired : { ...desired, endpoints };
  }

  private async connectOpenflow(): Promise<OpenFlowConnection> {
    if (this.openflow) return this.openflow;
    const conn = await OpenFlowConnection.connect(join(this.opts.ovsRundir, `${this.opts.bridge}.mgmt`), { timeoutMs: 10_000 });
    conn.onClose(() => {
      if (this.openflow === conn) this.openflow = undefined;
    });
    // A new connection may mean a restarted vswitchd with an empty bridge: read it back.
    this.flows.invalidate();
    this.openflow = conn;
    await this.listenForDenied(conn);
    await this.listenForIgmp(conn);
    return conn;
  }

  /**
   * Puts the packet-in meter of logged denies on the bridge and logs the first packet of each
   * denied connection. Best effort: without it, denies still drop (their flows name the meter,
   * so on a switch that refused it they drop before reaching the agent).
   */
  private async listenForDenied(conn: OpenFlowConnection): Promise<void> {
    const meter = { meterId: POLICY_LOG_METER, flags: OFPMF_PKTPS | OFPMF_BURST | OFPMF_STATS, bands: [{ type: 'drop' as const, rate: DENIED_LOG_PPS, burstSize: DENIED_LOG_PPS }] };
    try {
      // A restarted agent finds its meter in place: add, and modify if it exists.
      await conn.meterMods([{ command: 'add', ...meter }]).catch(() => conn.meterMods([{ command: 'modify', ...meter }]));
      await conn.onPacketIn((p) => {
        const d = deniedConnectionOf(p, this.loggedRules());
        if (d && this.denied.first(d)) this.opts.log.warn({ ...d, host: this.opts.hostLabel }, 'policy denied a connection');
      });
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'denied-connection log not available on this bridge');
    }
  }

  /** The snooper, wired to this agent's ports, bridge and store. */
  private makeSnooper(store: StateStore): MulticastSnooper {
    return new MulticastSnooper({
      store,
      host: this.opts.hostLabel,
      log: this.opts.log.child({ part: 'multicast' }),
      timing: timingFor(this.opts.igmpQueryIntervalS ?? 125),
      readIgmp: (frame) => {
        const d = decodeIgmpFrame(frame);
        return d.ok ? { ok: true, ...joinedGroups(d.igmp) } : { ok: false, reason: d.reason };
      },
      query: (t, timing) => encodeGeneralQuery({ srcMac: t.gatewayMac, srcIp: t.gatewayIp, version: 3, maxRespTimeDs: Math.round(timing.queryResponseMs / 100) }),
      send: async (frames) => {
        const conn = await this.connectOpenflow();
        await conn.packetOuts(frames.map((f) => ({ inPort: OFPP_CONTROLLER, actions: [{ type: 'output' as const, port: f.ofport }], data: f.frame })));
      },
      portOf: (ofport) => this.snooped.get(ofport),
      queryTargets: () => [...this.snooped].map(([ofport, p]) => ({ ofport, gatewayIp: p.gatewayIp, gatewayMac: p.gatewayMac })),
      // Before the first round there is no view of the ports: memberships taken back from the store stay.
      present: (network, endpoint) => this.roundsRun === 0 || this.snoopedEndpoints.has(`${network}|${endpoint}`),
      changed: () => this.trigger(),
    });
  }

  /** Puts the IGMP packet-in meter on the bridge and hands IGMP from local ports to the snooper. */
  private async listenForIgmp(conn: OpenFlowConnection): Promise<void> {
    const meter = { meterId: IGMP_METER, flags: OFPMF_PKTPS | OFPMF_BURST | OFPMF_STATS, bands: [{ type: 'drop' as const, rate: IGMP_PPS, burstSize: IGMP_PPS }] };
    try {
      await conn.meterMods([{ command: 'add', ...meter }]).catch(() => conn.meterMods([{ command: 'modify', ...meter }]));
      await conn.onPacketIn((p) => {
        if (parseCookie(p.cookie).feature !== FEATURE.MULTICAST || typeof p.match.inPort !== 'number') return;
        this.snooper?.onIgmp(p.match.inPort, p.data);
      });
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'IGMP snooping not available on this bridge');
    }
  }

  /** Rules with `Log`, by cookie object: rebuilt when the desired state changed, not per packet. */
  private loggedRules(): ReadonlyMap<bigint, string> {
    const desired = this.desiredCache.current();
    const c = this.loggedCache;
    if (c && c.snapshot === desired && c.revision === desired.revision) return c.rules;
    const rules = rulesByObject([...desired.policies.values()].flatMap((t) => t.rules.filter((r) => r.log).map((r) => r.id)));
    this.loggedCache = { snapshot: desired, revision: desired.revision, rules };
    return rules;
  }

  /** Stops following and closes connections; the datapath stays as it is. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.snooper?.stop();
    clearInterval(this.countersTimer);
    clearTimeout(this.gatewayRetry);
    for (const s of this.sources) s.stop();
    this.registration?.stop();
    await this.idle();
    await this.desiredCache.close();
    await this.peerCache.close();
    this.openflow?.close();
    this.ovsdb.close();
    await this.store.close();
  }
}

/** Round number recorded on the bridge by the previous agent, or 0. */
async function previousRound(vswitch: Vswitch, bridge: string): Promise<number> {
  const ids = await vswitch.bridgeExternalIds(bridge);
  return Number(ids?.[ROUND_KEY] ?? 0) || 0;
}

/**
 * Runs a round when vswitchd refuses one of our endpoint ports (ofport -1, an error) or
 * opens it at another ofport than requested: attaches do not wait for vswitchd, so this is
 * how such a port gets repaired at once rather than at the next resync.
 */
function watchRefusedPorts(vswitch: ReplicaVswitch, trigger: () => void): void {
  vswitch.replica.onInterfaces((changed) => {
    const bad = changed.some((p) => p.externalIds[EXT.endpoint] !== undefined && (p.ofport === -1 || p.error !== undefined || (p.ofport > 0 && p.ofportRequest !== undefined && p.ofport !== p.ofportRequest)));
    if (bad) trigger();
  });
}
