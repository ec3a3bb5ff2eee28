import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../state/embedded.js';
import { KEYS } from '../state/keys.js';
import { NetpluginError } from '../common/errors.js';
import { applyIntent } from './apply.js';
import { loadDesired } from './desired-io.js';

const example = (name: string) => readFileSync(join(import.meta.dirname, '../../examples', name), 'utf8');
let dir: string;
let store: EmbeddedStore;

type ClassicIntent = { Tenants: { Name: string; Networks?: { Name: string; Endpoints?: { Container: string }[] }[] }[] };

/** The network ids and endpoint containers an intent names, sorted. */
function namesOf(intent: ClassicIntent): { networks: string[]; containers: string[] } {
  const nets = intent.Tenants.flatMap((t) => (t.Networks ?? []).map((n) => ({ id: `${t.Name}/${n.Name}`, eps: n.Endpoints ?? [] })));
  return { networks: nets.map((n) => n.id).sort(), containers: nets.flatMap((n) => n.eps.map((e) => e.Container)).sort() };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-apply-'));
  store = EmbeddedStore.open(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('applyIntent', () => {
  it('applies the quick example in one transaction with every resource allocated', async () => {
    const before = await store.revision();
    const r = await applyIntent(store, example('one_host_vlan.json'));
    expect(r.applied).toBe(true);
    // One transaction: the store revision moved by exactly one.
    expect(r.revision).toBe(before + 1);
    const { state } = await loadDesired(store);
    expect(state!.networks).toEqual([expect.objectContaining({ id: 'tenant-one/orange', pktTagType: 'vlan', pktTag: 11, subnet: '11.1.0.0/24', gateway: '11.1.0.1', mtu: 1500 })]);
    expect(state!.endpoints.map((e) => [e.container, e.ip, e.mac, e.host])).toEqual([
      ['myContainer1', '11.1.0.2', '02:02:0b:01:00:02', 'host1'],
      ['myContainer2', '11.1.0.3', '02:02:0b:01:00:03', 'host1'],
    ]);
  });

  it('re-applying an unchanged intent writes nothing', async () => {
    await applyIntent(store, example('one_host_vlan.json'));
    const rev = await store.revision();
    const again = await applyIntent(store, example('one_host_vlan.json'));
    expect(again.applied).toBe(false);
    expect(await store.revision()).toBe(rev);
  });

  it('a dry run reports the plan and changes nothing', async () => {
    const rev = await store.revision();
    const r = await applyIntent(store, example('one_host_vlan.json'), { dryRun: true });
    expect(r.applied).toBe(false);
    expect(r.plan.create.map((i) => i.kind).sort()).toEqual(['endpoint', 'endpoint', 'network', 'tenant']);
    expect(await store.revision()).toBe(rev);
    expect(await store.get(KEYS.meta)).toBeUndefined();
  });

  it('rejects an invalid intent whole, listing every problem, and writes nothing', async () => {
    await applyIntent(store, example('one_host_vlan.json'));
    const rev = await store.revision();
    const bad = JSON.parse(example('one_host_vlan.json'));
    bad.Tenants[0].Vlans = '5000-5001';
    bad.Tenants[0].Networks[0].Colour = 'red';
    const err = await applyIntent(store, JSON.stringify(bad)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetpluginError);
    expect((err as NetpluginError).code).toBe('NP_INTENT_INVALID');
    const paths = ((err as NetpluginError).details!.problems as { path: string }[]).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['$.Tenants[0].Vlans', '$.Tenants[0].Networks[0].Colour']));
    expect(await store.revision()).toBe(rev);
  });

  it('reports malformed JSON as NP_INTENT_PARSE', async () => {
    const err = (await applyIntent(store, '{"Tenants": [').catch((e: unknown) => e)) as NetpluginError;
    expect(err.code).toBe('NP_INTENT_PARSE');
  });

  it('none.json clears everything and frees the resources', async () => {
    await applyIntent(store, example('one_host_vlan.json'));
    const r = await applyIntent(store, example('none.json'));
    expect(r.plan.delete.length).toBe(4);
    const { items } = await store.list(KEYS.endpointsPrefix);
    expect(items).toEqual([]);
    // Resources are free again: the same intent gets the same first allocations.
    await applyIntent(store, example('one_host_vlan.json'));
    const { state } = await loadDesired(store);
    expect(state!.networks[0].pktTag).toBe(11);
  });

  it('concurrent applies never interleave: both succeed one after the other', async () => {
    const other = EmbeddedStore.open(dir);
    try {
      const a = example('one_host_vlan.json');
      const b = example('one_host_multiple_nets.json');
      const [ra, rb] = await Promise.all([applyIntent(store, a), applyIntent(other, b)]);
      expect(ra.applied && rb.applied).toBe(true);
      const { state, intentText } = await loadDesired(store);
      // The final state is exactly one of the two intents, never a mix.
      const fromA = (await applyIntent(store, a, { dryRun: true })).plan;
      const fromB = (await applyIntent(store, b, { dryRun: true })).plan;
      const emptyA = fromA.create.length + fromA.update.length + fromA.delete.length === 0;
      const emptyB = fromB.create.length + fromB.update.length + fromB.delete.length === 0;
      expect(emptyA !== emptyB).toBe(true);
      // The stored networks, endpoints and intent text are all the winner's, whole.
      const winner = JSON.parse(emptyA ? a : b) as ClassicIntent;
      const loser = JSON.parse(emptyA ? b : a) as ClassicIntent;
      expect(namesOf(winner)).not.toEqual(namesOf(loser));
      expect(state!.networks.map((n) => n.id).sort()).toEqual(namesOf(winner).networks);
      expect(state!.endpoints.map((e) => e.container).sort()).toEqual(namesOf(winner).containers);
      expect(namesOf(JSON.parse(intentText!) as ClassicIntent)).toEqual(namesOf(winner));
    } finally {
      await other.close();
    }
  });

  it('keeps the intent text out of the config prefix agents follow, and moves a store written with the old key', async () => {
    await applyIntent(store, example('one_host_vlan.json'));
    const { items } = await store.list(KEYS.configPrefix);
    expect(items.map((kv) => kv.key)).not.toContain(KEYS.legacyIntent);
    expect(JSON.parse((await store.get(KEYS.intent))!.value).Tenants[0].Name).toBe('tenant-one');

    // A store from before the move: the text sits at the legacy key only.
    const text = (await store.get(KEYS.intent))!.value;
    await store.txn([], [{ type: 'delete', key: KEYS.intent }, { type: 'put', key: KEYS.legacyIntent, value: text }]);
    const old = await loadDesired(store);
    expect(old).toMatchObject({ intentText: text, legacyIntent: true });
    // Re-applying the same intent is no change; a different one writes the new key and drops the old.
    expect((await applyIntent(store, example('one_host_vlan.json'))).applied).toBe(false);
    const other = JSON.parse(text);
    other.Tenants[0].Networks[0].Name = 'green';
    expect((await applyIntent(store, JSON.stringify(other))).applied).toBe(true);
    expect(await store.get(KEYS.legacyIntent)).toBeUndefined();
    expect(JSON.parse((await store.get(KEYS.intent))!.value).Tenants[0].Networks[0].Name).toBe('green');
    expect((await loadDesired(store)).legacyIntent).toBe(false);
  });
});
