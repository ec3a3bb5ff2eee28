import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { NetpluginError } from '../common/errors.js';
import { EmbeddedStore } from './embedded.js';
import { MARKER_FILE, STORE_DIR_MODE, STORE_FILE_MODE } from './embedded-files.js';

const roots: string[] = [];
afterAll(() => {
  for (const d of roots) rmSync(d, { recursive: true, force: true });
});

/** A path inside a fresh temp directory (the store directory itself does not exist yet). */
function newDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'np-storefiles-'));
  roots.push(root);
  return join(root, 'store');
}

const OPTS = { safetyPollMs: 0, leaseSweepMs: 0 };
const modeOf = (path: string) => statSync(path).mode & 0o777;

/** Creates a store in `dir` holding `keys` keys, and closes it. */
async function initialised(dir: string, keys = 10): Promise<void> {
  const s = EmbeddedStore.open(dir, OPTS);
  await s.txn([], Array.from({ length: keys }, (_, i) => ({ type: 'put' as const, key: `/k/${String(i).padStart(6, '0')}`, value: `value-${i}-${'v'.repeat(100)}` })));
  await s.close();
}

/** The error EmbeddedStore.open throws for `dir`, which must be a NetpluginError. */
function openError(dir: string): NetpluginError {
  let err: unknown;
  try {
    EmbeddedStore.open(dir, OPTS);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(NetpluginError);
  return err as NetpluginError;
}

/** Overwrites page `pageno` (1-based) of store.db with garbage. */
function smashPage(dir: string, pageno: number, pageSize: number): void {
  const fd = openSync(join(dir, 'store.db'), 'r+');
  writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (pageno - 1) * pageSize);
  closeSync(fd);
}

