/**
 * Clean-up of what Docker forgot while the agent was away: a container removed while the
 * plugin was unreachable leaves its attachment (port, flows, address) and its IPAM claim
 * behind, since Docker's DeleteEndpoint/ReleaseAddress never arrived. On start (once Docker
 * answers) and periodically, compare with what Docker still has and release the rest.
 *
 * Docker's network inspect lists only endpoints joined to a container; an endpoint between
 * CreateEndpoint and Join (or an address between RequestAddress and CreateEndpoint) is not
 * there yet, so nothing created or called about within `graceMs` is touched. Such gaps last
 * moments: Docker creates endpoints only while starting or connecting a running container.
 */
import type { Logger } from '../../common/log.js';
import type { DockerEngine, DockerNetwork } from '../engine.js';
import type { RuntimeApi } from '../../runtime/types.js';
import type { StateStore } from '../../state/store.js';
import { claimOwnerTime, isOurClaimOwner } from './claims.js';
import { listClaims } from '../../runtime/claims.js';
import type { DockerPluginState } from './state.js';

/** What one clean-up pass did. */
export interface CleanupReport {
  /** Endpoint ids whose attachments were detached. */
  detached: string[];
  /** Addresses (`tenant/network/ip`) whose IPAM claims were released. */
  released: string[];
  /** Docker network ids whose bindings were dropped (Docker no longer knows them). */
  unbound: string[];
}

/** How the clean-up is set up. */
export interface CleanupOptions {
  api: RuntimeApi;
  engine: DockerEngine;
  state: DockerPluginState;
  store: StateStore;
  host: string;
  /** Our driver's name in Docker (the socket's base name). */
  driver: string;
  log: Logger;
  /** Age under which records are left alone (default 15 s). */
  graceMs?: number;
  /** When Docker last called about an endpoint in this process (undefined: not since the agent started). */
  lastActivity?: (endpointId: string) => number | undefined;
}

/** Compares this host's Docker attachments, claims and bindings with the engine; releases what Docker lost. */
export async function cleanupOnce(o: CleanupOptions, now = Date.now()): Promise<CleanupReport> {
  const grace = o.graceMs ?? DEFAULT_GRACE_MS;
  const report: CleanupReport = { detached: [], released: [], unbound: [] };
  // Everything below depends on a complete view of Docker: any engine error aborts the pass.
  const listed = await o.engine.listNetworks();
  const ours: DockerNetwork[] = [];
  for (const n of listed) {
    if (n.driver !== o.driver && !o.state.binding(n.id)) continue;
    const full = await o.engine.inspectNetwork(n.id);
    if (full) ours.push(full);
  }
  const known = new Set(listed.map((n) => n.id));
  const bindings = o.state.allBindings();
  if (bindings.length > 0 && !bindings.some((b) => known.has(b.networkId))) {
    // Not one of our networks is known: most likely the agent talks to another engine than
    // the one using the plugin. Releasing everything would cut live containers off.
    o.log.warn({ bindings: bindings.length, engine: o.engine.socketPath }, 'docker clean-up skipped: the engine knows none of the bound networks');
    return report;
  }
  const liveEndpoints = new Set<string>();
  const usedIps = new Map<string, Set<string>>();
  const use = (tenant: string, network: string, ip: string) => {
    const k = `${tenant}/${network}`;
    let s = usedIps.get(k);
    if (!s) usedIps.set(k, (s = new Set()));
    s.add(ip);
  };
  for (const n of ours) {
    const b = o.state.binding(n.id);
    for (const e of n.endpoints) {
      liveEndpoints.add(e.endpointId);
      if (b && e.ipv4Address) use(b.tenant, b.network, e.ipv4Address.replace(/\/\d+$/, ''));
    }
    if (b) for (const s of n.subnets) for (const aux of Object.values(s.auxAddresses)) use(b.tenant, b.network, aux.replace(/\/\d+$/, ''));
  }

  for (const a of o.api.list('docker')) {
    if (liveEndpoints.has(a.key)) continue;
    // Created or touched moments ago: Docker may be between CreateEndpoint and Join (or inside a slow Join).
    const seen = Math.max(Date.parse(a.createdAt), o.lastActivity?.(a.key) ?? 0);
    if (now - seen < grace) continue;
    await o.api.detach('docker', a.key);
    report.detached.push(a.key);
    if (!a.ownsClaim && isOurClaimOwner(o.host, a.claimOwner)) {
      await o.api.releaseAddress(a.tenant, a.network, a.claimOwner, a.ip);
      report.released.push(`${a.tenant}/${a.network}/${a.ip}`);
    }
  }
  for (const a of o.api.list('docker')) use(a.tenant, a.network, a.ip);

  // Claims of our IPAM that no endpoint, aux address or attachment uses any more.
  const nets = new Map<string, { tenant: string; network: string }>();
  for (const p of o.state.allPools()) nets.set(`${p.tenant}/${p.network}`, p);
  for (const b of o.state.allBindings()) if (b.ipam === 'netplugin') nets.set(`${b.tenant}/${b.network}`, b);
  for (const [k, { tenant, network }] of nets) {
    for (const c of await listClaims(o.store, tenant, network)) {
      if (!isOurClaimOwner(o.host, c.owner) || usedIps.get(k)?.has(c.ip)) continue;
      const at = claimOwnerTime(c.owner);
      if (at === undefined || now - at < grace) continue;
      await o.api.releaseAddress(tenant, network, c.owner, c.ip);
      report.released.push(`${k}/${c.ip}`);
    }
  }

  // Networks Docker dropped without telling us (DeleteNetwork never came): unbind, drop their pool reference.
  for (const b of o.state.allBindings()) {
    if (known.has(b.networkId) || now - Date.parse(b.createdAt) < grace) continue;
    await o.state.deleteBinding(b.networkId);
    report.unbound.push(b.networkId);
    if (b.poolId) await o.state.releasePool(b.poolId);
  }
  if (report.detached.length || report.released.length || report.unbound.length) o.log.info(report, 'docker clean-up: released what Docker forgot');
  return report;
}

const RETRY_MS = 5_000;

/** Default age under which records are left alone: longer than Docker's CreateEndpoint-to-Join gap. */
export const DEFAULT_GRACE_MS = 15_000;

/** Runs `cleanupOnce` at start (retrying until Docker answers) and every `intervalMs`. */
export class DockerCleanup {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  /** Sets up the loop; `start()` begins it. */
  constructor(
    private readonly opts: CleanupOptions,
    private readonly intervalMs = 30_000,
  ) {}

  /** Starts the periodic pass (the first one right away). */
  start(): void {
    this.schedule(0);
  }

  /** Runs one pass now (serialized with the periodic ones); undefined when it failed (logged). */
  async runNow(): Promise<CleanupReport | undefined> {
    while (this.running) await this.running;
    let out: CleanupReport | undefined;
    this.running = (async () => {
      try {
        out = await cleanupOnce(this.opts);
      } catch (err) {
        this.opts.log.warn({ err: (err as Error).message }, 'docker clean-up pass failed; will retry');
      }
    })();
    await this.running;
    this.running = undefined;
    return out;
  }

  /** Stops the loop and waits for a running pass. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      // Until Docker answers (it may start after the agent), retry sooner than the period.
      void this.runNow().then((r) => this.schedule(r ? this.intervalMs : Math.min(this.intervalMs, RETRY_MS)));
    }, ms);
    this.timer.unref();
  }
}
