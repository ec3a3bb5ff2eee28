/**
 * This host's registration in the store (`/netplugin/oper/hosts/<host>`), attached to a
 * lease: while the agent lives it is refreshed; when the agent dies the key expires and
 * peers drop their tunnels to this host. A lost lease (store outage longer than the TTL)
 * is replaced by a new one and the registration rewritten.
 */
import type { Logger } from '../common/log.js';
import { KEYS } from '../state/keys.js';
import type { Lease, StateStore } from '../state/store.js';

/** Seconds a registration outlives its agent. */
export const REGISTRATION_TTL_SECONDS = 15;

/** Keeps one host registration alive. */
export class HostRegistration {
  private lease?: Lease;
  private stopped = false;
  private retry?: NodeJS.Timeout;

  /** Registers `host` with `info` (written as JSON). */
  constructor(
    private readonly store: StateStore,
    private readonly host: string,
    private info: Record<string, unknown>,
    private readonly log: Logger,
  ) {}

  /** Writes the registration under a fresh lease. */
  async start(): Promise<void> {
    const lease = await this.store.grantLease(REGISTRATION_TTL_SECONDS);
    lease.onLost((err) => {
      if (this.stopped) return;
      this.log.warn({ err: err.message }, 'host registration lease lost; registering again');
      this.scheduleRestart();
    });
    await this.store.put(KEYS.operHost(this.host), JSON.stringify({ host: this.host, ...this.info, registeredAt: new Date().toISOString() }), { lease });
    this.lease = lease;
  }

  /** Replaces what the registration says (VTEP, VXLAN path) under the same lease; written at once if registered. */
  async update(info: Record<string, unknown>): Promise<void> {
    this.info = info;
    if (this.lease && !this.stopped) await this.store.put(KEYS.operHost(this.host), JSON.stringify({ host: this.host, ...this.info, registeredAt: new Date().toISOString() }), { lease: this.lease });
  }

  private scheduleRestart(): void {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      void this.start().catch((err: Error) => {
        this.log.warn({ err: err.message }, 'host registration failed; retrying');
        this.scheduleRestart();
      });
    }, 1000);
  }

  /** Stops refreshing (the registration then expires after its TTL, as after a crash). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }
}
