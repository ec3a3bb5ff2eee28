/**
 * The StateStore contract shared by every driver (embedded, etcd). Keys are strings
 * with '/' separators; values are UTF-8 strings (JSON by convention). Revisions are
 * store-wide and strictly increase with every committed write.
 */

/** A stored key with its value and revisions. */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the write that created this key (since its last deletion). */
  createRevision: number;
  /** Revision of the last write to this key. */
  modRevision: number;
}

/** A condition a transaction checks before committing. */
export type Compare =
  /** The key's modRevision equals `modRevision` (0 means "the key must not exist"). */
  | { key: string; modRevision: number }
  /** The key's value equals `value`. */
  | { key: string; value: string };

/** One write in a transaction. */
export type Op =
  /** `lease`: id of a Lease from grantLease; the key is deleted when the lease ends. */
  | { type: 'put'; key: string; value: string; lease?: string }
  | { type: 'delete'; key: string }
  | { type: 'deletePrefix'; prefix: string };

/** Outcome of a transaction. */
export interface TxnResult {
  succeeded: boolean;
  /** Store revision after the transaction (unchanged when it did not succeed). */
  revision: number;
}

/** One change seen by a watcher. */
export interface WatchEvent {
  type: 'put' | 'delete';
  key: string;
  /** Present for puts. */
  value?: string;
  modRevision: number;
}

/**
 * A time-limited grant that keys can be attached to (host registrations). The store keeps
 * it alive in the background (refreshing well within the TTL) until `revoke()` or the
 * store's `close()`. If the holder dies (kill -9), refreshes stop, the lease expires after
 * its TTL and every attached key is deleted — watchers see ordinary delete events.
 */
export interface Lease {
  id: string;
  ttlSeconds: number;
  /** Ends the lease now, deleting its keys. */
  revoke(): Promise<void>;
  /** Called once if the lease expired or could not be refreshed (its keys are gone). */
  onLost(cb: (err: Error) => void): void;
}

/** A live watch; `close()` stops delivery. */
export interface Watch {
  close(): Promise<void>;
}

/** Callbacks of a watch. */
export interface WatchHandlers {
  /** Events in revision order, batched per committed transaction where the driver can. */
  onEvents(events: WatchEvent[]): void;
  /**
   * The driver could not deliver every event since the requested revision (compaction,
   * reconnect gap): the watcher must re-list the prefix. `revision` is the list revision.
   */
  onResync?(revision: number): void;
  onError?(err: Error): void;
}

/** The state store interface every driver implements. */
export interface StateStore {
  /** Reads one key, or undefined. */
  get(key: string): Promise<KeyValue | undefined>;
  /**
   * The key's modRevision (0 when absent), without reading its value: tells whether a
   * large value changed at the cost of a small read.
   */
  modRevision(key: string): Promise<number>;
  /** Lists every key under `prefix` (sorted by key) and the store revision of the read. */
  list(prefix: string): Promise<{ items: KeyValue[]; revision: number }>;
  /** Writes one key (attached to `opts.lease` if given); returns the new store revision. */
  put(key: string, value: string, opts?: { lease?: Lease }): Promise<number>;
  /** Grants a lease of `ttlSeconds` (at least 2) and keeps it alive until revoked or closed. */
  grantLease(ttlSeconds: number): Promise<Lease>;
  /** Deletes one key; returns the new store revision (unchanged if absent). */
  delete(key: string): Promise<number>;
  /** Applies `ops` atomically if every compare holds, else applies `orElse` (default none). */
  txn(compares: Compare[], ops: Op[], orElse?: Op[]): Promise<TxnResult>;
  /** Watches `prefix` for changes after `fromRevision` (exclusive). */
  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Promise<Watch>;
  /** Current store revision. */
  revision(): Promise<number>;
  /** Releases connections and file handles. */
  close(): Promise<void>;
}
