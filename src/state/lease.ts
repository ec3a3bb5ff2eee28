/**
 * Lease pieces shared by both drivers: the TTL rule, the refresh period and the
 * once-only loss notification.
 */
import { NetpluginError } from '../common/errors.js';

/**
 * Smallest TTL a lease may have. etcd raises shorter TTLs to its own minimum (1.5
 * election timeouts, 2 s with default flags), so a shorter one would be a lie there.
 */
export const MIN_LEASE_TTL_SECONDS = 2;

/** Throws NP_INVALID_ARGUMENT unless `ttlSeconds` is a whole number of at least 2. */
export function checkLeaseTtl(ttlSeconds: number, driver: string): void {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < MIN_LEASE_TTL_SECONDS) {
    throw new NetpluginError(
      'NP_INVALID_ARGUMENT',
      `lease TTL must be a whole number of seconds >= ${MIN_LEASE_TTL_SECONDS}, got ${ttlSeconds}`,
      { driver, ttlSeconds },
    );
  }
}

/** Refresh period of a lease: a third of its TTL, as etcd's own clients do, so two refreshes may fail in a row. */
export function refreshPeriodMs(ttlSeconds: number): number {
  return (ttlSeconds * 1000) / 3;
}

/** The error reported to onLost callbacks when a lease ended without revoke(). */
export function leaseLostError(driver: string, id: string, why: string): NetpluginError {
  return new NetpluginError('NP_STORE_UNAVAILABLE', `lease ${id} was lost: ${why}`, { driver, lease: id });
}

/** The error of a write that names a lease the store does not know (expired, revoked, foreign). */
export function leaseNotFound(driver: string, id: string): NetpluginError {
  return new NetpluginError('NP_NOT_FOUND', `lease ${id} does not exist (expired or revoked)`, { driver, lease: id });
}

/** Delivers a lease loss at most once to every registered callback, also to late ones. */
export class LeaseLoss {
  private callbacks: Array<(err: Error) => void> = [];
  private error: Error | undefined;
  private cancelled = false;

  /** True once the loss was reported. */
  get lost(): boolean {
    return this.error !== undefined;
  }

  /** Registers a callback; one registered after the loss is called on the next tick. */
  add(cb: (err: Error) => void): void {
    if (this.cancelled) return;
    const err = this.error;
    if (err) queueMicrotask(() => cb(err));
    else this.callbacks.push(cb);
  }

  /** Reports the loss (first call only); a throwing callback does not stop the others. */
  fire(err: Error): void {
    if (this.error || this.cancelled) return;
    this.error = err;
    const cbs = this.callbacks;
    this.callbacks = [];
    for (const cb of cbs) {
      try {
        cb(err);
      } catch (thrown) {
        queueMicrotask(() => {
          throw thrown;
        });
      }
    }
  }

  /** Silences the notification for good (revoke and close end a lease on purpose). */
  cancel(): void {
    this.cancelled = true;
    this.callbacks = [];
  }
}
