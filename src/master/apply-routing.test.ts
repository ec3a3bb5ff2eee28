import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetpluginError } from '../common/errors.js';
import { EmbeddedStore } from '../state/embedded.js';
import { KEYS } from '../state/keys.js';
import { applyIntent } from './apply.js';
import { applyDelta } from './delta.js';

let dir: string;
let store: EmbeddedStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-apply-routing-'));
  store = EmbeddedStore.open(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

type Json = Record<string, any>;

/** Tenant `name` with a VLAN network and a VXLAN network carved from one pool. */
const tenant = (name: string): Json => ({
  Name: name,
  SubnetPool: '10.1.0.0/16',
  Networks: [
    { Name: 'web', PktTagType: 'vlan', Endpoints: [{ Container: `${name}-c1` }] },
    { Name: 'db', PktTagType: 'vxlan', Endpoints: [{ Container: `${name}-c2` }] },
  ],
});
const intent = (...names: string[]): string => JSON.stringify({ Tenants: names.map(tenant) });

/** Everything stored under the config prefix, key → value. */
async function config(s: EmbeddedStore): Promise<Map<string, string>> {
  return new Map((await s.list(KEYS.configPrefix)).items.map((kv) => [kv.key, kv.value]));
}

async function routeIdOf(s: EmbeddedStore, name: string): Promise<number> {
  return (JSON.parse((await s.get(KEYS.tenant(name)))!.value) as { routeId: number }).routeId;
}

/** The rejection `p` ends in (fails the test when it resolves). */
async function rejectionOf(p: Promise<unknown>): Promise<NetpluginError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(NetpluginError);
  return e as NetpluginError;
}

describe('routing fields through apply', () => {
  it('stores gatewayMode/external on every network and a routeId on every tenant', async () => {
    const doc = { Tenants: [tenant('a')] };
    doc.Tenants[0].Networks[0].Gateway = 'external';
    doc.Tenants[0].Networks[1].External = 'none';
    await applyIntent(store, JSON.stringify(doc));
    const web = JSON.parse((await store.get(KEYS.network('a', 'web')))!.value);
    const db = JSON.parse((await store.get(KEYS.network('a', 'db')))!.value);
    expect([web.gatewayMode, web.external, db.gatewayMode, db.external]).toEqual(['external', 'snat', 'distributed', 'none']);
    expect(await routeIdOf(store, 'a')).toBe(1);
  });

  it('keeps every routeId across re-applies and a netmaster restart, and frees the id of a removed tenant', async () => {
    await applyIntent(store, intent('a', 'b', 'c'));
    expect([await routeIdOf(store, 'a'), await routeIdOf(store, 'b'), await routeIdOf(store, 'c')]).toEqual([1, 2, 3]);
    expect((await applyIntent(store, intent('a', 'b', 'c'))).applied).toBe(false);

    // A new netmaster process: nothing in memory, only what the store holds.
    await store.close();
    store = EmbeddedStore.open(dir);
    await applyIntent(store, intent('c', 'b'));
    expect([await routeIdOf(store, 'b'), await routeIdOf(store, 'c')]).toEqual([2, 3]);
    expect(await store.get(KEYS.tenant('a'))).toBeUndefined();

    await store.close();
    store = EmbeddedStore.open(dir);
    await applyIntent(store, intent('c', 'b', 'd'));
    expect([await routeIdOf(store, 'b'), await routeIdOf(store, 'c'), await routeIdOf(store, 'd')]).toEqual([2, 3, 1]);
  });

  const bad: [string, (d: Json) => void, string, RegExp][] = [
    ['a Gateway value other than distributed/external', (d) => (d.Tenants[0].Networks[0].Gateway = 'physical'), '$.Tenants[0].Networks[0].Gateway', /must be "distributed" or "external"/],
    ['an External value other than snat/none', (d) => (d.Tenants[1].Networks[1].External = 'SNAT'), '$.Tenants[1].Networks[1].External', /must be "snat" or "none"/],
    ['an external Gateway on a VXLAN network', (d) => (d.Tenants[1].Networks[1].Gateway = 'external'), '$.Tenants[1].Networks[1].Gateway', /needs a VLAN network, and this network is VXLAN/],
    [
      'an external Gateway on a network VXLAN by the tenant default',
      (d) => ((d.Tenants[0].DefaultNetType = 'vxlan'), delete d.Tenants[0].Networks[0].PktTagType, (d.Tenants[0].Networks[0].Gateway = 'external')),
      '$.Tenants[0].Networks[0].Gateway',
      /this network is VXLAN \(the tenant's DefaultNetType\)/,
    ],
    ['a DefaultGw outside SubnetCIDR', (d) => Object.assign(d.Tenants[0].Networks[0], { SubnetCIDR: '10.9.0.0/24', DefaultGw: '10.8.0.1' }), '$.Tenants[0].Networks[0].DefaultGw', /^DefaultGw 10\.8\.0\.1 is outside the subnet 10\.9\.0\.0\/24$/],
    ['a DefaultGw outside the pool', (d) => (d.Tenants[0].Networks[0].DefaultGw = '11.200.0.1'), '$.Tenants[0].Networks[0].DefaultGw', /^DefaultGw 11\.200\.0\.1 is outside the tenant's SubnetPool 10\.1\.0\.0\/16/],
  ];

  it.each(bad)('refuses %s whole, naming the field, and applies nothing', async (_name, mutate, path, reason) => {
    await applyIntent(store, intent('a', 'b'));
    const rev = await store.revision();
    const before = await config(store);
    const d = { Tenants: [tenant('a'), tenant('b'), tenant('c')] };
    mutate(d);
    const err = await rejectionOf(applyIntent(store, JSON.stringify(d)));
    expect(err.code).toBe('NP_INTENT_INVALID');
    expect(err.message).toMatch(/nothing was applied/);
    const problems = err.details!.problems as { path: string; reason: string }[];
    expect(problems.map((p) => p.path)).toEqual([path]);
    expect(problems[0].reason).toMatch(reason);
    // Tenant c and every valid change alongside the bad one are left out too.
    expect(await store.revision()).toBe(rev);
    expect(await config(store)).toEqual(before);
  });

  it('refuses a bad value in a delta whole, at the delta path, and applies nothing', async () => {
    await applyIntent(store, intent('a', 'b'));
    const rev = await store.revision();
    const delta = { Tenants: [{ Name: 'a', Networks: [{ Name: 'new', Endpoints: [] }, { Name: 'db', Gateway: 'external' }] }] };
    const err = await rejectionOf(applyDelta(store, JSON.stringify(delta), 'add'));
    expect(err.code).toBe('NP_INTENT_INVALID');
    expect((err.details!.problems as { path: string }[]).map((p) => p.path)).toEqual(['$.Tenants[0].Networks[1].Gateway']);
    expect(await store.revision()).toBe(rev);
    expect(await store.get(KEYS.network('a', 'new'))).toBeUndefined();
  });
});
