/**
 * Opening the embedded store's files safely: the directory is 0700 and every file 0600
 * (modes of existing ones are fixed at open), a new store appears whole or not at all,
 * and a store that was initialised once but is now missing, empty, damaged or not
 * netplugin's is refused with NP_STORE_CORRUPT instead of being served as an empty store
 * (agents would then tear every endpoint down).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { NetpluginError } from '../common/errors.js';
import { DB_FILE, REQUIRED_TABLES, initSchema, readStoreInfo, setPragmas, tableNames } from './embedded-schema.js';

/** Mode of the store directory: only its owner (root) may list or enter it. */
export const STORE_DIR_MODE = 0o700;
/** Mode of store.db, its -wal and -shm files, and the marker file. */
export const STORE_FILE_MODE = 0o600;
/**
 * Written beside store.db once the store exists, holding its id (also kept inside the
 * database): with it, a store.db that went missing is told apart from a new directory.
 */
export const MARKER_FILE = 'store.id';

/** Files of a store directory whose mode open() fixes. */
const STORE_FILES = [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, MARKER_FILE];

/** What an operator can do about a refused store. */
const REMEDY = 'restore the directory from a backup, or move it away to start with an empty store';

/** The stable error for a store that must not be served. */
export function storeRefused(dir: string, why: string, details: Record<string, unknown> = {}): NetpluginError {
  return new NetpluginError('NP_STORE_CORRUPT', `embedded store in ${dir} refused: ${why}; ${REMEDY}`, { driver: 'embedded', dir, ...details });
}

/** Whether a driver error means the file's contents are damaged (not busy, not permissions). */
export function isCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Makes `dir` (0700) if missing and takes group and other access away if it exists. */
function prepareDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: STORE_DIR_MODE });
  if ((statSync(dir).mode & 0o777) !== STORE_DIR_MODE) chmodSync(dir, STORE_DIR_MODE);
}

/** Sets every store file that exists to 0600 (files written by older versions were 0644). */
export function fixFileModes(dir: string): void {
  for (const name of STORE_FILES) {
    const st = statOrUndefined(join(dir, name));
    if (st && (st.mode & 0o777) !== STORE_FILE_MODE) chmodSync(join(dir, name), STORE_FILE_MODE);
  }
}

/** Flushes the directory entry changes (a link or rename) to disk. */
function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The id in the marker file, or undefined when there is none. */
function readMarker(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, MARKER_FILE), 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes the marker file atomically (temp file, fsync, rename). */
function writeMarker(dir: string, storeId: string): void {
  const tmp = join(dir, `${MARKER_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
  const fd = openSync(tmp, 'wx', STORE_FILE_MODE);
  try {
    writeSync(fd, `${storeId}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, MARKER_FILE));
  fsyncDir(dir);
}

/**
 * Builds a complete new database under a temporary name and links it into place, so no
 * process ever sees a half-made (say zero-length) store.db. When another process wins
 * the race the link fails with EEXIST and its store is used.
 */
function createFresh(dir: string, busyTimeoutMs: number): void {
  const tmp = join(dir, `${DB_FILE}.new.${process.pid}.${randomBytes(4).toString('hex')}`);
  closeSync(openSync(tmp, 'wx', STORE_FILE_MODE));
  try {
    const db = new Database(tmp, { timeout: busyTimeoutMs });
    try {
      setPragmas(db, busyTimeoutMs);
      initSchema(db, randomUUID());
    } finally {
      db.close(); // checkpoints the WAL into the file and removes -wal and -shm
    }
    try {
      linkSync(tmp, join(dir, DB_FILE));
      fsyncDir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  } finally {
    unlinkSync(tmp);
  }
}

/** Runs `PRAGMA quick_check` and refuses the store unless it says ok. */
function quickCheck(db: Database.Database, dir: string): void {
  const rows = db.pragma('quick_check(5)') as Array<{ quick_check: string }>;
  const found = rows.map((r) => r.quick_check);
  if (found.length !== 1 || found[0] !== 'ok') throw storeRefused(dir, `quick_check found damage: ${found.join('; ')}`, { check: found });
}

/**
 * Opens the database of the store in `dir`, creating a new store when the directory
 * holds none. Throws NP_STORE_CORRUPT for a store that was initialised and is now
 * missing, empty, damaged or replaced, NP_STORE_UNAVAILABLE-style driver errors as they are.
 */
export function openStoreDatabase(dir: string, busyTimeoutMs: number): Database.Database {
  prepareDir(dir);
  const file = join(dir, DB_FILE);
  const marker = readMarker(dir);
  let st = statOrUndefined(file);
  if (!st) {
    if (marker !== undefined) throw storeRefused(dir, `${DB_FILE} is missing, but ${MARKER_FILE} shows store ${marker} was created here`, { storeId: marker });
    createFresh(dir, busyTimeoutMs);
    st = statSync(file);
  }
  if (st.size === 0) throw storeRefused(dir, `${DB_FILE} is empty (0 bytes)`);
  fixFileModes(dir);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: busyTimeoutMs, fileMustExist: true });
    setPragmas(db, busyTimeoutMs);
    quickCheck(db, dir);
    const tables = tableNames(db);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version >= 3 || marker !== undefined) {
      const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
      if (missing.length > 0) throw storeRefused(dir, `${DB_FILE} lacks the tables ${missing.join(', ')}`, { missing });
      if (!readStoreInfo(db)) throw storeRefused(dir, `${DB_FILE} lacks its store_info marker row (it was emptied or replaced)`);
    } else if (!['meta', 'kv', 'log'].every((t) => tables.has(t))) {
      // Version 0: a database file, but never a netplugin store.
      throw storeRefused(dir, `${DB_FILE} holds no netplugin tables (schema version ${version})`);
    }
    const info = initSchema(db, marker ?? randomUUID());
    if (marker !== undefined && info.store_id !== marker) {
      throw storeRefused(dir, `${DB_FILE} is store ${info.store_id}, but ${MARKER_FILE} says store ${marker} was created here`, { storeId: info.store_id, marker });
    }
    if (marker === undefined) writeMarker(dir, info.store_id);
    fixFileModes(dir);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof NetpluginError) throw err;
    if (isCorruption(err)) throw storeRefused(dir, `SQLite reports ${(err as { code: string }).code}: ${(err as Error).message}`, { sqliteCode: (err as { code: string }).code });
    throw err;
  }
}
