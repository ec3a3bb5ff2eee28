/**
 * Embedded-store lease behaviour beyond the shared conformance suite: schema migration
 * of version-1 files, loss reported to a stalled holder, and several processes sweeping
 * the same expired leases at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { NetpluginError } from '../../src/common/errors.js';
import { EmbeddedStore } from '../../src/state/embedded.js';
import type { WatchEvent } from '../../src/state/store.js';

const dirs: string[] = [];
/** A fresh temp directory, removed after the file's tests. */
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'np-lease-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const LOADER = fileURLToPath(new URL('./store-ts-loader.mjs', import.meta.url));
const CHILD = fileURLToPath(new URL('./store-embedded-child.ts', import.meta.url));

/** Starts a child that only sweeps expired leases every `ms` ms; resolves once it runs. */
async function sweeper(dir: string, ms: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', LOADER, CHILD, 'sweep', dir, String(ms)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve());
    proc.once('exit', () => reject(new Error(`sweeper exited early: ${stderr}`)));
  });
  return proc;
}

/** Polls `cond` until it holds or `ms` passes. */
async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Schema version 1, as the first release wrote it (no kv.lease, no leases table). */
const V1_SCHEMA = `
CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL,
  compacted INTEGER NOT NULL, log_rows INTEGER NOT NULL);
INSERT INTO meta VALUES (1, 1, 0, 1);
CREATE TABLE kv (key BLOB PRIMARY KEY, value TEXT NOT NULL, create_rev INTEGER NOT NULL,
  mod_rev INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE log (rev INTEGER NOT NULL, seq INTEGER NOT NULL, key BLOB NOT NULL,
  type INTEGER NOT NULL, value TEXT, PRIMARY KEY (rev, seq)) WITHOUT ROWID;
INSERT INTO kv VALUES (CAST('/old' AS BLOB), 'kept', 1, 1);
INSERT INTO log VALUES (1, 0, CAST('/old' AS BLOB), 0, 'kept');
PRAGMA user_version = 1;
`;

describe('embedded store leases', () => {
  it('migrates a version-1 file: adds kv.lease and the leases table, keeps the data', async () => {
    const d = tempDir();
    const raw = new Database(join(d, 'store.db'));
    raw.pragma('journal_mode = WAL');
    raw.exec(V1_SCHEMA);
    raw.close();
    const store = EmbeddedStore.open(d);
    try {
      expect(await store.get('/old')).toEqual({ key: '/old', value: 'kept', createRevision: 1, modRevision: 1 });
      const lease = await store.grantLease(5);
      const r = await store.put('/new', 'leased', { lease });
      expect(r).toBe(2);
      await lease.revoke();
      expect(await store.get('/new')).toBeUndefined();
      expect(await store.get('/old')).toMatchObject({ value: 'kept' });
    } finally {
      await store.close();
    }
    const check = new Database(join(d, 'store.db'), { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(3);
      const cols = (check.prepare('PRAGMA table_info(kv)').all() as Array<{ name: string }>).map((c) => c.name);
      expect(cols).toContain('lease');
    } finally {
      check.close();
    }
  });

  it('reports onLost to a holder whose lease expired under it, deletes its keys, and lets it grant anew', async () => {
    const d = tempDir();
    const store = EmbeddedStore.open(d);
    const watcher = EmbeddedStore.open(d);
    const raw = new Database(join(d, 'store.db'));
    try {
      const lease = await store.grantLease(30);
      const losses: Error[] = [];
      lease.onLost((e) => losses.push(e));
      const r = await store.put('/hosts/h1', 'vtep', { lease });
      const events: WatchEvent[] = [];
      const w = await watcher.watch('/hosts/', r, { onEvents: (e) => events.push(...e) });
      // A holder stalled past its TTL looks like this to everyone else.
      raw.prepare('UPDATE leases SET expires_at = 0 WHERE id = ?').run(Number(lease.id));
      await until(() => losses.length === 1 && events.length === 1, 5000);
      await w.close();
      expect((losses[0] as NetpluginError).code).toBe('NP_STORE_UNAVAILABLE');
      expect(losses[0].message).toContain(lease.id);
      expect(events).toEqual([{ type: 'delete', key: '/hosts/h1', modRevision: r + 1 }]);
      const stale = await store.put('/hosts/h1', 'again', { lease }).catch((e: unknown) => e);
      expect((stale as NetpluginError).code).toBe('NP_NOT_FOUND');
      const fresh = await store.grantLease(30);
      expect(Number(fresh.id)).toBeGreaterThan(Number(lease.id)); // ids are never reused
      await store.put('/hosts/h1', 'again', { lease: fresh });
      expect(await watcher.get('/hosts/h1')).toMatchObject({ value: 'again' });
      await new Promise((res) => setTimeout(res, 200));
      expect(losses.length).toBe(1); // once only
      await fresh.revoke();
    } finally {
      raw.close();
      await store.close();
      await watcher.close();
    }
  }, 15_000);

  it('deletes each expired key exactly once while three processes sweep every 5 ms', async () => {
    const d = tempDir();
    const kids: ChildProcess[] = [];
    const observer = EmbeddedStore.open(d, { leaseSweepMs: 0 });
    try {
      for (let i = 0; i < 3; i++) kids.push(await sweeper(d, 5));
      const holder = EmbeddedStore.open(d, { leaseSweepMs: 0 });
      const keys: string[] = [];
      for (let i = 0; i < 30; i++) {
        const lease = await holder.grantLease(2);
        await holder.put(`/swept/${i}/a`, 'a', { lease });
        await holder.txn([], [{ type: 'put', key: `/swept/${i}/b`, value: 'b', lease: lease.id }]);
        keys.push(`/swept/${i}/a`, `/swept/${i}/b`);
      }
      await holder.put('/swept/free', 'no lease');
      const from = await observer.revision();
      const deletes: WatchEvent[] = [];
      const w = await observer.watch('/swept/', from, { onEvents: (e) => deletes.push(...e) });
      await holder.close(); // stops refreshing: every lease runs out about 2 s from now
      await until(async () => (await observer.list('/swept/')).items.length === 1, 8000);
      await until(() => deletes.length >= keys.length, 3000);
      await new Promise((r) => setTimeout(r, 300));
      await w.close();
      expect(deletes.map((e) => e.key).sort()).toEqual([...keys].sort());
      expect(deletes.every((e) => e.type === 'delete')).toBe(true);
      const raw = new Database(join(d, 'store.db'), { readonly: true });
      try {
        expect((raw.prepare('SELECT count(*) n FROM leases').get() as { n: number }).n).toBe(0);
        const meta = raw.prepare('SELECT revision, log_rows FROM meta').get() as { revision: number; log_rows: number };
        expect((raw.prepare('SELECT max(rev) m FROM log').get() as { m: number }).m).toBe(meta.revision);
        expect((raw.prepare('SELECT count(*) n FROM log').get() as { n: number }).n).toBe(meta.log_rows);
        const dup = raw.prepare('SELECT key, count(*) n FROM log WHERE type = 1 GROUP BY key HAVING n > 1').all();
        expect(dup).toEqual([]);
      } finally {
        raw.close();
      }
    } finally {
      for (const k of kids) if (k.exitCode === null && k.signalCode === null && k.pid !== undefined) process.kill(k.pid, 'SIGKILL');
      await observer.close();
    }
  }, 30_000);
});
