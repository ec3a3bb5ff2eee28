import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { applyIntent } from './apply.js';
import { loadDesired, networksStillInUse, planOps, planOpsSliced, type RuntimeHolds } from './desired-io.js';
import { allocate } from '../intent/allocate.js';
import { diffState } from '../intent/plan.js';
import { parseIntent } from '../intent/parse.js';
import { EmbeddedStore } from '../state/embedded.js';
import { KEYS } from '../state/keys.js';

const intent = (nets: string[]) => {
  const p = parseIntent(JSON.stringify({ Tenants: [{ Name: 't', Networks: nets.map((n) => ({ Name: n, Endpoints: [] })) }] }));
  if (!p.ok) throw new Error('parse');
  return p.intent;
};

describe('networks still used by runtimes', () => {
  const holds: RuntimeHolds = {
    claims: new Map([['t/a', new Map([['10.0.0.2', 'docker:h1:pool']])], ['t/c', new Map()]]),
    attachments: new Map([['t/b', ['cni c1/eth0 on h1', 'cni c2/eth0 on h2']]]),
  };
  it('names every dropped network that has attachments or claims, and its users', () => {
    expect(networksStillInUse(intent(['c']), holds)).toEqual([
      { path: '$.Tenants', reason: 'network t/a cannot be removed: still used by 1 runtime attachment(s) (docker:h1:pool) [NP_NETWORK_IN_USE]' },
      { path: '$.Tenants', reason: 'network t/b cannot be removed: still used by 2 runtime attachment(s) (cni c1/eth0 on h1; cni c2/eth0 on h2) [NP_NETWORK_IN_USE]' },
    ]);
  });
  it('has nothing to say when the networks stay', () => {
    expect(networksStillInUse(intent(['a', 'b']), holds)).toEqual([]);
  });
});

describe('loadDesired', () => {
  it('reuses what this process committed, yet sees an apply made through another handle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-desired-'));
    const a = EmbeddedStore.open(dir, { safetyPollMs: 0, leaseSweepMs: 0 });
    const b = EmbeddedStore.open(dir, { safetyPollMs: 0, leaseSweepMs: 0 });
    const doc = (nets: string[]) => JSON.stringify({ Tenants: [{ Name: 't', SubnetPool: '10.1.0.0/16', Networks: nets.map((n) => ({ Name: n })) }] });
    try {
      const first = await applyIntent(a, doc(['x']));
      const mine = await loadDesired(a);
      expect(mine.state?.networks.map((n) => n.name)).toEqual(['x']);
      // Unchanged keys: the same object, and only revisions read (never the intent text).
      const reads: string[] = [];
      for (const m of ['get', 'list', 'modRevision'] as const) {
        vi.spyOn(a, m).mockImplementation(((key: string) => {
          reads.push(`${m} ${key}`);
          return (EmbeddedStore.prototype[m] as (k: string) => unknown).call(a, key);
        }) as never);
      }
      expect(await loadDesired(a)).toBe(mine);
      expect(reads.sort()).toEqual([`modRevision ${KEYS.meta}`, `modRevision ${KEYS.intent}`]);
      vi.restoreAllMocks();
      expect(mine.metaRevision).toBe(first.revision);
      // Another netmaster (another handle) applies: this one must not serve its old copy.
      await applyIntent(b, doc(['x', 'y']));
      const seen = await loadDesired(a);
      expect(seen.state?.networks.map((n) => n.name)).toEqual(['x', 'y']);
      // A store changed behind netmaster's back without the meta key (an old store's intent key moved) is re-read too.
      const text = (await a.get(KEYS.intent))!.value;
      await b.txn([], [{ type: 'delete', key: KEYS.intent }, { type: 'put', key: KEYS.legacyIntent, value: text }]);
      expect((await loadDesired(a)).legacyIntent).toBe(true);
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('planOps', () => {
  it('gives the same ops in slices as in one piece: puts for created and updated objects, deletes after them', async () => {
    const many = (names: string[]) => {
      const p = parseIntent(JSON.stringify({ Tenants: [{ Name: 't', SubnetPool: '10.0.0.0/8', AllocSubnetLen: 28, Vlans: '1-4000', Networks: names.map((n) => ({ Name: n })) }] }));
      if (!p.ok) throw new Error('parse');
      return p.intent;
    };
    const a = allocate(many(Array.from({ length: 700 }, (_, i) => `n${i}`)), undefined);
    if (!a.ok) throw new Error('allocate');
    const b = allocate(many(Array.from({ length: 700 }, (_, i) => `n${i + 350}`)), a.state);
    if (!b.ok) throw new Error('allocate');
    const plan = diffState(a.state, b.state);
    let pauses = 0;
    const ops = await planOpsSliced(plan, b.state, { sliceMs: 1, now: ((t) => () => t++)(0), pause: async () => void pauses++ });
    expect(pauses).toBeGreaterThanOrEqual(2); // 700 ops, a pause allowed every 256
    expect(ops).toEqual(planOps(plan, b.state));
    expect(ops.filter((o) => o.type === 'put').length).toBe(350);
    expect(ops.filter((o) => o.type === 'delete').length).toBe(350);
    const put = ops.find((o) => o.type === 'put' && o.key === KEYS.network('t', 'n1049'));
    expect(put && put.type === 'put' ? JSON.parse(put.value) : undefined).toEqual(b.state.networks.find((n) => n.name === 'n1049'));
    expect(ops.findIndex((o) => o.type === 'delete')).toBe(350);
  });
});

describe('policy keys', () => {
  it('an apply writes one policy key per tenant with groups or policies, reads it back, and deletes it with the last group', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-desired-policy-'));
    const store = EmbeddedStore.open(dir, { safetyPollMs: 0, leaseSweepMs: 0 });
    const doc = (withPolicy: boolean) =>
      JSON.stringify({
        Tenants: [
          {
            Name: 't',
            SubnetPool: '10.1.0.0/16',
            Networks: [{ Name: 'n', Endpoints: [{ Container: 'c', ...(withPolicy ? { Groups: ['web'] } : {}) }] }],
            ...(withPolicy ? { Groups: [{ Name: 'web', Policies: ['p'] }], Policies: [{ Name: 'p', Rules: [{ Priority: 1, Direction: 'in', Action: 'deny' }] }] } : {}),
          },
          { Name: 'u', SubnetPool: '10.1.0.0/16', Networks: [] },
        ],
      });
    try {
      await applyIntent(store, doc(true));
      const stored = await store.get(KEYS.policy('t'));
      expect(JSON.parse(stored!.value)).toMatchObject({ tenant: 't', groups: ['web'], rules: [{ id: 't/p/0', appliesTo: ['web'], action: 'deny' }] });
      expect(await store.get(KEYS.policy('u'))).toBeUndefined();
      expect(JSON.parse((await store.get(KEYS.endpoint('t', 'n', 'c')))!.value).groups).toEqual(['web']);
      const loaded = await loadDesired(store);
      expect(loaded.state?.policies.map((p) => p.tenant)).toEqual(['t']);

      await applyIntent(store, doc(false));
      expect(await store.get(KEYS.policy('t'))).toBeUndefined();
      expect(JSON.parse((await store.get(KEYS.endpoint('t', 'n', 'c')))!.value)).not.toHaveProperty('groups');
      expect((await loadDesired(store)).state?.policies).toEqual([]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
