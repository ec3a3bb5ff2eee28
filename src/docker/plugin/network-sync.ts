/**
 * Keeps one Docker network per intent network, so `docker network ls` shows them and
 * `docker run --network <tenant>.<network>` just works: created with our network and IPAM
 * drivers (IPAM options name the intent network) and the label `netplugin.managed=true`;
 * removed when the intent network is gone and no container is attached. Networks without
 * the label are never touched.
 */
import type { Logger } from '../../common/log.js';
import { KEYS } from '../../state/keys.js';
import type { StateStore } from '../../state/store.js';
import type { DockerEngine, DockerNetwork } from '../engine.js';

/** Label that marks the networks this sync owns. */
export const MANAGED_LABEL = 'netplugin.managed';

/** An intent network as the sync needs it. */
export interface SyncNetwork {
  tenant: string;
  name: string;
  subnet: string;
}

/** How the sync is set up. */
export interface DockerNetworkSyncOptions {
  engine: DockerEngine;
  /** The intent networks now (netmaster: from the store; agent: RuntimeApi.networks()). */
  source: () => Promise<SyncNetwork[]> | SyncNetwork[];
  log: Logger;
  /** Docker's name of our network and IPAM driver (default `netplugin`). */
  driver?: string;
  /** Safety-net period between passes (default 30 s); `poke()` runs one sooner. */
  intervalMs?: number;
}

/** What one pass did. */
export interface SyncReport {
  created: string[];
  removed: string[];
  /** Managed networks kept although unwanted or outdated, with the reason. */
  kept: { name: string; reason: string }[];
  /** Intent networks without a Docker network, with the reason. */
  skipped: { name: string; reason: string }[];
  /** How many creations failed (retried sooner than the period). */
  failed: number;
}

/** Docker's network name rule. */
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The Docker network name of an intent network. */
export function dockerNetworkName(tenant: string, network: string): string {
  return `${tenant}.${network}`;
}

/** Creates and removes managed Docker networks to match the intent. */
export class DockerNetworkSync {
  private readonly driver: string;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  /** Sets up the sync; `start()` begins the loop. */
  constructor(private readonly opts: DockerNetworkSyncOptions) {
    this.driver = opts.driver ?? 'netplugin';
  }

  /** Starts the loop (first pass right away). */
  start(): void {
    this.poke();
  }

  /** Asks for a pass soon (the intent changed); passes never overlap. */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    let soon = false;
    this.running = this.syncOnce()
      .then(
        (r) => {
          soon = r.failed > 0;
        },
        (err: Error) => {
          soon = true;
          this.opts.log.warn({ err: err.message }, 'docker network sync failed; will retry');
        },
      )
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.poke();
          return;
        }
        // Docker or the plugin may come up after us: retry failures sooner than the period.
        const period = this.opts.intervalMs ?? 30_000;
        this.timer = setTimeout(() => this.poke(), soon ? Math.min(period, 5_000) : period);
        this.timer.unref();
      });
  }

  /** Stops the loop and waits for a running pass. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: create what is missing, remove what is no longer wanted and unused. */
  async syncOnce(): Promise<SyncReport> {
    const { engine, log } = this.opts;
    const report: SyncReport = { created: [], removed: [], kept: [], skipped: [], failed: 0 };
    const wanted = new Map<string, SyncNetwork>();
    for (const n of await this.opts.source()) {
      const name = dockerNetworkName(n.tenant, n.name);
      if (!DOCKER_NAME.test(name)) report.skipped.push({ name, reason: 'not a valid Docker network name' });
      else wanted.set(name, n);
    }
    const all = await engine.listNetworks();
    const byName = new Map<string, DockerNetwork>(all.map((n) => [n.name, n]));
    const managed = all.filter((n) => n.labels[MANAGED_LABEL] === 'true');

    for (const n of managed) {
      const want = wanted.get(n.name);
      const current = want && n.driver === this.driver && n.labels['netplugin.tenant'] === want.tenant && n.labels['netplugin.network'] === want.name && n.subnets[0]?.subnet === want.subnet;
      if (current) continue;
      const full = await engine.inspectNetwork(n.id);
      if (!full) continue;
      if (full.endpoints.length > 0) {
        report.kept.push({ name: n.name, reason: `${want ? 'outdated' : 'no longer in the intent'}, but ${full.endpoints.length} container(s) attached` });
        continue;
      }
      await engine.removeNetwork(n.id);
      byName.delete(n.name);
      report.removed.push(n.name);
    }

    for (const [name, n] of wanted) {
      const existing = byName.get(name);
      if (existing) {
        if (existing.labels[MANAGED_LABEL] !== 'true') report.skipped.push({ name, reason: 'a Docker network of that name exists and is not managed by netplugin' });
        continue;
      }
      try {
        await engine.createNetwork({
          name,
          driver: this.driver,
          options: { tenant: n.tenant, network: n.name },
          ipamDriver: this.driver,
          ipamOptions: { tenant: n.tenant, network: n.name },
          labels: { [MANAGED_LABEL]: 'true', 'netplugin.tenant': n.tenant, 'netplugin.network': n.name },
        });
        report.created.push(name);
      } catch (err) {
        // One network the plugin refuses (e.g. the agent is not ready) must not stop the others.
        report.skipped.push({ name, reason: (err as Error).message });
        report.failed++;
      }
    }
    if (report.created.length || report.removed.length || report.kept.length || report.skipped.length) {
      log.info(report, 'docker network sync');
    }
    return report;
  }
}

/**
 * Runs a DockerNetworkSync that passes again whenever the intent's networks change in
 * `store` (and periodically); `source` reads the intent networks.
 */
export async function followIntentNetworks(store: StateStore, engine: DockerEngine, driver: string, source: DockerNetworkSyncOptions['source'], log: Logger): Promise<{ close(): Promise<void> }> {
  const sync = new DockerNetworkSync({ engine, driver, log: log.child({ component: 'docker-network-sync' }), source });
  const watch = await store.watch(KEYS.networksPrefix, await store.revision(), {
    onEvents: () => sync.poke(),
    onResync: () => sync.poke(),
    onError: (err) => log.warn({ err: err.message }, 'docker network sync: store watch failed; the periodic pass continues'),
  });
  sync.start();
  return {
    close: async () => {
      await watch.close();
      await sync.stop();
    },
  };
}
