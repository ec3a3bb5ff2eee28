/**
 * The Docker remote plugin the agent serves: NetworkDriver + IpamDriver on one unix socket
 * (`/run/docker/plugins/netplugin.sock` by default, so Docker knows it as `netplugin`),
 * backed by the RuntimeApi, plus the clean-up of endpoints Docker dropped while we were away.
 */
import { unlinkSync } from 'node:fs';
import { basename } from 'node:path';
import type { Logger } from '../../common/log.js';
import type { RuntimeApi } from '../../runtime/types.js';
import type { StateStore } from '../../state/store.js';
import type { DockerEngine } from '../engine.js';
import { DockerCleanup } from './cleanup.js';
import type { Handler, PluginContext } from './context.js';
import { ipamHandlers } from './ipam.js';
import { networkDriverHandlers } from './network-driver.js';
import { servePluginSocket } from './server.js';
import { DockerPluginState } from './state.js';

export { DockerNetworkSync, type DockerNetworkSyncOptions, type SyncNetwork } from './network-sync.js';
export { DOCKER_KEYS } from './keys.js';

/** Default socket path: Docker discovers `NAME.sock` in /run/docker/plugins on first use of driver NAME. */
export const DEFAULT_PLUGIN_SOCKET = '/run/docker/plugins/netplugin.sock';

/** How the plugin is started. */
export interface DockerPluginOptions {
  socketPath: string;
  api: RuntimeApi;
  log: Logger;
  /** The engine using the plugin; without it there is no clean-up of endpoints Docker lost. */
  engine?: DockerEngine;
  store: StateStore;
  /** This agent's host label. */
  host: string;
  /** Period of the clean-up pass (default 30 s). */
  cleanupIntervalMs?: number;
  /** Age under which unjoined endpoints and fresh claims are left alone by the clean-up (default 15 s). */
  cleanupGraceMs?: number;
}

/** A running plugin. */
export interface DockerPlugin {
  /** Docker's name for the driver (the socket's base name without `.sock`). */
  driver: string;
  /** One clean-up pass now (tests, or after the agent learns Docker came back). */
  cleanupNow(): Promise<unknown>;
  /** Resolves when the background teardown (Leave, DeleteEndpoint) has finished. */
  settled(): Promise<void>;
  /** Stops serving and removes the socket. */
  close(): Promise<void>;
}

/** The driver name Docker uses for a socket path. */
export function driverNameOf(socketPath: string): string {
  return basename(socketPath).replace(/\.sock$/, '');
}

/** The method table (exported for tests). */
export function pluginRoutes(ctx: PluginContext): Record<string, Handler> {
  return {
    '/Plugin.Activate': async () => ({ Implements: ['NetworkDriver', 'IpamDriver'] }),
    ...networkDriverHandlers(ctx),
    ...ipamHandlers(ctx),
  };
}

/** Loads the plugin's state, listens on the socket and starts the clean-up (when an engine is given). */
export async function startDockerPlugin(opts: DockerPluginOptions): Promise<DockerPlugin> {
  const log = opts.log.child({ component: 'docker-plugin' });
  const state = new DockerPluginState(opts.store, opts.host);
  await state.load();
  const activity = new Map<string, number>();
  const touch = (endpointId: string) => {
    activity.set(endpointId, Date.now());
    // Bounded: entries older than any grace period are useless.
    if (activity.size > 10_000) for (const [k, t] of activity) if (Date.now() - t > 600_000) activity.delete(k);
  };
  const pending = new Set<Promise<unknown>>();
  const chains = new Map<string, Promise<unknown>>();
  const background = (key: string, what: string, work: () => Promise<unknown>) => {
    const p: Promise<unknown> = (chains.get(key) ?? Promise.resolve())
      .then(work)
      .catch((err: Error) => log.warn({ err: err.message }, `docker plugin: ${what} failed; the clean-up will retry`))
      .finally(() => {
        pending.delete(p);
        if (chains.get(key) === p) chains.delete(key);
      });
    chains.set(key, p);
    pending.add(p);
  };
  const ctx: PluginContext = { api: opts.api, state, store: opts.store, host: opts.host, log, touch, background };
  const server = await servePluginSocket(opts.socketPath, pluginRoutes(ctx), log);
  const driver = driverNameOf(opts.socketPath);
  const cleanup = opts.engine
    ? new DockerCleanup({ api: opts.api, engine: opts.engine, state, store: opts.store, host: opts.host, driver, log, graceMs: opts.cleanupGraceMs, lastActivity: (k) => activity.get(k) }, opts.cleanupIntervalMs ?? 30_000)
    : undefined;
  cleanup?.start();
  log.info({ socket: opts.socketPath, driver, networks: state.allBindings().length, pools: state.allPools().length }, 'docker plugin listening');
  return {
    driver,
    cleanupNow: async () => cleanup?.runNow(),
    settled: async () => {
      while (pending.size) await Promise.allSettled([...pending]);
    },
    close: async () => {
      await cleanup?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      try {
        unlinkSync(opts.socketPath);
      } catch {
        // Already gone.
      }
      // Teardown Docker was already told is done: give it a moment to land (the clean-up catches the rest).
      await Promise.race([Promise.allSettled([...pending]), new Promise((r) => setTimeout(r, 10_000).unref())]);
    },
  };
}
