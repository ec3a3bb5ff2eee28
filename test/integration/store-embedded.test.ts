import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { defineStoreConformance } from '../helpers/store-conformance.js';
import { EmbeddedStore } from '../../src/state/embedded.js';
import { openStore } from '../../src/state/open.js';
import type { WatchEvent } from '../../src/state/store.js';
import { spawnLeaseHolder } from './store-lease-holder.js';

const dirs: string[] = [];
/** A fresh temp directory, removed after the file's tests. */
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'np-store-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const confDir = tempDir();
defineStoreConformance('embedded', async () => EmbeddedStore.open(confDir), undefined, {
  compact: async (s, revision) => (s as EmbeddedStore).compact(revision),
  spawnLeaseHolder: (key, ttl) => spawnLeaseHolder(`embedded:${confDir}`, key, ttl),
});

const LOADER = fileURLToPath(new URL('./store-ts-loader.mjs', import.meta.url));
const CHILD = fileURLToPath(new URL('./store-embedded-child.ts', import.meta.url));

/** Spawns the child script in another node process. */
function child(args: string[]) {
  const proc = spawn(process.execPath, ['--import', LOADER, CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { proc, exited, stderr: () => stderr };
}

/** Kills a child by PID if it still runs (cleanup on failure). */
function reap(proc: ReturnType<typeof child>['proc']): void {
  if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) process.kill(proc.pid, 'SIGKILL');
}

describe('embedded driver specifics', () => {
  it('opens through openStore with embedded:/dir and with the default dir', async () => {
    const d = tempDir();
    const a = await openStore(`embedded:${d}/explicit`, { embeddedDir: '/nonexistent' });
    const b = await openStore(undefined, { embeddedDir: `${d}/default` });
    try {
      await a.put('/k', 'a');
      expect(await b.get('/k')).toBeUndefined();
      expect(await a.get('/k')).toMatchObject({ value: 'a' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('wakes a watcher in this process on another process\'s commits through inotify alone', async () => {
    const d = tempDir();
    // safetyPollMs 0: no timer at all, so every delivery below came from an fs.watch wake-up.
    const store = EmbeddedStore.open(d, { safetyPollMs: 0 });
    const got: Array<{ ev: WatchEvent; at: number }> = [];
    const watch = await store.watch('/w/', await store.revision(), {
      onEvents: (evs) => evs.forEach((ev) => got.push({ ev, at: Date.now() })),
    });
    const c = child(['writer', d, '/w/', '10']);
    try {
      const { code } = await c.exited;
      expect(code, c.stderr()).toBe(0);
      const deadline = Date.now() + 5000;
      while (got.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(got.map((g) => g.ev.key)).toEqual(Array.from({ length: 10 }, (_, i) => `/w/${i}`));
      const latencies = got.map((g) => g.at - Number(g.ev.value));
      expect(Math.max(...latencies)).toBeLessThan(500);
    } finally {
      reap(c.proc);
      await watch.close();
      await store.close();
    }
  }, 30_000);

  it('keeps compare-and-swap atomic across processes (4 processes x 50 increments)', async () => {
    const d = tempDir();
    const kids = Array.from({ length: 4 }, () => child(['cas', d, '/counter', '50']));
    try {
      const results = await Promise.all(kids.map((k) => k.exited));
      results.forEach((r, i) => expect(r.code, kids[i].stderr()).toBe(0));
      const store = EmbeddedStore.open(d);
      try {
        const kv = await store.get('/counter');
        expect(kv!.value).toBe('200');
        expect(await store.revision()).toBe(200);
      } finally {
        await store.close();
      }
    } finally {
      kids.forEach((k) => reap(k.proc));
    }
  }, 60_000);

  it('survives SIGKILL in the middle of writes: whole txns only, revision and log agree', async () => {
    const d = tempDir();
    let lastRevision = 0;
    for (let round = 0; round < 3; round++) {
      const c = child(['churn', d]);
      try {
        await new Promise<void>((resolve, reject) => {
          c.proc.stdout.on('data', (b: Buffer) => b.toString().includes('ready') && resolve());
          c.proc.once('exit', () => reject(new Error(`churn child exited early: ${c.stderr()}`)));
        });
        await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 400)));
        process.kill(c.proc.pid!, 'SIGKILL');
        expect((await c.exited).signal).toBe('SIGKILL');
      } finally {
        reap(c.proc);
      }

      const raw = new Database(join(d, 'store.db'), { readonly: true });
      try {
        expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
        const meta = raw.prepare('SELECT revision, compacted, log_rows FROM meta').get() as {
          revision: number;
          compacted: number;
          log_rows: number;
        };
        const R = meta.revision;
        expect(R).toBeGreaterThan(lastRevision); // the child made progress this round
        lastRevision = R;
        expect((raw.prepare('SELECT max(mod_rev) m FROM kv').get() as { m: number }).m).toBe(R);
        expect((raw.prepare('SELECT max(rev) m FROM log').get() as { m: number }).m).toBe(R);
        expect((raw.prepare('SELECT count(*) n FROM log').get() as { n: number }).n).toBe(meta.log_rows);
        // Every logged revision holds one whole churn txn: 3 ops, plus a delete from txn 6 on.
        const bad = raw
          .prepare('SELECT rev, count(*) n FROM log GROUP BY rev HAVING n != (CASE WHEN rev > 5 THEN 4 ELSE 3 END)')
          .all();
        expect(bad).toEqual([]);
      } finally {
        raw.close();
      }

      const store = EmbeddedStore.open(d);
      try {
        const a = await store.get('/crash/a');
        const b = await store.get('/crash/b');
        expect(a!.value).toBe(String(lastRevision));
        expect(b!.value).toBe(a!.value);
        const list = await store.list('/crash/list/');
        const want = Array.from({ length: Math.min(5, lastRevision) }, (_, i) => lastRevision - Math.min(5, lastRevision) + 1 + i);
        expect(list.items.map((kv) => Number(kv.key.slice('/crash/list/'.length)))).toEqual(want);
        expect(list.revision).toBe(lastRevision);
      } finally {
        await store.close();
      }
    }
  }, 60_000);

  it('compacts the log automatically beyond the retention window', async () => {
    const d = tempDir();
    const store = EmbeddedStore.open(d, { retainRevisions: 20 });
    try {
      const first = await store.put('/r/0', '0');
      for (let i = 1; i < 50; i++) await store.put(`/r/${i % 3}`, String(i));
      const resyncs: number[] = [];
      const events: WatchEvent[] = [];
      const old = await store.watch('/r/', first, { onEvents: (e) => events.push(...e), onResync: (r) => resyncs.push(r) });
      const recent: WatchEvent[] = [];
      const now = await store.revision();
      const fresh = await store.watch('/r/', now - 10, { onEvents: (e) => recent.push(...e) });
      const deadline = Date.now() + 3000;
      while ((resyncs.length === 0 || recent.length < 10) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await old.close();
      await fresh.close();
      expect(resyncs).toEqual([now]);
      expect(events).toEqual([]);
      expect(recent.map((e) => e.modRevision)).toEqual(Array.from({ length: 10 }, (_, i) => now - 9 + i));
      const raw = new Database(join(d, 'store.db'), { readonly: true });
      try {
        const rows = (raw.prepare('SELECT count(*) n FROM log').get() as { n: number }).n;
        expect(rows).toBeLessThanOrEqual(20);
      } finally {
        raw.close();
      }
    } finally {
      await store.close();
    }
  });
});
