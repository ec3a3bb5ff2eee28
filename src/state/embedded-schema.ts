/**
 * On-disk layout of the embedded store: one SQLite database in WAL mode. Keys are
 * stored as BLOBs so that SQLite orders and ranges them by UTF-8 bytes, like etcd.
 *
 * `kv` and `log` are ordinary rowid tables with a unique index on their key. They were
 * `WITHOUT ROWID` tables up to schema version 2, where every column is part of the b-tree
 * key: interior pages then hold whole rows, and rebalancing or deleting next to a large
 * value (the intent text, megabytes at 100,000 networks) copied that value again and
 * again. In a rowid table interior pages hold only integers and a large value sits in its
 * own overflow pages, which deletes around it never touch.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';

/** File name of the database inside the store directory; WAL and SHM files sit beside it. */
export const DB_FILE = 'store.db';

/** Schema version kept in `PRAGMA user_version`; 3 = rowid tables and the store_info marker. */
export const SCHEMA_VERSION = 3;

/** Integer codes of the `log.type` column. */
export const LOG_PUT = 0;
/** Integer code of a delete in the `log.type` column. */
export const LOG_DELETE = 1;

/** Tables every initialised store holds (schema version 3). */
export const REQUIRED_TABLES = ['meta', 'kv', 'log', 'leases', 'store_info'] as const;

const KV_TABLE = (name: string) => `CREATE TABLE IF NOT EXISTS ${name} (
  id INTEGER PRIMARY KEY,
  key BLOB NOT NULL UNIQUE,
  value TEXT NOT NULL,
  create_rev INTEGER NOT NULL,
  mod_rev INTEGER NOT NULL,
  lease INTEGER
)`;

const LOG_TABLE = (name: string) => `CREATE TABLE IF NOT EXISTS ${name} (
  id INTEGER PRIMARY KEY,
  rev INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  key BLOB NOT NULL,
  type INTEGER NOT NULL,
  value TEXT,
  UNIQUE (rev, seq)
)`;

/**
 * `store_info` holds the store's identity, written once when the store is created: a
 * store that has tables but no such row was emptied or replaced, and is refused.
 * AUTOINCREMENT keeps lease ids from ever being reused, so a holder that missed its
 * lease's expiry cannot refresh a newer lease with the same id.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  revision INTEGER NOT NULL,
  compacted INTEGER NOT NULL,
  log_rows INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (id, revision, compacted, log_rows) VALUES (1, 0, 0, 0);
${KV_TABLE('kv')};
${LOG_TABLE('log')};
CREATE TABLE IF NOT EXISTS leases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ttl INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS store_info (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  store_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
`;

/** Needs kv.lease, which version 1 files lack until migrated. */
const LEASE_INDEX = 'CREATE INDEX IF NOT EXISTS kv_lease ON kv (lease) WHERE lease IS NOT NULL';

/** The identity row of an initialised store. */
export interface StoreInfo {
  store_id: string;
  created_at: number;
}

/**
 * Sets the connection pragmas.
 * synchronous=FULL: in WAL mode NORMAL already survives a killed process, but FULL
 * also fsyncs the WAL on every commit, so a write acknowledged to netmaster's caller
 * survives a power loss too; the cost is one fsync per transaction, and applies are
 * single large transactions.
 */
export function setPragmas(db: Database.Database, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = OFF');
}

/** Names of the tables `db` holds. */
export function tableNames(db: Database.Database): Set<string> {
  return new Set(db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name));
}

/** The store's identity row, or undefined when there is none. */
export function readStoreInfo(db: Database.Database): StoreInfo | undefined {
  return db.prepare<[], StoreInfo>('SELECT store_id, created_at FROM store_info WHERE id = 1').get();
}

/** Whether `table` still has the version-2 layout (no `id` rowid alias). */
function withoutRowid(db: Database.Database, table: string): boolean {
  return !db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all().some((c) => c.name === 'id');
}

/** Copies a version 1/2 `WITHOUT ROWID` table into the rowid layout, under the same name. */
function toRowid(db: Database.Database, table: 'kv' | 'log', columns: string): void {
  const fresh = `${table}_v${SCHEMA_VERSION}`;
  db.exec(`${table === 'kv' ? KV_TABLE(fresh) : LOG_TABLE(fresh)};
    INSERT INTO ${fresh} (${columns}) SELECT ${columns} FROM ${table};
    DROP TABLE ${table};
    ALTER TABLE ${fresh} RENAME TO ${table};`);
}

/**
 * Creates the schema if missing and migrates older versions, in one IMMEDIATE
 * transaction (another process opening at the same time waits, then sees it done).
 * `storeId` is recorded as the store's identity when the store has none yet (a new
 * store, or one written before version 3); returns the identity the store holds.
 */
export function initSchema(db: Database.Database, storeId: string = randomUUID()): StoreInfo {
  const create = db.transaction((): StoreInfo => {
    db.exec(SCHEMA);
    const columns = db.prepare<[], { name: string }>('PRAGMA table_info(kv)').all();
    if (!columns.some((c) => c.name === 'lease')) db.exec('ALTER TABLE kv ADD COLUMN lease INTEGER');
    if (withoutRowid(db, 'kv')) toRowid(db, 'kv', 'key, value, create_rev, mod_rev, lease');
    if (withoutRowid(db, 'log')) toRowid(db, 'log', 'rev, seq, key, type, value');
    db.exec(LEASE_INDEX);
    db.prepare('INSERT OR IGNORE INTO store_info (id, store_id, created_at) VALUES (1, ?, ?)').run(storeId, Date.now());
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return readStoreInfo(db)!;
  });
  return create.immediate();
}
