import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TenantPolicyState } from '../intent/policy-types.js';
import { EmbeddedStore } from '../state/embedded.js';
import { until } from '../../test/helpers/until.js';
import { KEYS } from '../state/keys.js';
import { DesiredStateCache } from './desired.js';

let dir: string;
let store: EmbeddedStore;
let cache: DesiredStateCache;

const policy = (tenant: string, rules: number): TenantPolicyState => ({
  tenant,
  routeId: 1,
  groups: ['web'],
  rules: Array.from({ length: rules }, (_, i) => ({ id: `${tenant}/p/${i}`, policy: 'p', appliesTo: ['web'], priority: 10 - i, direction: 'in', action: 'deny' })),
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'np-desired-cache-'));
  store = EmbeddedStore.open(dir);
  await store.put(KEYS.policy('t1'), JSON.stringify(policy('t1', 1)));
  cache = new DesiredStateCache(store, () => {}, (err) => {
    throw err;
  });
  await cache.start();
});
afterEach(async () => {
  await cache.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});


describe('DesiredStateCache policies', () => {
  it('loads policy keys, follows their puts, and drops one when its key is deleted', async () => {
    expect(cache.current().policies.get('t1')?.rules.map((r) => r.id)).toEqual(['t1/p/0']);
    await store.put(KEYS.policy('t2'), JSON.stringify(policy('t2', 2)));
    await until(() => cache.current().policies.get('t2')?.rules.length === 2);
    await store.put(KEYS.policy('t1'), JSON.stringify(policy('t1', 3)));
    await until(() => cache.current().policies.get('t1')?.rules.length === 3);
    await store.delete(KEYS.policy('t1'));
    // Positive control: a later write is visible, so the delete before it has been applied.
    await store.put(KEYS.host('marker'), JSON.stringify({ name: 'marker' }));
    await until(() => cache.current().hosts.has('marker'));
    expect([...cache.current().policies.keys()]).toEqual(['t2']);
  });
});
