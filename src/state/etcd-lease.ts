/**
 * One etcd lease held by this process, kept alive on its own gRPC keep-alive stream.
 * The client decides loss by its own clock: a lease counts as alive only until the send
 * time of the last answered keep-alive plus the TTL etcd answered with, so onLost never
 * fires later than etcd could have expired the lease (etcd down, stream stalled).
 */
import type { Etcd3, IDuplexStream, ILeaseKeepAliveRequest, ILeaseKeepAliveResponse } from 'etcd3';
import { isLeaseNotFound, storeError } from './etcd-errors.js';
import type { Lease } from './store.js';
import { LeaseLoss, leaseLostError, refreshPeriodMs } from './lease.js';

type KeepAliveStream = IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>;

/** A granted etcd lease and its keep-alive loop. */
export class EtcdLease implements Lease {
  private readonly loss = new LeaseLoss();
  private readonly timer: NodeJS.Timeout;
  private deadline: NodeJS.Timeout | undefined;
  private stream: KeepAliveStream | undefined;
  private opening = false;
  private generation = 0;
  /** Send times of keep-alives not answered yet on the current stream (answers come in order). */
  private sent: number[] = [];
  private expiresAt: number;
  private stopped = false;

  /** Starts keeping `id` alive; `grantedAt` is when the grant request was sent. */
  constructor(
    private readonly client: Etcd3,
    readonly id: string,
    readonly ttlSeconds: number,
    grantedAt: number,
    private readonly onEnd: (lease: EtcdLease) => void,
  ) {
    this.expiresAt = grantedAt + ttlSeconds * 1000;
    this.timer = setInterval(() => this.tick(), refreshPeriodMs(ttlSeconds));
    // A lease alone must not keep a process alive: a process with nothing left to do is done.
    this.timer.unref();
    this.armDeadline();
  }

  /** Fires the loss exactly when the lease may have run out, not at the next tick. */
  private armDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = setTimeout(
      () => this.lose(`no keep-alive answered within its ${this.ttlSeconds} s TTL`),
      Math.max(0, this.expiresAt - Date.now()),
    );
    this.deadline.unref();
  }

  /** Ends the lease now; etcd deletes its keys in one revision. */
  async revoke(): Promise<void> {
    this.stop();
    this.loss.cancel();
    try {
      await this.client.leaseClient.leaseRevoke({ ID: this.id });
    } catch (err) {
      // Already expired or revoked: its keys are gone, which is what revoke wants.
      if (isLeaseNotFound(err)) return;
      throw storeError('lease revoke', err);
    }
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
    if (this.deadline) clearTimeout(this.deadline);
    this.dropStream();
    this.onEnd(this);
  }

  private tick(): void {
    if (this.stopped) return;
    if (this.stream) this.send();
    else void this.open();
  }

  /** Opens a keep-alive stream and sends the first refresh on it. */
  private async open(): Promise<void> {
    if (this.opening) return;
    this.opening = true;
    const gen = ++this.generation;
    let stream: KeepAliveStream;
    try {
      stream = await this.client.leaseClient.leaseKeepAlive();
    } catch {
      return; // etcd unreachable: the next tick tries again, until the lease runs out
    } finally {
      this.opening = false;
    }
    if (this.stopped || gen !== this.generation) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    this.sent = [];
    stream.on('data', (res: ILeaseKeepAliveResponse) => this.answered(gen, res));
    stream.on('error', () => this.broken(gen));
    stream.on('end', () => this.broken(gen));
    this.send();
  }

  private send(): void {
    this.sent.push(Date.now());
    try {
      this.stream!.write({ ID: this.id });
    } catch {
      this.broken(this.generation); // write after the stream died: reopen on the next tick
    }
  }

  private answered(gen: number, res: ILeaseKeepAliveResponse): void {
    if (this.stopped || gen !== this.generation) return;
    const sentAt = this.sent.shift() ?? Date.now();
    const ttl = Number(res.TTL);
    // etcd answers TTL 0 for a lease it no longer has (expired, or revoked elsewhere).
    if (!(ttl > 0)) {
      this.lose('etcd no longer knows it (expired or revoked)');
      return;
    }
    const expiresAt = sentAt + ttl * 1000;
    if (expiresAt > this.expiresAt) {
      this.expiresAt = expiresAt;
      this.armDeadline();
    }
  }

  private broken(gen: number): void {
    if (gen !== this.generation) return;
    this.generation++;
    this.dropStream();
  }

  private dropStream(): void {
    const s = this.stream;
    this.stream = undefined;
    this.sent = [];
    try {
      s?.cancel();
    } catch {
      // already gone
    }
  }

  private lose(why: string): void {
    if (this.stopped) return;
    this.stop();
    // etcd may still hold the lease (after an etcd restart it restarts every TTL): revoke
    // it best-effort so its keys go now rather than one more TTL later.
    this.client.leaseClient.leaseRevoke({ ID: this.id }).catch(() => undefined);
    this.loss.fire(leaseLostError('etcd', this.id, why));
  }
}
