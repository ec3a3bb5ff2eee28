/**
 * The one conformance suite every StateStore driver must pass (vitest). Drivers run it
 * from test/integration against a real backend; each test works under its own random
 * prefix, so the suite can share one backend with other tests.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { NetpluginError } from '../../src/common/errors.js';
import type { Lease, StateStore, WatchEvent } from '../../src/state/store.js';

/** Driver hooks the suite needs beyond the StateStore interface. */
export interface ConformanceOptions {
  /** Compacts the backend's history up to `revision`, so watches behind it must resync. */
  compact?(store: StateStore, revision: number): Promise<void>;
  /**
   * Starts ANOTHER process that grants a `ttlSeconds` lease on the same backend, puts
   * `key` under it and keeps refreshing; resolves once the key is written. `kill()`
   * SIGKILLs it (a crashed lease holder).
   */
  spawnLeaseHolder?(key: string, ttlSeconds: number): Promise<{ kill(): Promise<void> }>;
}

/** What a test watch has seen so far. */
interface Seen {
  batches: WatchEvent[][];
  resyncs: number[];
  errors: Error[];
}

/** Polls `cond` until it holds or `timeoutMs` passes (then fails with `what`). */
async function waitFor(what: string, cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits a little to show that nothing more arrives. */
function settle(ms = 300): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Flattens watch batches into "type key" strings for compact assertions. */
function flat(seen: Seen): string[] {
  return seen.batches.flat().map((e) => `${e.type} ${e.key}`);
}

/**
 * Defines the conformance tests for one driver. `make` must return a NEW handle on the
 * SAME backend every call (the suite opens several to test sharing and races);
 * `cleanup` runs after every handle was closed.
 */
export function defineStoreConformance(
  name: string,
  make: () => Promise<StateStore>,
  cleanup?: () => Promise<void>,
  options: ConformanceOptions = {},
): void {
  describe(`StateStore conformance: ${name}`, () => {
    const handles: StateStore[] = [];
    const run = randomBytes(4).toString('hex');
    let n = 0;

    /** A fresh handle, closed after the suite. */
    const open = async (): Promise<StateStore> => {
      const s = await make();
      handles.push(s);
      return s;
    };
    /** A key prefix no other test uses. */
    const base = (): string => `/conformance-${run}/${++n}/`;

    /** Starts a watch that records everything it is told. */
    const record = async (s: StateStore, prefix: string, from: number) => {
      const seen: Seen = { batches: [], resyncs: [], errors: [] };
      const watch = await s.watch(prefix, from, {
        onEvents: (events) => seen.batches.push(events),
        onResync: (rev) => seen.resyncs.push(rev),
        onError: (err) => seen.errors.push(err),
      });
      return { seen, watch };
    };

    afterAll(async () => {
      for (const h of handles) await h.close();
      await cleanup?.();
    });

    it('gets, puts and deletes single keys with create/mod revisions', async () => {
      const s = await open();
      const k = `${base()}key`;
      expect(await s.get(k)).toBeUndefined();
      const r1 = await s.put(k, 'v1');
      expect(r1).toBeGreaterThan(0);
      expect(await s.get(k)).toEqual({ key: k, value: 'v1', createRevision: r1, modRevision: r1 });
      const r2 = await s.put(k, 'v2');
      expect(r2).toBeGreaterThan(r1);
      expect(await s.get(k)).toEqual({ key: k, value: 'v2', createRevision: r1, modRevision: r2 });
      const r3 = await s.delete(k);
      expect(r3).toBeGreaterThan(r2);
      expect(await s.get(k)).toBeUndefined();
      expect(await s.revision()).toBeGreaterThanOrEqual(r3);
      const before = await s.revision();
      expect(await s.delete(k)).toBe(before);
      expect(await s.revision()).toBe(before);
      const r4 = await s.put(k, '');
      expect(await s.get(k)).toEqual({ key: k, value: '', createRevision: r4, modRevision: r4 });
    });

    it('reads a key\'s modRevision alone: 0 when absent, each write\'s revision, 0 again after delete', async () => {
      const s = await open();
      const k = `${base()}rev`;
      const other = `${base()}rev-other`;
      expect(await s.modRevision(k)).toBe(0);
      const r1 = await s.put(k, 'x'.repeat(300_000)); // a large value: the read must not depend on it
      await s.put(other, 'y');
      expect(await s.modRevision(k)).toBe(r1);
      const r2 = (await s.txn([], [{ type: 'put', key: k, value: 'v2' }])).revision;
      expect(r2).toBeGreaterThan(r1);
      expect(await s.modRevision(k)).toBe(r2);
      expect(await s.modRevision(k)).toBe((await s.get(k))!.modRevision);
      await s.delete(k);
      expect(await s.modRevision(k)).toBe(0);
      expect(await s.modRevision(`${base()}re`)).toBe(0); // a prefix of a key is not the key
    });

    it('keeps values byte-exact (unicode, JSON, large)', async () => {
      const s = await open();
      const k = `${base()}ü/ключ/🙂`;
      const big = JSON.stringify({ s: 'x'.repeat(200_000), u: 'é🙂\u0000\n' });
      await s.put(k, big);
      expect((await s.get(k))!.value).toBe(big);
      expect((await s.list(k)).items.map((i) => i.key)).toEqual([k]);
    });

    it('lists exactly the keys under a prefix, sorted by UTF-8 bytes, with the read revision', async () => {
      const s = await open();
      const b = base();
      const under = [`${b}p/a`, `${b}p/a/x`, `${b}p/b`, `${b}p/\uff01`, `${b}p/\u{1f600}`];
      for (const k of [...under].reverse()) await s.put(k, k);
      await s.put(`${b}p`, 'not under');
      const last = await s.put(`${b}pa`, 'not under');
      const res = await s.list(`${b}p/`);
      expect(res.items.map((i) => i.key)).toEqual(under); // U+FF01 sorts before U+1F600 in UTF-8
      expect(res.items.every((i) => i.value === i.key)).toBe(true);
      expect(res.revision).toBeGreaterThanOrEqual(last);
      expect((await s.list(`${b}q/`)).items).toEqual([]);
      expect((await s.list(`${b}p/a`)).items.map((i) => i.key)).toEqual([`${b}p/a`, `${b}p/a/x`]);
    });

    it('increases the store revision strictly with every write', async () => {
      const s = await open();
      const b = base();
      let prev = await s.revision();
      for (let i = 0; i < 5; i++) {
        const r = i % 2 === 0 ? await s.put(`${b}k${i}`, 'v') : (await s.txn([], [{ type: 'put', key: `${b}t${i}`, value: 'v' }])).revision;
        expect(r).toBeGreaterThan(prev);
        expect(await s.revision()).toBeGreaterThanOrEqual(r);
        prev = r;
      }
    });

    it('commits a txn only when every modRevision compare holds (0 means absent)', async () => {
      const s = await open();
      const b = base();
      const k = `${b}k`;
      const created = await s.txn([{ key: k, modRevision: 0 }], [{ type: 'put', key: k, value: 'one' }]);
      expect(created.succeeded).toBe(true);
      expect((await s.get(k))!.modRevision).toBe(created.revision);
      const again = await s.txn([{ key: k, modRevision: 0 }], [{ type: 'put', key: k, value: 'two' }]);
      expect(again.succeeded).toBe(false);
      expect(again.revision).toBe(created.revision);
      const swapped = await s.txn([{ key: k, modRevision: created.revision }], [{ type: 'put', key: k, value: 'two' }]);
      expect(swapped.succeeded).toBe(true);
      const stale = await s.txn([{ key: k, modRevision: created.revision }], [{ type: 'put', key: k, value: 'three' }]);
      expect(stale.succeeded).toBe(false);
      expect(await s.get(k)).toMatchObject({ value: 'two', modRevision: swapped.revision, createRevision: created.revision });
    });

    it('compares values; a value compare on a missing key fails', async () => {
      const s = await open();
      const b = base();
      await s.put(`${b}k`, 'v');
      expect((await s.txn([{ key: `${b}k`, value: 'v' }], [{ type: 'put', key: `${b}ok`, value: '1' }])).succeeded).toBe(true);
      expect((await s.txn([{ key: `${b}k`, value: 'w' }], [{ type: 'put', key: `${b}no`, value: '1' }])).succeeded).toBe(false);
      expect((await s.txn([{ key: `${b}missing`, value: '' }], [{ type: 'put', key: `${b}no`, value: '1' }])).succeeded).toBe(false);
      expect(await s.get(`${b}ok`)).toBeDefined();
      expect(await s.get(`${b}no`)).toBeUndefined();
    });

    it('applies orElse when a compare fails, and only orElse', async () => {
      const s = await open();
      const b = base();
      const before = await s.revision();
      const res = await s.txn(
        [{ key: `${b}absent`, modRevision: 5 }],
        [{ type: 'put', key: `${b}then`, value: '1' }],
        [{ type: 'put', key: `${b}else`, value: '2' }],
      );
      expect(res.succeeded).toBe(false);
      expect(res.revision).toBeGreaterThan(before);
      expect(await s.get(`${b}then`)).toBeUndefined();
      expect(await s.get(`${b}else`)).toMatchObject({ value: '2', modRevision: res.revision });
    });

    it('writes nothing at all when one of several compares fails', async () => {
      const s = await open();
      const b = base();
      const r = await s.put(`${b}a`, 'a0');
      await s.put(`${b}c`, 'c0');
      const before = await s.revision();
      const res = await s.txn(
        [
          { key: `${b}a`, modRevision: r },
          { key: `${b}c`, value: 'wrong' },
        ],
        [
          { type: 'put', key: `${b}a`, value: 'a1' },
          { type: 'put', key: `${b}b`, value: 'b1' },
          { type: 'delete', key: `${b}c` },
          { type: 'deletePrefix', prefix: b },
        ],
      );
      expect(res).toEqual({ succeeded: false, revision: before });
      expect(await s.revision()).toBe(before);
      expect((await s.list(b)).items.map((i) => `${i.key.slice(b.length)}=${i.value}`)).toEqual(['a=a0', 'c=c0']);
    });

    it('deletes a prefix (and only it), also together with puts under it in one txn', async () => {
      const s = await open();
      const b = base();
      for (const k of ['d', 'd/1', 'd/2', 'd/2/x', 'd2', 'e/1']) await s.put(`${b}${k}`, k);
      const r = await s.txn([], [{ type: 'deletePrefix', prefix: `${b}d/` }]);
      expect(r.succeeded).toBe(true);
      expect((await s.list(b)).items.map((i) => i.key.slice(b.length))).toEqual(['d', 'd2', 'e/1']);
      const keep = await s.get(`${b}e/1`);
      const mixed = await s.txn(
        [],
        [
          { type: 'put', key: `${b}e/0`, value: 'gone' },
          { type: 'deletePrefix', prefix: `${b}e/` },
          { type: 'put', key: `${b}e/1`, value: 'new' },
          { type: 'put', key: `${b}e/3`, value: 'three' },
        ],
      );
      expect((await s.list(`${b}e/`)).items).toEqual([
        { key: `${b}e/1`, value: 'new', createRevision: keep!.createRevision, modRevision: mixed.revision },
        { key: `${b}e/3`, value: 'three', createRevision: mixed.revision, modRevision: mixed.revision },
      ]);
    });

    it('watches changes after a revision: in order, none before, one batch per txn, deletes included', async () => {
      const s = await open();
      const b = base();
      const r0 = await s.put(`${b}w/before`, 'x');
      await s.put(`${b}other`, 'not watched');
      const { seen, watch } = await record(s, `${b}w/`, r0);
      const r1 = await s.put(`${b}w/a`, '1');
      const r2 = (
        await s.txn([], [
          { type: 'put', key: `${b}w/b`, value: '2' },
          { type: 'delete', key: `${b}w/before` },
          { type: 'put', key: `${b}w/c`, value: '3' },
          { type: 'put', key: `${b}x`, value: 'outside' },
        ])
      ).revision;
      const r3 = await s.delete(`${b}w/a`);
      await waitFor('three batches', () => seen.batches.length >= 3);
      await settle();
      await watch.close();
      expect(seen.batches.length).toBe(3);
      expect(seen.batches[0]).toEqual([{ type: 'put', key: `${b}w/a`, value: '1', modRevision: r1 }]);
      expect([...seen.batches[1]].sort((x, y) => (x.key < y.key ? -1 : 1))).toEqual([
        { type: 'put', key: `${b}w/b`, value: '2', modRevision: r2 },
        { type: 'delete', key: `${b}w/before`, modRevision: r2 },
        { type: 'put', key: `${b}w/c`, value: '3', modRevision: r2 },
      ]);
      expect(seen.batches[2]).toEqual([{ type: 'delete', key: `${b}w/a`, modRevision: r3 }]);
      expect(seen.resyncs).toEqual([]);
    });

    it('replays history when watching from an old revision, then continues live', async () => {
      const s = await open();
      const b = base();
      const start = await s.revision();
      const revs = [await s.put(`${b}1`, 'a'), await s.put(`${b}2`, 'b'), await s.delete(`${b}1`)];
      const { seen, watch } = await record(s, b, start);
      await waitFor('replay', () => seen.batches.length >= 3);
      const live = await s.put(`${b}3`, 'c');
      await waitFor('live event', () => seen.batches.length >= 4);
      await watch.close();
      expect(seen.batches.map((bt) => bt.map((e) => e.modRevision))).toEqual([[revs[0]], [revs[1]], [revs[2]], [live]]);
      expect(flat(seen)).toEqual([`put ${b}1`, `put ${b}2`, `delete ${b}1`, `put ${b}3`]);
      // Watching from the newest of them yields nothing old.
      const { seen: late, watch: w2 } = await record(s, b, live);
      await settle();
      await w2.close();
      expect(late.batches).toEqual([]);
    });

    it('stops delivering after Watch.close()', async () => {
      const s = await open();
      const b = base();
      const { seen, watch } = await record(s, b, await s.revision());
      await s.put(`${b}1`, 'a');
      await waitFor('first event', () => seen.batches.length === 1);
      await watch.close();
      await s.put(`${b}2`, 'b');
      await settle();
      expect(flat(seen)).toEqual([`put ${b}1`]);
    });

    it('lets two handles on the same backend see each other through get and watch', async () => {
      const a = await open();
      const c = await open();
      const b = base();
      const from = await a.revision();
      const onA = await record(a, b, from);
      const onC = await record(c, b, from);
      const ra = await a.put(`${b}from-a`, 'A');
      expect(await c.get(`${b}from-a`)).toMatchObject({ value: 'A', modRevision: ra });
      const rc = await c.put(`${b}from-c`, 'C');
      await waitFor('both events on both handles', () => onA.seen.batches.length >= 2 && onC.seen.batches.length >= 2);
      await onA.watch.close();
      await onC.watch.close();
      for (const seen of [onA.seen, onC.seen]) {
        expect(seen.batches.map((bt) => bt.map((e) => [e.key, e.modRevision]))).toEqual([
          [[`${b}from-a`, ra]],
          [[`${b}from-c`, rc]],
        ]);
      }
    });

    it('lets exactly one of several racing compare-and-swap txns win', async () => {
      const racers = await Promise.all([open(), open(), open(), open()]);
      const b = base();
      const k = `${b}contended`;
      const r0 = await racers[0].put(k, 'start');
      const results = await Promise.all(
        racers.map((s, i) => s.txn([{ key: k, modRevision: r0 }], [{ type: 'put', key: k, value: `winner-${i}` }])),
      );
      const winners = results.filter((r) => r.succeeded);
      expect(winners.length).toBe(1);
      const kv = await racers[1].get(k);
      expect(kv!.modRevision).toBe(winners[0].revision);
      expect(kv!.value).toBe(`winner-${results.indexOf(winners[0])}`);
      // Many increments with retry on conflict lose none.
      const counter = `${b}counter`;
      await racers[0].put(counter, '0');
      const bump = async (s: StateStore): Promise<void> => {
        for (;;) {
          const cur = (await s.get(counter))!;
          const next = String(Number(cur.value) + 1);
          if ((await s.txn([{ key: counter, modRevision: cur.modRevision }], [{ type: 'put', key: counter, value: next }])).succeeded) return;
        }
      };
      await Promise.all(racers.map(async (s) => { for (let i = 0; i < 10; i++) await bump(s); }));
      expect((await racers[2].get(counter))!.value).toBe(String(racers.length * 10));
    });

    const compact = options.compact;
    // Defined only for drivers that can compact on demand (both in-tree drivers can).
    if (compact) it('tells a watch behind compaction to resync, then continues', async () => {
      const s = await open();
      const b = base();
      const from = await s.put(`${b}0`, 'x');
      await s.put(`${b}1`, 'y');
      const cut = await s.put(`${b}2`, 'z');
      await compact(s, cut);
      const { seen, watch } = await record(s, b, from);
      await waitFor('resync', () => seen.resyncs.length === 1);
      expect(seen.resyncs[0]).toBeGreaterThanOrEqual(cut);
      const after = await s.put(`${b}3`, 'w');
      await waitFor('event after resync', () => seen.batches.length >= 1);
      await watch.close();
      expect(seen.batches.flat().every((e) => e.modRevision > seen.resyncs[0])).toBe(true);
      expect(seen.batches.at(-1)).toEqual([{ type: 'put', key: `${b}3`, value: 'w', modRevision: after }]);
    });

    /** Records a lease's onLost calls. */
    const lossesOf = (lease: Lease): Error[] => {
      const losses: Error[] = [];
      lease.onLost((err) => losses.push(err));
      return losses;
    };

    it('rejects a lease TTL below 2 s (or not whole) with NP_INVALID_ARGUMENT', async () => {
      const s = await open();
      for (const ttl of [1, 0, -5, 2.5, Number.NaN]) {
        const err = await s.grantLease(ttl).catch((e: unknown) => e);
        expect(err, String(ttl)).toBeInstanceOf(NetpluginError);
        expect((err as NetpluginError).code).toBe('NP_INVALID_ARGUMENT');
      }
    });

    it('attaches keys to a lease (put and txn put); revoke deletes exactly them in one revision, seen by a watch', async () => {
      const s = await open();
      const other = await open();
      const b = base();
      const lease = await s.grantLease(10);
      const losses = lossesOf(lease);
      expect(lease.ttlSeconds).toBeGreaterThanOrEqual(10);
      expect(typeof lease.id).toBe('string');
      await s.put(`${b}plain`, 'stays');
      await s.put(`${b}a`, 'A', { lease });
      const t = await s.txn([{ key: `${b}t`, modRevision: 0 }], [{ type: 'put', key: `${b}t`, value: 'T', lease: lease.id }]);
      expect(t.succeeded).toBe(true);
      // A later put without a lease detaches the key from it.
      await s.put(`${b}detached`, 'D', { lease });
      const last = await s.put(`${b}detached`, 'D2');
      expect((await other.list(b)).items.map((i) => `${i.key.slice(b.length)}=${i.value}`)).toEqual([
        'a=A',
        'detached=D2',
        'plain=stays',
        't=T',
      ]);
      const { seen, watch } = await record(other, b, last);
      await lease.revoke();
      await waitFor('revoke deletes', () => seen.batches.length >= 1);
      await settle();
      await watch.close();
      expect(seen.batches.length).toBe(1);
      expect(flat(seen).sort()).toEqual([`delete ${b}a`, `delete ${b}t`]);
      expect(seen.batches[0][0].modRevision).toBeGreaterThan(last);
      expect((await other.list(b)).items.map((i) => i.key.slice(b.length))).toEqual(['detached', 'plain']);
      await lease.revoke(); // idempotent
      await settle(100);
      expect(losses).toEqual([]); // revoke is not a loss
    });

    it('rejects writes under a revoked lease with NP_NOT_FOUND and writes nothing', async () => {
      const s = await open();
      const b = base();
      const lease = await s.grantLease(5);
      await lease.revoke();
      const before = await s.revision();
      const e1 = await s.put(`${b}k`, 'v', { lease }).catch((e: unknown) => e);
      expect((e1 as NetpluginError).code).toBe('NP_NOT_FOUND');
      const e2 = await s
        .txn([], [
          { type: 'put', key: `${b}free`, value: '1' },
          { type: 'put', key: `${b}k`, value: '2', lease: lease.id },
        ])
        .catch((e: unknown) => e);
      expect((e2 as NetpluginError).code).toBe('NP_NOT_FOUND');
      expect(await s.revision()).toBe(before);
      expect((await s.list(b)).items).toEqual([]);
    });

    it('keeps a 2 s lease alive over 6 s by refreshing it', async () => {
      const s = await open();
      const other = await open();
      const b = base();
      const lease = await s.grantLease(2);
      const losses = lossesOf(lease);
      const r = await s.put(`${b}alive`, 'yes', { lease });
      await new Promise((res) => setTimeout(res, 6000));
      expect(await other.get(`${b}alive`)).toMatchObject({ value: 'yes', modRevision: r });
      expect(losses).toEqual([]);
      await lease.revoke();
      expect(await other.get(`${b}alive`)).toBeUndefined();
    }, 15_000);

    it('close() stops refreshing without revoking: the key outlives close, then expires after the TTL', async () => {
      const s = await open(); // closed by the test itself (again by afterAll: idempotent)
      const other = await open();
      const b = base();
      const lease = await s.grantLease(2);
      const losses = lossesOf(lease);
      const r = await s.put(`${b}k`, 'v', { lease });
      const { seen, watch } = await record(other, b, r);
      const closedAt = Date.now();
      await s.close();
      expect(await other.get(`${b}k`)).toBeDefined();
      await waitFor('expiry delete', () => seen.batches.length >= 1, 2000 + 5000);
      const took = Date.now() - closedAt;
      await watch.close();
      expect(flat(seen)).toEqual([`delete ${b}k`]);
      expect(took).toBeGreaterThanOrEqual(1000); // not revoked at close
      expect(await other.get(`${b}k`)).toBeUndefined();
      expect(losses).toEqual([]); // close is not a loss either
    }, 15_000);

    const spawnLeaseHolder = options.spawnLeaseHolder;
    if (spawnLeaseHolder) it('deletes the keys of a SIGKILLed lease holder within TTL + a few seconds; a watch sees it', async () => {
      const s = await open();
      const b = base();
      const key = `${b}hosts/h1`;
      const from = await s.revision();
      const holder = await spawnLeaseHolder(key, 2);
      let killedAt = 0;
      try {
        const kv = await s.get(key);
        expect(kv?.value).toMatch(/^held by \d+$/);
        const { seen, watch } = await record(s, b, kv!.modRevision);
        // Alive holder: the key stays past the TTL.
        await new Promise((res) => setTimeout(res, 3000));
        expect(await s.get(key)).toMatchObject({ modRevision: kv!.modRevision });
        killedAt = Date.now();
        await holder.kill();
        await waitFor('lease expiry delete', () => seen.batches.length >= 1, 2000 + 5000);
        const took = Date.now() - killedAt;
        await watch.close();
        expect(flat(seen)).toEqual([`delete ${key}`]);
        expect(seen.batches[0][0].modRevision).toBeGreaterThan(kv!.modRevision);
        expect(took).toBeLessThan(2000 + 4000);
        expect(await s.get(key)).toBeUndefined();
        expect((await s.list(b)).revision).toBeGreaterThan(from);
      } finally {
        await holder.kill();
      }
    }, 30_000);

    it('rejects use after close with NP_STORE_UNAVAILABLE', async () => {
      const s = await make();
      await s.close();
      await s.close(); // idempotent
      for (const call of [() => s.get('/x'), () => s.modRevision('/x')]) {
        const err = await call().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(NetpluginError);
        expect((err as NetpluginError).code).toBe('NP_STORE_UNAVAILABLE');
      }
    });
  });
}
