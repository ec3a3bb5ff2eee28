/**
 * On-disk layout of the embedded store: one SQLite database in WAL mode. Keys are
 * stored as BLOBs so that SQLite orders and ranges them by UTF-8 bytes, like etcd.
 */
import type Database from 'better-sqlite3';

/** File name of the database inside the store directory; WAL and SHM files sit beside it. */
export const DB_FILE = 'store.db';

/** Schema version kept in `PRAGMA user_version`. */
export const SCHEMA_VERSION = 2;

/** Integer codes of the `log.type` column. */
export const LOG_PUT = 0;
/** Integer code of a delete in the `log.type` column. */
export const LOG_DELETE = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  revision INTEGER NOT NULL,
  compacted INTEGER NOT NULL,
  log_rows INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (id, revision, compacted, log_rows) VALUES (1, 0, 0, 0);
CREATE TABLE IF NOT EXISTS kv (
  key BLOB PRIMARY KEY,
  value TEXT NOT NULL,
  create_rev INTEGER NOT NULL,
  mod_rev INTEGER NOT NULL,
  lease INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log (
  rev INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  key BLOB NOT NULL,
  type INTEGER NOT NULL,
  value TEXT,
  PRIMARY KEY (rev, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS leases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ttl INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
`;

/**
 * Runs after SCHEMA: version 1 files lack kv.lease. The index is created here because
 * it needs the column. AUTOINCREMENT above keeps lease ids from ever being reused, so a
 * holder that missed its lease's expiry cannot refresh a newer lease with the same id.
 */
const LEASE_INDEX = 'CREATE INDEX IF NOT EXISTS kv_lease ON kv (lease) WHERE lease IS NOT NULL';

/**
 * Sets the connection pragmas and creates the schema if missing.
 * synchronous=FULL: in WAL mode NORMAL already survives a killed process, but FULL
 * also fsyncs the WAL on every commit, so a write acknowledged to netmaster's caller
 * survives a power loss too; the cost is one fsync per transaction, and applies are
 * single large transactions.
 */
export function initSchema(db: Database.Database, busyTimeoutMs: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = OFF');
  const create = db.transaction(() => {
    db.exec(SCHEMA);
    const columns = db.prepare<[], { name: string }>('PRAGMA table_info(kv)').all();
    if (!columns.some((c) => c.name === 'lease')) db.exec('ALTER TABLE kv ADD COLUMN lease INTEGER');
    db.exec(LEASE_INDEX);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  });
  create.immediate();
}
