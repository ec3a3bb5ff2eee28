/**
 * A reconcile round wired to message-level fakes (kernel, OVSDB, OpenFlow), with the
 * state the agent keeps between rounds (flow memory, host links), for unit tests of the
 * round's decisions: each test states the intent and the containers, runs rounds, and
 * reads back exactly what would have been sent.
 */
import type { DesiredSnapshot } from '../../src/agent/desired.js';
import type { LocalContainer } from '../../src/agent/containers.js';
import { HostLinks } from '../../src/agent/host-links.js';
import type { PeerSnapshot } from '../../src/agent/peers.js';
import { reconcileRound, type RoundInput, type RoundResult } from '../../src/agent/reconcile.js';
import type { EndpointState, NetworkState } from '../../src/intent/types.js';
import { FlowSyncer } from '../../src/datapath/ovs/flow-sync.js';
import { FlowMemo } from '../../src/datapath/ovs/pipeline/index.js';
import { FakeKernel } from './fake-kernel.js';
import { FakeSwitch } from './fake-switch.js';
import { FakeVswitch } from './fake-vswitch.js';

/** The bridge every harness round programs. */
export const BRIDGE = 'br-test';

/** A VLAN network `t/orange`, tag 11, 11.1.0.0/24 (MTU 1500). */
export const ORANGE: NetworkState = { id: 't/orange', tenant: 't', name: 'orange', pktTagType: 'vlan', pktTag: 11, subnet: '11.1.0.0/24', gateway: '11.1.0.1', mtu: 1500, gatewayMode: 'distributed', external: 'snat', routeId: 1 };

/** A VXLAN network `t/blue`, VNI 5001, 11.2.0.0/24 (MTU 1450). */
export const BLUE: NetworkState = { id: 't/blue', tenant: 't', name: 'blue', pktTagType: 'vxlan', pktTag: 5001, subnet: '11.2.0.0/24', gateway: '11.2.0.1', mtu: 1450, gatewayMode: 'distributed', external: 'snat', routeId: 1 };

/** An endpoint of `net` for `container` with host address `.n`. */
export function endpoint(net: NetworkState, container: string, n: number, host?: string): EndpointState {
  const prefix = net.subnet.split('.').slice(0, 3).join('.');
  const hex = (v: number) => v.toString(16).padStart(2, '0');
  const ip = `${prefix}.${n}`;
  const mac = '02:02:' + ip.split('.').map((o) => hex(Number(o))).join(':');
  return { id: `${net.id}/${container}`, tenant: net.tenant, network: net.name, container, host, ip, prefixLen: 24, mac };
}

/** A desired snapshot of these networks and endpoints. */
export function desired(networks: NetworkState[], endpoints: EndpointState[], revision = 1): DesiredSnapshot {
  return { revision, networks: new Map(networks.map((n) => [n.id, n])), endpoints: new Map(endpoints.map((e) => [e.id, e])), hosts: new Map(), policies: new Map(), metaRevision: revision };
}

/** A running container with its netns at /run/netns/<name>. */
export function container(name: string, init: Partial<LocalContainer> = {}): LocalContainer {
  return { id: `id-${name}`, name, pid: 0, netns: `/run/netns/${name}`, source: 'netns', ...init };
}

/** Fakes plus the agent's between-round memory. */
export class RoundHarness {
  readonly kernel = new FakeKernel();
  readonly vswitch = new FakeVswitch(this.kernel);
  readonly openflow = new FakeSwitch();
  flows = new FlowSyncer(60_000);
  hostLinks = new HostLinks(60_000);
  memo = new FlowMemo();
  round = 1;

  constructor() {
    this.vswitch.addBridge(BRIDGE);
  }

  /** Makes containers' namespaces exist in the fake kernel (each with its `lo`). */
  start(...containers: LocalContainer[]): Map<string, LocalContainer> {
    for (const c of containers) {
      this.kernel.addNamespace(c.netns);
      if (!this.kernel.link('lo', c.netns)) this.kernel.addLink('lo', { netns: c.netns, up: true });
    }
    return new Map(containers.map((c) => [c.name, c]));
  }

  /** Forgets everything an agent keeps in memory, as a restarted agent (with round `round`) would. */
  restart(round: number): void {
    this.flows = new FlowSyncer(60_000);
    this.hostLinks = new HostLinks(60_000);
    this.memo = new FlowMemo();
    this.round = round;
  }

  /** What the agent does after a failed round: forget memory so the retry reads everything. */
  afterFailure(): void {
    this.flows.invalidate();
    this.hostLinks.invalidate();
  }

  /** Forgets what was recorded so far (the fakes' state stays). */
  clearLogs(): void {
    this.kernel.clearLog();
    this.vswitch.clearLog();
    this.openflow.clearLog();
  }

  /** Runs one round as host `host1`. */
  run(snapshot: DesiredSnapshot, containers: ReadonlyMap<string, LocalContainer>, extra: Partial<RoundInput> = {}): Promise<RoundResult> {
    return reconcileRound({
      host: 'host1',
      desired: snapshot,
      containers,
      sourceKnown: () => true,
      plumb: { vswitch: this.vswitch, kernel: this.kernel, bridge: BRIDGE, ofportTimeoutMs: 1000 },
      openflow: this.openflow,
      flows: this.flows,
      hostLinks: this.hostLinks,
      memo: this.memo,
      round: this.round,
      ...extra,
    });
  }
}

/** A peers snapshot: `hosts` (name → VTEP) registered, `attachments` endpoint id → host. */
export function peers(hosts: Record<string, string>, attachments: Record<string, string>): PeerSnapshot {
  return {
    hosts: new Map(Object.entries(hosts).map(([host, vtepIp]) => [host, { host, vtepIp }])),
    attachments: new Map(Object.entries(attachments)),
    runtime: new Map(),
    claims: new Map(),
  };
}
