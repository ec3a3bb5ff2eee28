import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NetpluginError } from '../common/errors.js';
import { EmbeddedStore } from '../state/embedded.js';
import type { StateStore } from '../state/store.js';
import { createMasterServer } from './server.js';


const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** GET /api/v1/health of a master server on `store`: status and body. */
async function health(store: StateStore): Promise<{ status: number; body: { ok: boolean; revision?: number; error?: { code: string; message: string } } }> {
  const server = createMasterServer(store, pino({ level: 'silent' }), { token: 'health-test-token' });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/health`);
    return { status: res.status, body: (await res.json()) as never };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** A fresh embedded store in a temp dir, closed and removed after the test. */
function tempStore(): { dir: string; store: EmbeddedStore } {
  const dir = mkdtempSync(join(tmpdir(), 'np-health-'));
  const store = EmbeddedStore.open(dir, { safetyPollMs: 0, leaseSweepMs: 0 });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => store.close());
  return { dir, store };
}

describe('GET /api/v1/health', () => {
  it('is ok with the store revision while the store reads', async () => {
    const { store } = tempStore();
    const rev = await store.put('/k', 'v');
    expect(await health(store)).toEqual({ status: 200, body: { ok: true, revision: rev } });
  });

  it('says not ok (503) with the error when the store fails a read', async () => {
    const failing = { revision: async () => { throw new NetpluginError('NP_STORE_UNAVAILABLE', 'etcd is gone'); } } as unknown as StateStore;
    expect(await health(failing)).toEqual({ status: 503, body: { ok: false, error: { code: 'NP_STORE_UNAVAILABLE', message: 'etcd is gone' } } });
  });

  it('says not ok once the embedded store hit a damaged page at runtime, and keeps saying it', async () => {
    const { dir, store } = tempStore();
    const big = 'x'.repeat(200);
    for (let i = 0; i < 20; i++) await store.txn([], Array.from({ length: 100 }, (_, j) => ({ type: 'put' as const, key: `/k/${i}/${j}`, value: big })));
    expect((await health(store)).status).toBe(200);
    // Move every page into store.db, then damage a leaf page of kv behind the open handle.
    const raw = new Database(join(dir, 'store.db'));
    raw.pragma('wal_checkpoint(TRUNCATE)');
    const pageSize = raw.pragma('page_size', { simple: true }) as number;
    const { pageno } = raw.prepare("SELECT pageno FROM dbstat WHERE name = 'kv' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1").get() as { pageno: number };
    const fd = openSync(join(dir, 'store.db'), 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (pageno - 1) * pageSize);
    closeSync(fd);
    // A commit by another connection makes the open handle drop its page cache, as in production.
    raw.prepare('UPDATE meta SET log_rows = log_rows WHERE id = 1').run();
    raw.close();
    const err = await store.list('/k/').catch((e: unknown) => e);
    expect((err as NetpluginError).code).toBe('NP_STORE_CORRUPT');
    const h = await health(store);
    expect(h.status).toBe(503);
    expect(h.body.ok).toBe(false);
    expect(h.body.error?.code).toBe('NP_STORE_CORRUPT');
    expect(h.body.error?.message).toMatch(/SQLITE_CORRUPT|malformed/);
  });
});
