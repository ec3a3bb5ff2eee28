import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { allocate } from '../intent/allocate.js';
import { parseIntent } from '../intent/parse.js';
import * as planModule from '../intent/plan.js';
import type { Intent } from '../intent/types.js';
import { EmbeddedStore } from '../state/embedded.js';
import { applyIntent, previousNamedBy } from './apply.js';
import { applyResponseJson } from './apply-response.js';

let dir: string;
let store: EmbeddedStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-apply-slices-'));
  store = EmbeddedStore.open(dir, { safetyPollMs: 0, leaseSweepMs: 0 });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A tenant `t` with networks named `nets`, each with containers `<net>-a` and `<net>-b`. */
function doc(nets: string[], extra: object[] = []): string {
  const Networks = nets.map((n) => ({ Name: n, Endpoints: [{ Container: `${n}-a` }, { Container: `${n}-b` }] }));
  return JSON.stringify({ Tenants: [{ Name: 't', SubnetPool: '10.1.0.0/16', AllocSubnetLen: 24, Vlans: '100-400', Networks }, ...extra] });
}

function parsed(text: string): Intent {
  const p = parseIntent(text);
  if (!p.ok) throw new Error(JSON.stringify(p.problems));
  return p.intent;
}

describe('previousNamedBy', () => {
  it('keeps only the previous networks and endpoints the intent names, and allocation gives the same state', () => {
    const first = allocate(parsed(doc(['a', 'b', 'c', 'd'])), undefined);
    if (!first.ok) throw new Error('allocate');
    // Kept: b, d (d with one container changed); dropped: a, c; new: e (would take a's old slot if it were free).
    const next = parsed(JSON.stringify({ Tenants: [{ Name: 't', SubnetPool: '10.1.0.0/16', AllocSubnetLen: 24, Vlans: '100-200', Networks: [{ Name: 'e' }, { Name: 'd', Endpoints: [{ Container: 'd-b' }, { Container: 'd-new' }] }, { Name: 'b', Endpoints: [{ Container: 'b-a' }] }] }] }));
    const named = previousNamedBy(next, first.state)!;
    expect(named.networks.map((n) => n.id).sort()).toEqual(['t/b', 't/d']);
    expect(named.endpoints.map((e) => e.id).sort()).toEqual(['t/b/b-a', 't/d/d-b']);
    expect(named.tenants).toBe(first.state.tenants);
    expect(allocate(next, named)).toEqual(allocate(next, first.state));
    expect(previousNamedBy(next, undefined)).toBeUndefined();
  });
});

describe('apply result', () => {
  it('formats the plan text only when it is read, the same text in one piece or in slices', async () => {
    await applyIntent(store, doc(['a', 'b']));
    const format = vi.spyOn(planModule, 'formatPlan');
    const r = await applyIntent(store, doc(['b', 'c']));
    expect(r.applied).toBe(true);
    expect(format).not.toHaveBeenCalled();
    const text = r.planText;
    expect(format).toHaveBeenCalledTimes(1);
    expect(text).toContain('- network t/a (vlan 100, 10.1.0.0/24, gw 10.1.0.1)');
    expect(text).toContain('+ network t/c');
    expect(await r.planTextSliced()).toBe(text);
    expect(r.planText).toBe(text);
    expect(format).toHaveBeenCalledTimes(1);
    // Read in slices first: the same text, and formatPlan is not needed at all.
    const again = await applyIntent(store, doc(['a', 'b']));
    expect(await again.planTextSliced()).toBe(planModule.formatPlan(again.plan, r.state, again.state));
    expect(format).toHaveBeenCalledTimes(2); // the comparison's own call
    expect(again.planText).toContain('+ network t/a');
    expect(format).toHaveBeenCalledTimes(2);
  });

  it('serialises an apply answer in slices exactly as JSON.stringify does', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `n${i}`);
    await applyIntent(store, doc(names));
    // 300 networks and endpoints deleted, 150 + 300 created, and an update: more than one block of each list.
    const r = await applyIntent(store, doc(names.map((n) => `${n}x`), [{ Name: 'other' }]));
    const text = await applyResponseJson(r);
    const body = { applied: r.applied, dryRun: r.dryRun, plan: r.plan, planText: r.planText, revision: r.revision };
    expect(r.plan.delete.length).toBeGreaterThan(256);
    expect(r.plan.create.length).toBeGreaterThan(256);
    expect(text).toBe(JSON.stringify(body));
    const empty = await applyIntent(store, doc(names.map((n) => `${n}x`), [{ Name: 'other' }]));
    expect(await applyResponseJson(empty)).toBe(JSON.stringify({ applied: false, dryRun: false, plan: { create: [], update: [], delete: [] }, planText: 'no changes\n', revision: empty.revision }));
  });
});
