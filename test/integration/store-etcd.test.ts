import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetpluginError } from '../../src/common/errors.js';
import { defineStoreConformance } from '../helpers/store-conformance.js';
import { EtcdStore } from '../../src/state/etcd.js';
import { openStore } from '../../src/state/open.js';
import type { WatchEvent } from '../../src/state/store.js';
import { freePort, TestEtcd } from './store-etcd-server.js';
import { spawnLeaseHolder } from './store-lease-holder.js';

let etcd: TestEtcd;

beforeAll(async () => {
  etcd = await TestEtcd.start();
}, 30_000);

afterAll(async () => {
  await etcd?.destroy();
});

defineStoreConformance(
  'etcd',
  async () => EtcdStore.connect({ endpoints: [etcd.endpoint] }),
  undefined,
  {
    compact: async (s, revision) => (s as EtcdStore).compact(revision),
    spawnLeaseHolder: (key, ttl) => spawnLeaseHolder(`etcd://127.0.0.1:${etcd.clientPort}`, key, ttl),
  },
);

/** Retries `fn` while etcd is coming back (the client's circuit breaker may be open). */
async function retry<T>(fn: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('etcd driver specifics', () => {
  it('opens through openStore with an etcd:// URL', async () => {
    const s = await openStore(`etcd://127.0.0.1:${etcd.clientPort}`, { embeddedDir: '/nonexistent' });
    try {
      expect(await s.revision()).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });

  it('reports NP_STORE_UNAVAILABLE when nothing listens', async () => {
    const port = await freePort();
    const err = await EtcdStore.connect({ endpoints: [`http://127.0.0.1:${port}`] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetpluginError);
    expect((err as NetpluginError).code).toBe('NP_STORE_UNAVAILABLE');
    expect((err as NetpluginError).message).toContain(String(port));
  }, 30_000);

  it('keeps a watch across an etcd restart: later events arrive, none twice, none lost', async () => {
    const writer = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
    const watcher = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
    const prefix = `/restart-${Date.now()}/`;
    const events: WatchEvent[] = [];
    const errors: Error[] = [];
    const resyncs: number[] = [];
    try {
      const from = await writer.revision();
      const watch = await watcher.watch(prefix, from, {
        onEvents: (evs) => events.push(...evs),
        onError: (e) => errors.push(e),
        onResync: (r) => resyncs.push(r),
      });
      await writer.put(`${prefix}before-1`, 'a');
      await writer.put(`${prefix}before-2`, 'b');
      const deadline1 = Date.now() + 5000;
      while (events.length < 2 && Date.now() < deadline1) await new Promise((r) => setTimeout(r, 20));
      expect(events.length).toBe(2);

      await etcd.stopProcess();
      await new Promise((r) => setTimeout(r, 300));
      await etcd.startProcess();

      for (let i = 0; i < 5; i++) await retry(() => writer.put(`${prefix}after-${i}`, String(i)));
      const deadline2 = Date.now() + 20_000;
      while (events.length < 7 && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      await watch.close();

      expect(events.map((e) => e.key.slice(prefix.length))).toEqual([
        'before-1',
        'before-2',
        'after-0',
        'after-1',
        'after-2',
        'after-3',
        'after-4',
      ]);
      const revs = events.map((e) => e.modRevision);
      expect([...revs].sort((a, b) => a - b)).toEqual(revs);
      expect(new Set(revs).size).toBe(revs.length);
      expect(resyncs).toEqual([]);
      // The interruption was reported, not hidden.
      expect(errors.some((e) => (e as NetpluginError).code === 'NP_STORE_UNAVAILABLE')).toBe(true);
    } finally {
      await writer.close();
      await watcher.close();
    }
  }, 60_000);

  it('resyncs a live watch whose stream resumes below a compaction', async () => {
    const s = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
    const prefix = `/compact-${Date.now()}/`;
    const resyncs: number[] = [];
    const events: WatchEvent[] = [];
    try {
      // Start a watch far in the past of a freshly compacted history.
      await s.put(`${prefix}a`, '1');
      const cut = await s.put(`${prefix}b`, '2');
      await s.compact(cut);
      const watch = await s.watch(prefix, 1, { onEvents: (e) => events.push(...e), onResync: (r) => resyncs.push(r) });
      const deadline = Date.now() + 5000;
      while (resyncs.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(resyncs.length).toBe(1);
      expect(resyncs[0]).toBeGreaterThanOrEqual(cut);
      const list = await s.list(prefix);
      expect(list.items.map((i) => i.value)).toEqual(['1', '2']);
      const next = await s.put(`${prefix}c`, '3');
      while (events.length === 0 && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 20));
      await watch.close();
      expect(events).toEqual([{ type: 'put', key: `${prefix}c`, value: '3', modRevision: next }]);
    } finally {
      await s.close();
    }
  });

  it('applies a 2,000-key txn as one revision and one watch batch', async () => {
    const s = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
    const prefix = `/bulk-${Date.now()}/`;
    const batches: WatchEvent[][] = [];
    try {
      const watch = await s.watch(prefix, await s.revision(), { onEvents: (e) => batches.push(e) });
      const ops = Array.from({ length: 2000 }, (_, i) => ({ type: 'put' as const, key: `${prefix}${i}`, value: 'x'.repeat(1000) }));
      const res = await s.txn([], [{ type: 'deletePrefix', prefix }, ...ops]);
      const deadline = Date.now() + 10_000;
      while (batches.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await watch.close();
      expect(batches.length).toBe(1);
      expect(batches[0].length).toBe(2000);
      expect(batches[0].every((e) => e.modRevision === res.revision)).toBe(true);
      expect((await s.list(prefix)).items.length).toBe(2000);
    } finally {
      await s.close();
    }
  });
});

describe('etcd with default request limits', () => {
  let small: TestEtcd;
  beforeAll(async () => {
    small = await TestEtcd.start({ defaultLimits: true });
  }, 30_000);
  afterAll(async () => {
    await small?.destroy();
  });

  it('names the etcd flag to raise when a txn exceeds --max-txn-ops', async () => {
    const s = await EtcdStore.connect({ endpoints: [small.endpoint] });
    try {
      const ops = Array.from({ length: 200 }, (_, i) => ({ type: 'put' as const, key: `/limits/${i}`, value: 'v' }));
      const before = await s.revision();
      const err = await s.txn([], ops).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NetpluginError);
      expect((err as NetpluginError).message).toContain('--max-txn-ops');
      expect((err as NetpluginError).code).toBe('NP_STORE_REJECTED');
      expect(await s.revision()).toBe(before);
    } finally {
      await s.close();
    }
  });
});
