/**
 * A RuntimeHost without a datapath, for RuntimeService tests: its rounds "attach" every
 * plumbable local attachment (or fail them all with `failPlumb`), and a NetnsProbe whose
 * namespaces are named paths.
 */
import type { DesiredSnapshot } from '../../src/agent/desired.js';
import type { PeerSnapshot } from '../../src/agent/peers.js';
import type { EndpointStatus } from '../../src/agent/reconcile.js';
import type { NetworkState } from '../../src/intent/types.js';
import type { NetnsIdentity, NetnsProbe } from '../../src/datapath/kernel/index.js';
import type { RuntimeHost, RuntimeService } from '../../src/runtime/service.js';
import type { EmbeddedStore } from '../../src/state/embedded.js';

/** The one network of the fake host's intent (a /27, so pools run out quickly). */
export const FAKE_NET: NetworkState = { id: 't/n', tenant: 't', name: 'n', pktTagType: 'vlan', pktTag: 10, subnet: '10.9.0.0/27', gateway: '10.9.0.1', mtu: 1500, gatewayMode: 'distributed', external: 'snat', routeId: 1 };

/** A host whose rounds attach (or fail) every plumbable local attachment. */
export class FakeRuntimeHost implements RuntimeHost {
  readonly host = 'h1';
  snapshot: DesiredSnapshot;
  peerSnap: PeerSnapshot = { hosts: new Map(), attachments: new Map(), runtime: new Map(), claims: new Map() };
  service!: RuntimeService;
  statuses = new Map<string, EndpointStatus>();
  failPlumb = false;
  rounds = 0;
  /** The hand-off veth names the rounds were asked to plumb. */
  handoffsPlumbed: string[] = [];
  constructor(readonly store: EmbeddedStore) {
    this.snapshot = { revision: 1, networks: new Map([[FAKE_NET.id, FAKE_NET]]), endpoints: new Map(), hosts: new Map(), policies: new Map(), metaRevision: 0 };
  }
  desired() {
    return this.snapshot;
  }
  peers() {
    return this.peerSnap;
  }
  readiness() {
    return { ready: true };
  }
  async nextRound() {
    this.rounds++;
    for (const c of this.service.localContainers().values()) if (c.handoffPeer) this.handoffsPlumbed.push(c.handoffPeer);
    const out = new Map<string, EndpointStatus>();
    for (const a of this.service.list()) {
      if (!a.netns) continue;
      out.set(a.endpointId, this.failPlumb ? { endpoint: a.endpointId, container: a.name, status: 'error', error: 'netns gone', containerId: a.containerId } : { endpoint: a.endpointId, container: a.name, status: 'attached', ofport: 1, port: 'npx', ifName: a.ifName ?? 'eth0', containerId: a.containerId });
    }
    this.statuses = out;
    return out;
  }
  lastStatuses() {
    return this.statuses;
  }
  async caughtUp(metaRevision: number) {
    this.snapshot.metaRevision = metaRevision;
  }
}

/** Paths of the fake probe: containers' namespaces, the host's, and what the addon refuses. */
export const FAKE_NETNS = {
  pod1: '/run/netns/pod1',
  pod2: '/run/netns/pod2',
  /** A bind mount of the host's own namespace (nsfs, but the host's inode). */
  host: '/run/netns/host-bind',
  fifo: '/tmp/ns-fifo',
  /** Never answers (a hung filesystem). */
  hang: '/mnt/hung/ns',
} as const;

/** A NetnsProbe over FAKE_NETNS; `calls` lists the paths it was asked about. */
export function fakeNetnsProbe(): NetnsProbe & { calls: string[] } {
  const hostNs: NetnsIdentity = { dev: 4, ino: 4026531840 };
  const known = new Map<string, NetnsIdentity>([
    [FAKE_NETNS.pod1, { dev: 4, ino: 4026532001 }],
    [FAKE_NETNS.pod2, { dev: 4, ino: 4026532002 }],
    [FAKE_NETNS.host, hostNs],
  ]);
  const calls: string[] = [];
  return {
    calls,
    identify: async (path) => {
      calls.push(path);
      if (path === FAKE_NETNS.hang) return new Promise<NetnsIdentity>(() => undefined);
      const id = known.get(path);
      if (id) return id;
      if (path === FAKE_NETNS.fifo) throw Object.assign(new Error(`${path}: is a FIFO, not a network namespace file (nsfs)`), { code: 'NP_NETNS_INVALID', errno: 22, syscall: 'fstatfs' });
      throw Object.assign(new Error(`open: No such file or directory (${path})`), { code: 'NP_NATIVE_SYSCALL', errno: 2, syscall: 'open' });
    },
    hostNamespaces: () => [hostNs],
  };
}