describe('embedded store files', () => {
  it('initialises a brand-new directory: dir 0700, store.db, -wal, -shm and store.id 0600', async () => {
    const dir = newDir();
    const s = EmbeddedStore.open(dir, OPTS);
    try {
      await s.put('/a', '1');
      expect(modeOf(dir)).toBe(STORE_DIR_MODE);
      for (const f of ['store.db', 'store.db-wal', 'store.db-shm', MARKER_FILE]) expect(modeOf(join(dir, f)), f).toBe(STORE_FILE_MODE);
      const raw = new Database(join(dir, 'store.db'), { readonly: true });
      const { store_id } = raw.prepare('SELECT store_id FROM store_info').get() as { store_id: string };
      raw.close();
      expect(readFileSync(join(dir, MARKER_FILE), 'utf8').trim()).toBe(store_id);
      expect(await s.get('/a')).toMatchObject({ value: '1' });
    } finally {
      await s.close();
    }
  });

  it('takes group and other access away from an existing directory and its files at open', async () => {
    const dir = newDir();
    await initialised(dir);
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'store.db'), 0o644);
    chmodSync(join(dir, MARKER_FILE), 0o666);
    const s = EmbeddedStore.open(dir, OPTS);
    try {
      expect(modeOf(dir)).toBe(0o700);
      expect(modeOf(join(dir, 'store.db'))).toBe(0o600);
      expect(modeOf(join(dir, MARKER_FILE))).toBe(0o600);
      expect(await s.get('/k/000003')).toBeDefined();
    } finally {
      await s.close();
    }
  });

  it('refuses a store.db that became zero-length after init, and leaves it as it was', async () => {
    const dir = newDir();
    await initialised(dir);
    truncateSync(join(dir, 'store.db'), 0);
    const err = openError(dir);
    expect(err.code).toBe('NP_STORE_CORRUPT');
    expect(err.message).toContain('store.db is empty (0 bytes)');
    expect(err.message).toContain(dir);
    expect(statSync(join(dir, 'store.db')).size).toBe(0);
  });

  it('refuses a zero-length store.db even without the marker file (never served as empty)', async () => {
    const dir = newDir();
    await EmbeddedStore.open(dir, OPTS).close();
    unlinkSync(join(dir, MARKER_FILE));
    truncateSync(join(dir, 'store.db'), 0);
    expect(openError(dir).code).toBe('NP_STORE_CORRUPT');
  });

  it('refuses a directory whose store.db went missing while store.id remains', async () => {
    const dir = newDir();
    await initialised(dir);
    unlinkSync(join(dir, 'store.db'));
    const err = openError(dir);
    expect(err.code).toBe('NP_STORE_CORRUPT');
    expect(err.message).toMatch(/store\.db is missing, but store\.id shows store [0-9a-f-]+ was created here/);
    expect(existsSync(join(dir, 'store.db'))).toBe(false);
  });

  it('refuses a store with a corrupted page (quick_check at open)', async () => {
    const dir = newDir();
    await initialised(dir, 2000);
    const raw = new Database(join(dir, 'store.db'));
    const pageSize = raw.pragma('page_size', { simple: true }) as number;
    const { pageno } = raw.prepare("SELECT pageno FROM dbstat WHERE name = 'kv' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 3").get() as { pageno: number };
    raw.close();
    smashPage(dir, pageno, pageSize);
    const err = openError(dir);
    expect(err.code).toBe('NP_STORE_CORRUPT');
    expect(err.message).toMatch(/quick_check found damage|SQLITE_CORRUPT/);
  });

  it('refuses a store whose header page is garbage', async () => {
    const dir = newDir();
    await initialised(dir);
    smashPage(dir, 1, 4096);
    const err = openError(dir);
    expect(err.code).toBe('NP_STORE_CORRUPT');
    expect(err.message).toMatch(/SQLITE_NOTADB|SQLITE_CORRUPT|quick_check/);
  });

  it('refuses a store whose store_info marker row was deleted', async () => {
    const dir = newDir();
    await initialised(dir);
    const raw = new Database(join(dir, 'store.db'));
    raw.exec('DELETE FROM store_info');
    raw.close();
    const err = openError(dir);
    expect(err.code).toBe('NP_STORE_CORRUPT');
    expect(err.message).toContain('lacks its store_info marker row');
  });

  it('refuses a store whose tables are gone', async () => {
    const dir = newDir();
    await initialised(dir);
    const raw = new Database(join(dir, 'store.db'));
    raw.exec('DROP TABLE kv; DROP TABLE log');
    raw.close();
    const err = openError(dir);
    expect(err.code).toBe('NP_STORE_CORRUPT');
    expect(err.message).toContain('lacks the tables kv, log');
  });

  it('refuses a database that is some other store than the one created here', async () => {
    const dir = newDir();
    await initialised(dir);
    writeFileSync(join(dir, MARKER_FILE), 'another-store\n');
    const err = openError(dir);
    expect(err.code).toBe('NP_STORE_CORRUPT');
    expect(err.message).toContain('store.id says store another-store was created here');
  });

  it('refuses an SQLite file that never was a netplugin store', async () => {
    // A valid but empty SQLite database in place of store.db, in a directory without a marker.
    const d2 = newDir();
    await EmbeddedStore.open(d2, OPTS).close();
    unlinkSync(join(d2, 'store.db'));
    unlinkSync(join(d2, MARKER_FILE));
    const foreign = new Database(join(d2, 'store.db'));
    foreign.exec('CREATE TABLE notes (x); INSERT INTO notes VALUES (1)');
    foreign.close();
    const err = openError(d2);
    expect(err.code).toBe('NP_STORE_CORRUPT');
    expect(err.message).toContain('holds no netplugin tables');
  });

  it('adopts a version-2 store (WITHOUT ROWID tables, no marker): data kept, rowid layout, marker written', async () => {
    const dir = newDir();
    await EmbeddedStore.open(dir, OPTS).close();
    unlinkSync(join(dir, 'store.db'));
    unlinkSync(join(dir, MARKER_FILE));
    const v2 = new Database(join(dir, 'store.db'));
    v2.pragma('journal_mode = WAL');
    v2.exec(`
      CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL, compacted INTEGER NOT NULL, log_rows INTEGER NOT NULL);
      INSERT INTO meta VALUES (1, 7, 0, 1);
      CREATE TABLE kv (key BLOB PRIMARY KEY, value TEXT NOT NULL, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL, lease INTEGER) WITHOUT ROWID;
      INSERT INTO kv VALUES (CAST('/old/a' AS BLOB), 'A', 3, 7, NULL);
      CREATE TABLE log (rev INTEGER NOT NULL, seq INTEGER NOT NULL, key BLOB NOT NULL, type INTEGER NOT NULL, value TEXT, PRIMARY KEY (rev, seq)) WITHOUT ROWID;
      INSERT INTO log VALUES (7, 0, CAST('/old/a' AS BLOB), 0, 'A');
      CREATE TABLE leases (id INTEGER PRIMARY KEY AUTOINCREMENT, ttl INTEGER NOT NULL, expires_at INTEGER NOT NULL);
      CREATE INDEX kv_lease ON kv (lease) WHERE lease IS NOT NULL;
      PRAGMA user_version = 2;`);
    v2.close();
    chmodSync(join(dir, 'store.db'), 0o644);
    const s = EmbeddedStore.open(dir, OPTS);
    try {
      expect(await s.get('/old/a')).toEqual({ key: '/old/a', value: 'A', createRevision: 3, modRevision: 7 });
      expect(await s.revision()).toBe(7);
      const r = await s.put('/old/b', 'B');
      expect(r).toBe(8);
      expect(modeOf(join(dir, 'store.db'))).toBe(0o600);
      expect(existsSync(join(dir, MARKER_FILE))).toBe(true);
    } finally {
      await s.close();
    }
    const raw = new Database(join(dir, 'store.db'), { readonly: true });
    const cols = (t: string) => (raw.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name);
    expect(cols('kv')).toContain('id');
    expect(cols('log')).toContain('id');
    expect(raw.pragma('user_version', { simple: true })).toBe(3);
    raw.close();
    // And it opens again as an ordinary version-3 store.
    const again = EmbeddedStore.open(dir, OPTS);
    expect((await again.list('/old/')).items.map((i) => i.value)).toEqual(['A', 'B']);
    await again.close();
  });
});

describe('large values', () => {
  it('round-trips a 16 MiB value, and deleting thousands of keys around it stays fast', async () => {
    const dir = newDir();
    const s = EmbeddedStore.open(dir, OPTS);
    try {
      const big = 'intent-'.repeat(16 * 1024 * 1024 / 7);
      const around = (from: number, n: number) => Array.from({ length: n }, (_, i) => `/n/${String(from + i).padStart(6, '0')}`);
      await s.txn([], [...around(0, 5000), ...around(5001, 5000)].map((key) => ({ type: 'put' as const, key, value: '{"x":1}' })));
      const r = await s.put('/n/005000', big);
      const t0 = performance.now();
      await s.txn([], around(0, 5000).map((key) => ({ type: 'delete' as const, key })));
      await s.txn([], around(5001, 5000).map((key) => ({ type: 'delete' as const, key })));
      const took = performance.now() - t0;
      const kv = await s.get('/n/005000');
      expect(kv?.value.length).toBe(big.length);
      expect(kv?.value === big).toBe(true);
      expect(kv?.modRevision).toBe(r);
      expect((await s.list('/n/')).items.map((i) => i.key)).toEqual(['/n/005000']);
      // The WITHOUT ROWID layout copied the value on rebalances: tens of seconds here.
      expect(took).toBeLessThan(3000);
    } finally {
      await s.close();
    }
  }, 60_000);
});
