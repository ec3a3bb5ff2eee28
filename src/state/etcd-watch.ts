/**
 * One StateStore watch on etcd, on its own gRPC watch stream. The stream is driven
 * directly (not through etcd3's Watcher) because resuming must start right after the
 * last event delivered: etcd3's Watcher resumes from the response header revision,
 * which can skip events of a watcher still catching up, and it hides compact_revision.
 */
import type { Etcd3, IDuplexStream, IEvent, IWatchRequest, IWatchResponse } from 'etcd3';
import { NetpluginError } from '../common/errors.js';
import { keyBytes, prefixEnd } from './range.js';
import type { Watch, WatchEvent, WatchHandlers } from './store.js';

/** etcd's range_end meaning "every key from `key` on". */
const RANGE_END_ALL = Buffer.from([0]);

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 3000;

/** Converts one etcd event; delete events carry the deletion revision in kv.mod_revision. */
function toEvent(ev: IEvent): WatchEvent {
  const type = String(ev.type).toLowerCase() === 'delete' ? 'delete' : 'put';
  const out: WatchEvent = { type, key: ev.kv.key.toString('utf8'), modRevision: Number(ev.kv.mod_revision) };
  if (type === 'put') out.value = ev.kv.value.toString('utf8');
  return out;
}

/** A resilient prefix watch: reconnects, resumes after the last delivered revision, resyncs on compaction. */
export class EtcdWatch implements Watch {
  /** Revision of the last change delivered (or known to need no delivery). */
  private last: number;
  private generation = 0;
  private stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined;
  private closed = false;
  private backoff = BACKOFF_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private firstCreated: { resolve: () => void; reject: (e: Error) => void } | undefined;

  /** Prepares a watch of `prefix` for changes after `fromRevision`; call start(). */
  constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    fromRevision: number,
    private readonly handlers: WatchHandlers,
  ) {
    this.last = fromRevision;
  }

  /** Opens the stream; resolves once etcd confirmed the watch, rejects after `timeoutMs`. */
  start(timeoutMs: number): Promise<void> {
    const ready = new Promise<void>((resolve, reject) => {
      this.firstCreated = { resolve, reject };
    });
    const timer = setTimeout(() => {
      this.firstCreated?.reject(
        new NetpluginError('NP_STORE_UNAVAILABLE', `etcd watch on ${this.prefix} was not established in ${timeoutMs} ms`, {
          driver: 'etcd',
        }),
      );
      this.firstCreated = undefined;
      void this.close();
    }, timeoutMs);
    void this.connect();
    return ready.finally(() => clearTimeout(timer));
  }

  /** Opens a new stream asking for every change after `last`. */
  private async connect(): Promise<void> {
    if (this.closed) return;
    const gen = ++this.generation;
    let stream: IDuplexStream<IWatchRequest, IWatchResponse>;
    try {
      stream = await this.client.watchClient.watch();
    } catch (err) {
      this.broken(gen, err as Error);
      return;
    }
    if (gen !== this.generation || this.closed) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    stream.on('data', (res) => this.onResponse(gen, res));
    stream.on('error', (err) => this.broken(gen, err));
    stream.on('end', () => this.broken(gen, new Error('etcd watch stream ended')));
    stream.write({
      create_request: {
        key: keyBytes(this.prefix),
        range_end: prefixEnd(this.prefix) ?? RANGE_END_ALL,
        start_revision: String(this.last + 1),
        progress_notify: true,
      },
    });
  }

  /** Drops the current stream and reconnects after a growing delay. */
  private broken(gen: number, err: Error): void {
    if (gen !== this.generation || this.closed) return;
    this.generation++;
    this.dropStream();
    this.handlers.onError?.(
      new NetpluginError('NP_STORE_UNAVAILABLE', `etcd watch interrupted, reconnecting: ${err.message}`, {
        driver: 'etcd',
        resumeAfter: this.last,
      }),
    );
    this.scheduleReconnect(this.backoff);
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delayMs);
  }

  private dropStream(): void {
    const s = this.stream;
    this.stream = undefined;
    try {
      s?.cancel();
    } catch {
      // already gone
    }
  }

  /** Handles one watch response of the current stream. */
  private onResponse(gen: number, res: IWatchResponse): void {
    if (gen !== this.generation || this.closed) return;
    const compactRev = Number(res.compact_revision ?? 0);
    if (compactRev > 0) {
      this.generation++;
      this.dropStream();
      void this.resync(compactRev);
      return;
    }
    if (res.canceled) {
      this.broken(gen, new Error(`etcd cancelled the watch: ${res.cancel_reason || 'no reason given'}`));
      return;
    }
    if (res.created) {
      this.backoff = BACKOFF_MIN_MS;
      this.firstCreated?.resolve();
      this.firstCreated = undefined;
      return;
    }
    if (res.events.length === 0) {
      // Progress notification: etcd sends these only to watchers that are caught up.
      this.last = Math.max(this.last, Number(res.header.revision));
      return;
    }
    this.deliver(res.events.map(toEvent));
  }

  /** Delivers events one batch per revision, dropping any already delivered. */
  private deliver(events: WatchEvent[]): void {
    let batch: WatchEvent[] = [];
    const flush = (): void => {
      if (batch.length === 0 || this.closed) return;
      const b = batch;
      batch = [];
      this.last = b[0].modRevision;
      try {
        this.handlers.onEvents(b);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    };
    for (const ev of events) {
      if (ev.modRevision <= this.last) continue;
      if (batch.length > 0 && batch[0].modRevision !== ev.modRevision) flush();
      batch.push(ev);
    }
    flush();
  }

  /** The start revision was compacted: learn the current revision, tell the watcher, resume there. */
  private async resync(compactRev: number): Promise<void> {
    try {
      const res = await this.client.kv.range({ key: keyBytes(this.prefix), range_end: prefixEnd(this.prefix) ?? RANGE_END_ALL, count_only: true });
      if (this.closed) return;
      const revision = Number(res.header.revision);
      this.last = revision;
      if (this.handlers.onResync) this.handlers.onResync(revision);
      else {
        this.handlers.onError?.(
          new NetpluginError('NP_STORE_UNAVAILABLE', `etcd watch start revision was compacted (at ${compactRev})`, {
            driver: 'etcd',
            compactRevision: compactRev,
          }),
        );
      }
      // A created-but-compacted first attempt still counts as established.
      this.firstCreated?.resolve();
      this.firstCreated = undefined;
      void this.connect();
    } catch (err) {
      this.generation++;
      this.broken(this.generation, err as Error);
    }
  }

  /** Stops delivery and releases the stream. */
  async close(): Promise<void> {
    this.closed = true;
    this.generation++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.dropStream();
  }
}
