/**
 * One embedded-store lease held by this process. The lease row's `expires_at` (wall
 * clock ms, shared by every process on the host) is pushed forward every TTL/3; any
 * process with the store open deletes the keys of a lease whose time has passed.
 */
import type { Lease } from './store.js';
import { LeaseLoss, leaseLostError, refreshPeriodMs } from './lease.js';

/** What a lease needs from its store. */
export interface EmbeddedLeaseHost {
  /** Moves the expiry to now + TTL if the lease is still live and returns it; undefined when gone or expired. */
  refresh(id: number, ttlSeconds: number): number | undefined;
  /** Deletes the lease and its keys in one revision (no-op when already gone). */
  revoke(id: number): Promise<void>;
  /** Runs an expiry sweep now, so a lost lease's keys are gone before onLost runs. */
  sweep(): void;
  /** Forgets the lease (it no longer needs refreshing). */
  release(lease: EmbeddedLease): void;
}

/** A lease row kept alive by this process. */
export class EmbeddedLease implements Lease {
  /** Decimal form of `num`, the public id. */
  readonly id: string;
  private readonly loss = new LeaseLoss();
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  /** Starts refreshing lease `num`, which expires at `expiresAt` unless refreshed. */
  constructor(
    readonly num: number,
    readonly ttlSeconds: number,
    private expiresAt: number,
    private readonly host: EmbeddedLeaseHost,
  ) {
    this.id = String(num);
    this.timer = setInterval(() => this.tick(), refreshPeriodMs(ttlSeconds));
    // A lease alone must not keep a process alive: a process with nothing left to do is done.
    this.timer.unref();
  }

  /** Ends the lease now, deleting its keys. */
  async revoke(): Promise<void> {
    this.stop();
    this.loss.cancel();
    await this.host.revoke(this.num);
  }

  /** Registers a callback for the lease's loss. */
  onLost(cb: (err: Error) => void): void {
    this.loss.add(cb);
  }

  /** Stops refreshing without revoking (store close); the lease expires after its TTL. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.host.release(this);
  }

  /** Reports the loss (the store's sweep found the lease expired, or a refresh did). */
  lost(why: string): void {
    if (this.stopped && this.loss.lost) return;
    this.stop();
    this.loss.fire(leaseLostError('embedded', this.id, why));
  }

  private tick(): void {
    if (this.stopped) return;
    let expiresAt: number | undefined;
    try {
      expiresAt = this.host.refresh(this.num, this.ttlSeconds);
    } catch {
      // Write lock held past busy_timeout or I/O error: keep trying while time is left.
      if (Date.now() >= this.expiresAt) this.lost(`could not refresh it within its ${this.ttlSeconds} s TTL`);
      return;
    }
    if (expiresAt !== undefined) {
      this.expiresAt = expiresAt;
      return;
    }
    try {
      this.host.sweep();
    } catch {
      // Another process's sweep will delete the keys.
    }
    this.lost('it expired before it was refreshed');
  }
}
