/**
 * The embedded StateStore driver: one SQLite database (WAL mode) in a directory that
 * several processes open at once. A store-wide revision lives in `meta`; every
 * committed transaction bumps it once and appends its net changes to `log`, which
 * watches read from. Writers serialise on SQLite's write lock (BEGIN IMMEDIATE).
 */
import { realpathSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { NetpluginError } from '../common/errors.js';
import { checkpointInWorker, type CheckpointResult } from './embedded-checkpoint.js';
import { ChangeFeed } from './embedded-feed.js';
import { isCorruption, openStoreDatabase, storeRefused } from './embedded-files.js';
import { EmbeddedLease, type EmbeddedLeaseHost } from './embedded-lease.js';
import { DB_FILE, LOG_DELETE, LOG_PUT } from './embedded-schema.js';
import { checkLeaseTtl, leaseNotFound } from './lease.js';
import { keyBytes, prefixEnd } from './range.js';
import type {
  Compare,
  KeyValue,
  Lease,
  Op,
  StateStore,
  TxnResult,
  Watch,
  WatchEvent,
  WatchHandlers,
} from './store.js';
import { nextTurn, runSliced, SLICE_MS } from '../common/sliced.js';
import { planTxnSteps, type TxnPlan } from './txnplan.js';

/** Tuning knobs of the embedded store; the defaults suit netmaster and netagent. */
export interface EmbeddedOptions {
  /** Log rows older than this many revisions are compacted (default 10,000). */
  retainRevisions?: number;
  /** Upper bound on log rows kept, whole revisions at a time (default 500,000). */
  maxLogRows?: number;
  /** Safety poll period in ms when inotify is quiet (default 1000; 0 disables). */
  safetyPollMs?: number;
  /** How long a writer waits for another process's write lock, in ms (default 10,000). */
  busyTimeoutMs?: number;
  /** Period in ms of the sweep that deletes the keys of expired leases (default 1000; 0: only at open). */
  leaseSweepMs?: number;
  /** How long a write transaction runs before the event loop gets a turn, in ms (default WRITE_SLICE_MS). */
  writeSliceMs?: number;
}

interface MetaRow {
  revision: number;
  compacted: number;
  log_rows: number;
}

interface KvRow {
  key: Buffer;
  value: string;
  create_rev: number;
  mod_rev: number;
}

interface LogRow {
  rev: number;
  key: Buffer;
  type: number;
  value: string | null;
}

interface EmbeddedWatch {
  prefix: string;
  last: number;
  handlers: WatchHandlers;
  closed: boolean;
}

/**
 * How long a write transaction runs before it lets the event loop turn (ms). A
 * transaction of 100,000 keys takes a second or more; sliced, the process keeps
 * answering (reads go to a second connection, which sees only committed data).
 */
const WRITE_SLICE_MS = SLICE_MS;


/**
 * The write turn of one store directory in this process. Handles of the same directory
 * share it: while one runs a sliced write across event-loop turns, another must not
 * start one on its own connection (SQLite would make it wait for a lock that this very
 * thread holds, until busy_timeout).
 */
interface WriteTurn {
  chain: Promise<unknown>;
  writing: boolean;
}

/** Write turns per directory (realpath) in this process. */
const WRITE_TURNS = new Map<string, WriteTurn>();

/** Open stores per directory in this process, so a commit wakes sibling handles at once. */
const OPEN_STORES = new Map<string, Set<EmbeddedStore>>();

/** Converts a stored row to the public shape. */
function toKeyValue(row: KvRow): KeyValue {
  return {
    key: row.key.toString('utf8'),
    value: row.value,
    createRevision: row.create_rev,
    modRevision: row.mod_rev,
  };
}


/** The single-host StateStore on SQLite, shared by every process that opens the directory. */
export class EmbeddedStore implements StateStore {
  /** The writer connection: transactions, leases, compaction; one write at a time (see `exclusive`). */
  private readonly db: Database.Database;
  /** The reader connection: every get, list and watch poll, never blocked by this handle's open write. */
  private readonly rdb: Database.Database;
  private readonly dirKey: string;
  private readonly feed: ChangeFeed;
  private readonly watches = new Set<EmbeddedWatch>();
  private readonly retainRevisions: number;
  private readonly maxLogRows: number;
  private closed = false;
  private readonly st: ReturnType<EmbeddedStore['prepare']>;
  private readonly rd: ReturnType<EmbeddedStore['prepareReads']>;
  /** The directory's write turn, shared with sibling handles in this process. */
  private readonly turn: WriteTurn;
  /** Leases this handle keeps alive, by id. */
  private readonly leases = new Map<number, EmbeddedLease>();
  private readonly sweepTimer: NodeJS.Timeout | undefined;
  private readonly leaseHost: EmbeddedLeaseHost = {
    refresh: (id, ttl) => this.refreshLease(id, ttl),
    revoke: (id) => this.revokeLease(id),
    sweep: () => this.sweepLeases(),
    release: (lease) => this.leases.delete(lease.num),
  };

  /** The background checkpoint after a large commit, while it runs. */
  private checkpointing: Promise<CheckpointResult> | undefined;
  private readonly busyTimeoutMs: number;
  private readonly writeSliceMs: number;

  /** A damage found at runtime (SQLITE_CORRUPT on a read); from then on every call fails with it. */
  private fault: NetpluginError | undefined;

  /**
   * Opens the store in `dir`, creating it when the directory holds none; safe while other
   * processes have it open. Throws NP_STORE_CORRUPT for a store that was initialised and
   * is now missing, empty or damaged (see embedded-files.ts), NP_STORE_UNAVAILABLE when
   * it cannot be opened at all.
   */
  static open(dir: string, options: EmbeddedOptions = {}): EmbeddedStore {
    let db: Database.Database;
    try {
      db = openStoreDatabase(dir, options.busyTimeoutMs ?? 10_000);
    } catch (err) {
      if (err instanceof NetpluginError) throw err;
      throw new NetpluginError('NP_STORE_UNAVAILABLE', `cannot open embedded store in ${dir}: ${(err as Error).message}`, {
        driver: 'embedded',
        dir,
        sqliteCode: (err as { code?: string }).code,
      });
    }
    let rdb: Database.Database | undefined;
    try {
      rdb = new Database(join(dir, DB_FILE), { timeout: options.busyTimeoutMs ?? 10_000, fileMustExist: true });
      rdb.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
      return new EmbeddedStore(db, rdb, realpathSync(dir), options);
    } catch (err) {
      db.close();
      rdb?.close();
      throw new NetpluginError('NP_STORE_UNAVAILABLE', `cannot open embedded store in ${dir}: ${(err as Error).message}`, { driver: 'embedded', dir });
    }
  }

  /**
   * Wraps a driver failure in the stable store error. Damage (SQLITE_CORRUPT,
   * SQLITE_NOTADB) becomes NP_STORE_CORRUPT and sticks: a store that returned it once is
   * not trusted for any later read, and health reports it.
   */
  private unavailable(op: string, err: unknown): NetpluginError {
    if (err instanceof NetpluginError) return err;
    const e = err as { message?: string; code?: string };
    if (isCorruption(err)) {
      this.fault ??= storeRefused(this.dirKey, `${op} failed with ${e.code}: ${e.message}`, { op, sqliteCode: e.code });
      return this.fault;
    }
    return new NetpluginError('NP_STORE_UNAVAILABLE', `embedded store ${op} failed: ${e?.message ?? String(err)}`, {
      driver: 'embedded',
      op,
      sqliteCode: e?.code,
    });
  }

  private constructor(db: Database.Database, rdb: Database.Database, dir: string, options: EmbeddedOptions) {
    this.db = db;
    this.rdb = rdb;
    this.dirKey = dir;
    this.retainRevisions = Math.max(1, options.retainRevisions ?? 10_000);
    this.busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
    this.writeSliceMs = options.writeSliceMs ?? WRITE_SLICE_MS;
    this.maxLogRows = Math.max(1, options.maxLogRows ?? 500_000);
    this.st = this.prepare();
    this.rd = this.prepareReads();
    let turn = WRITE_TURNS.get(dir);
    if (!turn) WRITE_TURNS.set(dir, (turn = { chain: Promise.resolve(), writing: false }));
    this.turn = turn;
    this.feed = new ChangeFeed(dir, options.safetyPollMs ?? 1000, () => this.pollWatches());
    let peers = OPEN_STORES.get(dir);
    if (!peers) OPEN_STORES.set(dir, (peers = new Set()));
    peers.add(this);
    this.trySweep();
    const sweepMs = options.leaseSweepMs ?? 1000;
    if (sweepMs > 0) {
      this.sweepTimer = setInterval(() => this.trySweep(), sweepMs);
      // Housekeeping must not keep a process alive on its own.
      this.sweepTimer.unref();
    }
  }

  private prepare() {
    const db = this.db;
    return {
      meta: db.prepare<[], MetaRow>('SELECT revision, compacted, log_rows FROM meta WHERE id = 1'),
      setMeta: db.prepare<[number, number, number]>(
        'UPDATE meta SET revision = ?, compacted = ?, log_rows = ? WHERE id = 1',
      ),
      get: db.prepare<[Buffer], KvRow>('SELECT key, value, create_rev, mod_rev FROM kv WHERE key = ?'),
      keysRange: db.prepare<[Buffer, Buffer], { key: Buffer }>(
        'SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key',
      ),
      keysFrom: db.prepare<[Buffer], { key: Buffer }>('SELECT key FROM kv WHERE key >= ? ORDER BY key'),
      upsert: db.prepare<[Buffer, string, number, number, number | null]>(
        `INSERT INTO kv (key, value, create_rev, mod_rev, lease) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, mod_rev = excluded.mod_rev, lease = excluded.lease`,
      ),
      leaseInsert: db.prepare<[number, number]>('INSERT INTO leases (ttl, expires_at) VALUES (?, ?)'),
      leaseRefresh: db.prepare<[number, number, number]>(
        'UPDATE leases SET expires_at = ? WHERE id = ? AND expires_at > ?',
      ),
      leaseLive: db.prepare<[number, number], { id: number }>('SELECT id FROM leases WHERE id = ? AND expires_at > ?'),
      leaseAnyExpired: db.prepare<[number], { id: number }>('SELECT id FROM leases WHERE expires_at <= ? LIMIT 1'),
      leaseExpired: db.prepare<[number], { id: number }>('SELECT id FROM leases WHERE expires_at <= ?'),
      leaseKeys: db.prepare<[number], { key: Buffer }>('SELECT key FROM kv WHERE lease = ?'),
      leaseDelete: db.prepare<[number]>('DELETE FROM leases WHERE id = ?'),
      del: db.prepare<[Buffer]>('DELETE FROM kv WHERE key = ?'),
      logInsert: db.prepare<[number, number, Buffer, number, string | null]>(
        'INSERT INTO log (rev, seq, key, type, value) VALUES (?, ?, ?, ?, ?)',
      ),
      logCut: db.prepare<[number], { rev: number }>(
        'SELECT rev FROM log ORDER BY rev DESC, seq DESC LIMIT 1 OFFSET ?',
      ),
      logCompact: db.prepare<[number]>('DELETE FROM log WHERE rev <= ?'),
    };
  }

  /** Statements of the reader connection. */
  private prepareReads() {
    const db = this.rdb;
    return {
      meta: db.prepare<[], MetaRow>('SELECT revision, compacted, log_rows FROM meta WHERE id = 1'),
      get: db.prepare<[Buffer], KvRow>('SELECT key, value, create_rev, mod_rev FROM kv WHERE key = ?'),
      modRev: db.prepare<[Buffer], { mod_rev: number }>('SELECT mod_rev FROM kv WHERE key = ?'),
      listRange: db.prepare<[Buffer, Buffer], KvRow>(
        'SELECT key, value, create_rev, mod_rev FROM kv WHERE key >= ? AND key < ? ORDER BY key',
      ),
      listFrom: db.prepare<[Buffer], KvRow>(
        'SELECT key, value, create_rev, mod_rev FROM kv WHERE key >= ? ORDER BY key',
      ),
      logRange: db.prepare<[number, number, Buffer, Buffer], LogRow>(
        `SELECT rev, key, type, value FROM log
         WHERE rev > ? AND rev <= ? AND key >= ? AND key < ? ORDER BY rev, seq`,
      ),
      logFrom: db.prepare<[number, number, Buffer], LogRow>(
        'SELECT rev, key, type, value FROM log WHERE rev > ? AND rev <= ? AND key >= ? ORDER BY rev, seq',
      ),
    };
  }

  /** Runs `fn` after every earlier write on this directory in this process, as the only writer. */
  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const turn = this.turn;
    const run = turn.chain.then(async () => {
      this.ensureOpen();
      turn.writing = true;
      try {
        return await fn();
      } finally {
        turn.writing = false;
      }
    });
    turn.chain = run.catch(() => undefined);
    return run;
  }

  /** Throws while a sliced write is under way here (timer-driven writes then wait for their next period). */
  private ensureWriterIdle(): void {
    if (this.turn.writing) throw new NetpluginError('NP_STORE_UNAVAILABLE', 'embedded store is busy with a write', { driver: 'embedded' });
  }

  private ensureOpen(): void {
    if (this.closed) {
      throw new NetpluginError('NP_STORE_UNAVAILABLE', 'embedded store is closed', { driver: 'embedded' });
    }
    if (this.fault) throw this.fault;
  }

  /** Reads one key, or undefined. */
  async get(key: string): Promise<KeyValue | undefined> {
    this.ensureOpen();
    try {
      const row = this.rd.get.get(keyBytes(key));
      return row ? toKeyValue(row) : undefined;
    } catch (err) {
      throw this.unavailable('get', err);
    }
  }

  /** The key's modRevision (0 when absent); the value never reaches JavaScript. */
  async modRevision(key: string): Promise<number> {
    this.ensureOpen();
    try {
      return this.rd.modRev.get(keyBytes(key))?.mod_rev ?? 0;
    } catch (err) {
      throw this.unavailable('modRevision', err);
    }
  }

  /** Lists every key under `prefix` (byte order) with the revision of the same snapshot. */
  async list(prefix: string): Promise<{ items: KeyValue[]; revision: number }> {
    this.ensureOpen();
    try {
      const read = this.rdb.transaction(() => {
        const revision = this.rd.meta.get()!.revision;
        const start = keyBytes(prefix);
        const end = prefixEnd(prefix);
        const rows = end ? this.rd.listRange.all(start, end) : this.rd.listFrom.all(start);
        return { items: rows.map(toKeyValue), revision };
      });
      return read.deferred();
    } catch (err) {
      throw this.unavailable('list', err);
    }
  }

  /** Writes one key (attached to `opts.lease` if given); returns the new store revision. */
  async put(key: string, value: string, opts: { lease?: Lease } = {}): Promise<number> {
    const lease = opts.lease?.id;
    return (await this.txn([], [lease === undefined ? { type: 'put', key, value } : { type: 'put', key, value, lease }])).revision;
  }

  /** Deletes one key; returns the store revision (unchanged when the key was absent). */
  async delete(key: string): Promise<number> {
    return (await this.txn([], [{ type: 'delete', key }])).revision;
  }

  /**
   * Checks the compares and applies `ops` or `orElse` in one IMMEDIATE transaction. A
   * large transaction is applied in slices of WRITE_SLICE_MS with the event loop turning
   * in between; it still commits (or rolls back) as one.
   */
  async txn(compares: Compare[], ops: Op[], orElse: Op[] = []): Promise<TxnResult> {
    this.ensureOpen();
    let changed = false;
    const result = await this.exclusive(async (): Promise<TxnResult> => {
      // Folded in slices before the write lock is taken (100,000 ops take ~100 ms), inside
      // the turn so that writes still commit in the order they were called.
      const thenPlan = await runSliced(planTxnSteps(ops));
      const elsePlan = await runSliced(planTxnSteps(orElse));
      if (this.closed) throw new NetpluginError('NP_STORE_UNAVAILABLE', 'embedded store closed during a write', { driver: 'embedded' });
      try {
        this.db.exec('BEGIN IMMEDIATE');
      } catch (err) {
        throw this.unavailable('txn', err);
      }
      try {
        const before = this.st.meta.get()!;
        const succeeded = compares.every((c) => this.holds(c));
        // A transaction that fits one slice runs and commits without ever yielding.
        const steps = this.apply(succeeded ? thenPlan : elsePlan, before);
        let step = steps.next();
        const sliced = !step.done;
        while (!step.done) {
          await nextTurn();
          if (this.closed) throw new NetpluginError('NP_STORE_UNAVAILABLE', 'embedded store closed during a write', { driver: 'embedded' });
          step = steps.next();
        }
        const revision = step.value;
        if (sliced) {
          await this.flushWal();
          if (this.closed) throw new NetpluginError('NP_STORE_UNAVAILABLE', 'embedded store closed during a write', { driver: 'embedded' });
        }
        if (sliced) this.commitWithoutCheckpoint();
        else this.db.exec('COMMIT');
        changed = revision !== before.revision;
        return { succeeded, revision };
      } catch (err) {
        if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
        throw this.unavailable('txn', err);
      }
    });
    if (changed) this.notifyPeers();
    return result;
  }

  /**
   * Flushes what a large transaction has written to the WAL so far, on libuv's thread
   * pool. COMMIT then has little left to sync (its fsync of tens of MB took 100-200 ms of
   * the event loop); a failure here is left for COMMIT to meet and report.
   */
  private async flushWal(): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(join(this.dirKey, `${DB_FILE}-wal`), 'r');
      await handle.datasync();
    } catch {
      // COMMIT syncs anyway.
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  /**
   * Commits a large transaction without SQLite's automatic checkpoint (which would copy
   * and sync everything it wrote, with the event loop held), then has a worker thread
   * checkpoint. Until that finishes, readers read the frames from the WAL as always.
   */
  private commitWithoutCheckpoint(): void {
    const every = this.db.pragma('wal_autocheckpoint', { simple: true }) as number;
    this.db.pragma('wal_autocheckpoint = 0');
    try {
      this.db.exec('COMMIT');
    } finally {
      this.db.pragma(`wal_autocheckpoint = ${every}`);
    }
    if (this.checkpointing) return;
    this.checkpointing = checkpointInWorker(join(this.dirKey, DB_FILE), this.busyTimeoutMs).finally(() => {
      this.checkpointing = undefined;
    });
  }

  /** True when one compare holds against the current rows. */
  private holds(c: Compare): boolean {
    const row = this.st.get.get(keyBytes(c.key));
    if ('modRevision' in c) return (row?.mod_rev ?? 0) === c.modRevision;
    // Like etcd: a value compare on a missing key fails.
    return row !== undefined && row.value === c.value;
  }

  /**
   * Applies a plan inside the open transaction; returns the resulting store revision.
   * Yields (nothing) whenever a slice of WRITE_SLICE_MS is used up, checked every 64 rows.
   */
  private *apply(plan: TxnPlan, meta: MetaRow): Generator<void, number, void> {
    const leaseOf = this.liveLeases(plan);
    const rev = meta.revision + 1;
    let seq = 0;
    let sliceStart = performance.now();
    let n = 0;
    const due = (): boolean => {
      if ((++n & 63) !== 0 || performance.now() - sliceStart < this.writeSliceMs) return false;
      sliceStart = performance.now();
      return true;
    };
    const remove = (key: Buffer): void => {
      if (this.st.del.run(key).changes > 0) this.st.logInsert.run(rev, seq++, key, LOG_DELETE, null);
    };
    for (const prefix of plan.prefixes) {
      const start = keyBytes(prefix);
      const end = prefixEnd(prefix);
      const rows = end ? this.st.keysRange.all(start, end) : this.st.keysFrom.all(start);
      for (const { key } of rows) {
        if (!plan.puts.has(key.toString('utf8'))) remove(key);
        if (due()) yield;
      }
    }
    for (const key of plan.deletes) {
      remove(keyBytes(key));
      if (due()) yield;
    }
    for (const [key, value] of plan.puts) {
      const k = keyBytes(key);
      const existing = this.st.get.get(k);
      this.st.upsert.run(k, value, existing ? existing.create_rev : rev, rev, leaseOf.get(key) ?? null);
      this.st.logInsert.run(rev, seq++, k, LOG_PUT, value);
      if (due()) yield;
    }
    if (seq === 0) return meta.revision;
    this.compactLog(rev, meta.compacted, meta.log_rows + seq);
    return rev;
  }

  /** Lease number of every leased put of `plan`; throws NP_NOT_FOUND (aborting the txn) for a lease that is not live. */
  private liveLeases(plan: TxnPlan): Map<string, number> {
    const out = new Map<string, number>();
    const now = Date.now();
    const checked = new Set<string>();
    for (const [key, id] of plan.leases) {
      const num = /^[1-9][0-9]{0,14}$/.test(id) ? Number(id) : 0;
      if (!checked.has(id)) {
        if (num === 0 || !this.st.leaseLive.get(num, now)) throw leaseNotFound('embedded', id);
        checked.add(id);
      }
      out.set(key, num);
    }
    return out;
  }

  /** Deletes lease `id` and its keys at revision `rev` from log position `seq`; returns the next seq. */
  private dropLease(id: number, rev: number, seq: number): number {
    for (const { key } of this.st.leaseKeys.all(id)) {
      this.st.del.run(key);
      this.st.logInsert.run(rev, seq++, key, LOG_DELETE, null);
    }
    this.st.leaseDelete.run(id);
    return seq;
  }

  /** Grants a lease of `ttlSeconds` and refreshes it every TTL/3 until revoked or closed. */
  async grantLease(ttlSeconds: number): Promise<Lease> {
    this.ensureOpen();
    checkLeaseTtl(ttlSeconds, 'embedded');
    const expiresAt = Date.now() + ttlSeconds * 1000;
    const num = await this.exclusive(() => {
      try {
        return Number(this.st.leaseInsert.run(ttlSeconds, expiresAt).lastInsertRowid);
      } catch (err) {
        throw this.unavailable('lease grant', err);
      }
    });
    const lease = new EmbeddedLease(num, ttlSeconds, expiresAt, this.leaseHost);
    this.leases.set(num, lease);
    return lease;
  }

  /** Pushes a live lease's expiry to now + TTL; undefined when it expired or is gone. */
  private refreshLease(id: number, ttlSeconds: number): number | undefined {
    if (this.closed) return undefined;
    // Throwing is a failed attempt: the lease retries at its next period while time is left.
    this.ensureWriterIdle();
    const now = Date.now();
    const expiresAt = now + ttlSeconds * 1000;
    return this.st.leaseRefresh.run(expiresAt, id, now).changes > 0 ? expiresAt : undefined;
  }

  /** Deletes a lease and its keys in one revision. */
  private async revokeLease(id: number): Promise<void> {
    this.ensureOpen();
    let changed = false;
    await this.exclusive(() => {
      try {
        const run = this.db.transaction(() => {
          const meta = this.st.meta.get()!;
          const seq = this.dropLease(id, meta.revision + 1, 0);
          if (seq > 0) this.compactLog(meta.revision + 1, meta.compacted, meta.log_rows + seq);
          changed = seq > 0;
        });
        run.immediate();
      } catch (err) {
        throw this.unavailable('lease revoke', err);
      }
    });
    if (changed) this.notifyPeers();
  }

  /**
   * Deletes every expired lease and its keys, all in one revision, so watchers in any
   * process see ordinary deletes. Every process sweeps; the expiry is re-read under the
   * write lock, so concurrent sweepers delete each lease once. Leases of this handle that
   * were swept are reported lost.
   */
  private sweepLeases(): void {
    // A sliced write holds the writer connection: this sweep waits for the next period.
    if (this.closed || this.turn.writing) return;
    // Cheap read first: the write lock is taken only when something has expired.
    if (!this.st.leaseAnyExpired.get(Date.now())) return;
    let expired: number[] = [];
    let changed = false;
    const run = this.db.transaction(() => {
      expired = this.st.leaseExpired.all(Date.now()).map((r) => r.id);
      if (expired.length === 0) return;
      const meta = this.st.meta.get()!;
      const rev = meta.revision + 1;
      let seq = 0;
      for (const id of expired) seq = this.dropLease(id, rev, seq);
      if (seq > 0) this.compactLog(rev, meta.compacted, meta.log_rows + seq);
      changed = seq > 0;
    });
    run.immediate();
    if (changed) this.notifyPeers();
    for (const id of expired) this.leases.get(id)?.lost('it expired before it was refreshed');
  }

  /** A sweep whose failure (lock busy past busy_timeout) waits for the next period. */
  private trySweep(): void {
    try {
      this.sweepLeases();
    } catch {
      // Any process's next sweep catches up; nothing is lost by waiting.
    }
  }

  /** Drops log rows beyond the retention window and row cap, whole revisions at a time. */
  private compactLog(rev: number, compacted: number, logRows: number): void {
    let cut = Math.max(compacted, rev - this.retainRevisions);
    if (logRows > this.maxLogRows) {
      const row = this.st.logCut.get(this.maxLogRows);
      if (row && row.rev > cut) cut = row.rev;
    }
    cut = Math.min(cut, rev - 1); // the newest revision always stays watchable
    if (cut > compacted) {
      logRows -= this.st.logCompact.run(cut).changes;
      compacted = cut;
    }
    this.st.setMeta.run(rev, compacted, logRows);
  }

  /**
   * Compacts the change log up to `revision` (inclusive) now; watches behind it get
   * onResync. Normally automatic; exposed for operators and tests.
   */
  compact(revision: number): void {
    this.ensureOpen();
    this.ensureWriterIdle();
    const run = this.db.transaction(() => {
      const meta = this.st.meta.get()!;
      const cut = Math.min(revision, meta.revision);
      if (cut <= meta.compacted) return;
      const removed = this.st.logCompact.run(cut).changes;
      this.st.setMeta.run(meta.revision, cut, meta.log_rows - removed);
    });
    run.immediate();
  }

  /** Wakes every handle on this directory in this process; other processes wake via inotify. */
  private notifyPeers(): void {
    for (const s of OPEN_STORES.get(this.dirKey) ?? []) if (s.watches.size > 0) s.feed.kick();
  }

  /** Watches `prefix` for changes after `fromRevision`; one onEvents call per transaction. */
  async watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Promise<Watch> {
    this.ensureOpen();
    const w: EmbeddedWatch = { prefix, last: fromRevision, handlers, closed: false };
    this.watches.add(w);
    this.feed.start();
    this.feed.kick();
    return {
      close: async () => {
        w.closed = true;
        this.watches.delete(w);
        if (this.watches.size === 0) this.feed.stop();
      },
    };
  }

  /** Reads every watch's pending changes from one snapshot, then delivers them. */
  private pollWatches(): void {
    if (this.closed || this.watches.size === 0) return;
    const deliveries: Array<() => void> = [];
    try {
      const read = this.rdb.transaction(() => {
        const { revision, compacted } = this.rd.meta.get()!;
        for (const w of this.watches) {
          if (w.last >= revision) continue;
          if (w.last < compacted) {
            w.last = revision;
            deliveries.push(() => this.resync(w, revision, compacted));
            continue;
          }
          const batches = this.readLog(w.prefix, w.last, revision);
          w.last = revision;
          for (const events of batches) deliveries.push(() => w.closed || w.handlers.onEvents(events));
        }
      });
      read.deferred();
    } catch (err) {
      for (const w of this.watches) w.handlers.onError?.(this.unavailable('watch', err));
      return;
    }
    for (const deliver of deliveries) {
      try {
        deliver();
      } catch (err) {
        // A throwing handler must not stall other watches or lose later batches.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** Tells a watch it fell behind compaction and now continues after `revision`. */
  private resync(w: EmbeddedWatch, revision: number, compacted: number): void {
    if (w.closed) return;
    if (w.handlers.onResync) {
      w.handlers.onResync(revision);
      return;
    }
    w.handlers.onError?.(
      new NetpluginError('NP_STORE_UNAVAILABLE', `watch start revision was compacted (compacted up to ${compacted})`, {
        driver: 'embedded',
        compacted,
      }),
    );
  }

  /** Log rows of `prefix` in (from, to], grouped into one batch per revision. */
  private readLog(prefix: string, from: number, to: number): WatchEvent[][] {
    const start = keyBytes(prefix);
    const end = prefixEnd(prefix);
    const rows = end ? this.rd.logRange.all(from, to, start, end) : this.rd.logFrom.all(from, to, start);
    const batches: WatchEvent[][] = [];
    let current: WatchEvent[] = [];
    for (const row of rows) {
      if (current.length > 0 && current[0].modRevision !== row.rev) {
        batches.push(current);
        current = [];
      }
      const ev: WatchEvent = {
        type: row.type === LOG_PUT ? 'put' : 'delete',
        key: row.key.toString('utf8'),
        modRevision: row.rev,
      };
      if (row.type === LOG_PUT) ev.value = row.value ?? '';
      current.push(ev);
    }
    if (current.length > 0) batches.push(current);
    return batches;
  }

  /** Current store revision. */
  async revision(): Promise<number> {
    this.ensureOpen();
    try {
      return this.rd.meta.get()!.revision;
    } catch (err) {
      throw this.unavailable('revision', err);
    }
  }

  /**
   * Stops every watch, lease refresh and the sweep, and closes the database handle.
   * Leases are NOT revoked: a stopped process then looks exactly like a crashed one, and
   * its leased keys go after the TTL (swept by any process that has the store open).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const l of [...this.leases.values()]) l.stop();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.closed = true;
    for (const w of this.watches) w.closed = true;
    this.watches.clear();
    this.feed.stop();
    const peers = OPEN_STORES.get(this.dirKey);
    peers?.delete(this);
    if (peers && peers.size === 0) OPEN_STORES.delete(this.dirKey);
    // A write in flight sees `closed` at its next slice and rolls back; with none, close now.
    if (this.turn.writing) await this.turn.chain;
    this.db.close();
    this.rdb.close();
  }
}
