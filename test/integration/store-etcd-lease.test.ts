/**
 * etcd lease behaviour beyond the shared conformance suite, on a private etcd that the
 * tests stop and start: loss when etcd is away longer than the TTL (and re-registration
 * once it is back), and loss when the lease is revoked behind the holder's back.
 */
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetpluginError } from '../../src/common/errors.js';
import { EtcdStore } from '../../src/state/etcd.js';
import type { Lease, WatchEvent } from '../../src/state/store.js';
import { TestEtcd } from './store-etcd-server.js';

let etcd: TestEtcd;

beforeAll(async () => {
  etcd = await TestEtcd.start();
}, 30_000);

afterAll(async () => {
  await etcd?.destroy();
});

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

/** Polls `cond` until it holds or `ms` passes. */
async function until(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Records a lease's onLost calls with their time. */
function lossesOf(lease: Lease): Array<{ err: Error; at: number }> {
  const out: Array<{ err: Error; at: number }> = [];
  lease.onLost((err) => out.push({ err, at: Date.now() }));
  return out;
}

describe('etcd leases', () => {
  it('reports onLost to a holder whose lease was revoked elsewhere; its keys are gone', async () => {
    const store = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
    const admin = new Etcd3({ hosts: etcd.endpoint });
    const prefix = `/revoked-${Date.now()}/`;
    try {
      const lease = await store.grantLease(10);
      const losses = lossesOf(lease);
      const r = await store.put(`${prefix}h1`, 'x', { lease });
      const events: WatchEvent[] = [];
      const w = await store.watch(prefix, r, { onEvents: (e) => events.push(...e) });
      await admin.leaseClient.leaseRevoke({ ID: lease.id });
      // The next keep-alive (every TTL/3) is answered with TTL 0.
      await until(() => losses.length === 1 && events.length === 1, 10_000);
      await w.close();
      expect((losses[0].err as NetpluginError).code).toBe('NP_STORE_UNAVAILABLE');
      expect(losses[0].err.message).toContain(lease.id);
      expect(events.map((e) => `${e.type} ${e.key}`)).toEqual([`delete ${prefix}h1`]);
      const stale = await store.put(`${prefix}h1`, 'y', { lease }).catch((e: unknown) => e);
      expect((stale as NetpluginError).code).toBe('NP_NOT_FOUND');
    } finally {
      admin.close();
      await store.close();
    }
  }, 20_000);

  it('reports onLost when etcd is away longer than the TTL; once back, a new lease re-registers for good', async () => {
    const store = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
    const prefix = `/outage-${Date.now()}/`;
    const key = `${prefix}hosts/h1`;
    try {
      const lease = await store.grantLease(2);
      const losses = lossesOf(lease);
      await store.put(key, 'first', { lease });
      const stoppedAt = Date.now();
      await etcd.stopProcess();
      await until(() => losses.length === 1, 8000);
      // Never later than etcd itself could have expired it: TTL after the last answer.
      expect(losses[0].at - stoppedAt).toBeLessThanOrEqual(2000 + 300);
      expect((losses[0].err as NetpluginError).code).toBe('NP_STORE_UNAVAILABLE');
      await new Promise((r) => setTimeout(r, 500));
      await etcd.startProcess();

      // What an agent does on onLost: grant a new lease and write its registration again.
      const fresh = await retry(() => store.grantLease(2));
      const freshLosses = lossesOf(fresh);
      await retry(() => store.put(key, 'second', { lease: fresh }));
      // The old lease (restored by etcd's restart, or already revoked) must not take the key with it.
      await new Promise((r) => setTimeout(r, 5000));
      expect(await store.get(key)).toMatchObject({ value: 'second' });
      expect(freshLosses).toEqual([]);
      await fresh.revoke();
      expect(await store.get(key)).toBeUndefined();
    } finally {
      await store.close();
    }
  }, 60_000);
});
