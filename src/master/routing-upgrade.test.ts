import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetpluginError } from '../common/errors.js';
import { EmbeddedStore } from '../state/embedded.js';
import { KEYS } from '../state/keys.js';
import { applyIntent } from './apply.js';
import { loadDesired } from './desired-io.js';
import { fillRoutingFields } from './routing-upgrade.js';

const example = (name: string) => readFileSync(join(import.meta.dirname, '../../examples', name), 'utf8');
let dir: string;
let store: EmbeddedStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-routing-upgrade-'));
  store = EmbeddedStore.open(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Rewrites every stored tenant and network as a netmaster from before routing wrote it, then "restarts" (reopens the store). */
async function makeStateOld(): Promise<void> {
  const ops = [];
  for (const prefix of [KEYS.tenantsPrefix, KEYS.networksPrefix]) {
    for (const kv of (await store.list(prefix)).items) {
      const { routeId: _r, gatewayMode: _g, external: _e, ...old } = JSON.parse(kv.value) as Record<string, unknown>;
      ops.push({ type: 'put' as const, key: kv.key, value: JSON.stringify(old) });
    }
  }
  await store.txn([], ops);
  await store.close();
  store = EmbeddedStore.open(dir);
}

describe('fillRoutingFields (netmaster start)', () => {
  it('does nothing on an empty store or a state that has every routing field', async () => {
    expect(await fillRoutingFields(store)).toBeUndefined();
    await applyIntent(store, example('routing.json'));
    const rev = await store.revision();
    expect(await fillRoutingFields(store)).toBeUndefined();
    expect(await store.revision()).toBe(rev);
  });

  it('fills routeId, gatewayMode and external into a state written before routing, moving nothing else', async () => {
    await applyIntent(store, example('routing.json'));
    const before = (await loadDesired(store)).state!;
    await makeStateOld();
    const old = (await loadDesired(store)).state!;
    expect(old.tenants.every((t) => t.routeId === undefined)).toBe(true);
    expect(old.networks.every((n) => n.gatewayMode === undefined && n.external === undefined)).toBe(true);

    const r = await fillRoutingFields(store);
    expect(r?.applied).toBe(true);
    expect(r!.plan.create).toEqual([]);
    expect(r!.plan.delete).toEqual([]);
    expect(new Set(r!.plan.update.flatMap((u) => u.fields))).toEqual(new Set(['routeId', 'gatewayMode', 'external']));
    // Same as a fresh apply: tags, subnets, addresses and the external gateway all where they were.
    expect((await loadDesired(store)).state).toEqual(before);

    const rev = await store.revision();
    expect(await fillRoutingFields(store)).toBeUndefined();
    expect(await store.revision()).toBe(rev);
  });

  it('refuses when the stored intent no longer parses, and writes nothing', async () => {
    await applyIntent(store, example('routing.json'));
    await makeStateOld();
    await store.put(KEYS.intent, '{"Tenants": 5}');
    const rev = await store.revision();
    const err = await fillRoutingFields(store).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NetpluginError);
    expect((err as NetpluginError).code).toBe('NP_INTENT_INVALID');
    expect((err as NetpluginError).details!.problems).toEqual([{ path: '$.Tenants', reason: 'must be an array (in the stored intent)' }]);
    expect(await store.revision()).toBe(rev);
  });
});
