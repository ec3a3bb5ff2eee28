/**
 * Follows every key under a store prefix: one full read, then a watch from that read's
 * revision; when the store cannot replay what was missed (compaction, long outage) the
 * prefix is read again. The owner turns reads and events into its own view.
 */
import type { KeyValue, StateStore, Watch, WatchEvent } from '../state/store.js';

/** What the owner does with reads and changes. */
export interface FollowerHandlers {
  /** Replace the whole view with `items` (a consistent read at `revision`). */
  reset(items: KeyValue[], revision: number): void;
  /** Apply one committed batch of changes. */
  apply(events: WatchEvent[]): void;
  onError(err: Error): void;
}

/** Keeps a view of one prefix current. */
export class PrefixFollower {
  private watch?: Watch;
  private closed = false;

  /** Follows `prefix` of `store`, reporting to `handlers`. */
  constructor(
    private readonly store: StateStore,
    private readonly prefix: string,
    private readonly handlers: FollowerHandlers,
  ) {}

  /** Reads the prefix and starts watching; resolves once the first read is applied. */
  async start(): Promise<void> {
    const revision = await this.reload();
    if (this.closed) return;
    this.watch = await this.store.watch(this.prefix, revision, {
      onEvents: (events) => this.handlers.apply(events),
      onResync: () => void this.reload().catch((err: Error) => this.handlers.onError(err)),
      onError: (err) => this.handlers.onError(err),
    });
  }

  /** Stops watching. */
  async close(): Promise<void> {
    this.closed = true;
    await this.watch?.close();
  }

  private async reload(): Promise<number> {
    const { items, revision } = await this.store.list(this.prefix);
    this.handlers.reset(items, revision);
    return revision;
  }
}
