import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allocate } from './allocate.js';
import { toClassicJson } from './normalize.js';
import { parseIntent } from './parse.js';
import { diffState, formatPlan } from './plan.js';
import { allocateRouteIds } from './route-ids.js';
import { externalOf, gatewayModeOf, ROUTE_ID_MAX } from './routing.js';
import type { DesiredState, NetworkState, TenantState } from './types.js';

type Json = Record<string, any>;

/** Parses and allocates `doc` on top of `previous`, failing the test on any problem. */
function run(doc: Json, previous?: DesiredState): DesiredState {
  const p = parseIntent(JSON.stringify(doc));
  if (!p.ok) throw new Error(JSON.stringify(p.problems));
  const a = allocate(p.intent, previous);
  if (!a.ok) throw new Error(JSON.stringify(a.problems));
  return a.state;
}

/** An intent with these tenants, each with one network carved from the same pool. */
const tenants = (...names: string[]): Json => ({
  Tenants: names.map((name) => ({ Name: name, SubnetPool: '10.0.0.0/16', Vlans: '1-4094', Networks: [{ Name: 'n', PktTagType: 'vxlan', Endpoints: [] }] })),
});
const routeIds = (s: DesiredState): Record<string, number> => Object.fromEntries(s.tenants.map((t) => [t.name, t.routeId]));

describe('gatewayModeOf / externalOf', () => {
  const old = JSON.parse('{"id":"t/n","tenant":"t","name":"n","pktTagType":"vlan","pktTag":1,"subnet":"10.0.0.0/24","gateway":"10.0.0.1","mtu":1500}') as NetworkState;

  it('read a network state written before routing as the defaults', () => {
    expect([gatewayModeOf(old), externalOf(old)]).toEqual(['distributed', 'snat']);
  });

  it('read the stored values when present', () => {
    expect([gatewayModeOf({ ...old, gatewayMode: 'external' }), externalOf({ ...old, external: 'none' })]).toEqual(['external', 'none']);
    expect([gatewayModeOf({ ...old, gatewayMode: 'distributed' }), externalOf({ ...old, external: 'snat' })]).toEqual(['distributed', 'snat']);
  });
});

describe('network routing fields', () => {
  it('the example of the Routing section in docs/intent.md is valid and means what the text says', () => {
    const docs = readFileSync(fileURLToPath(new URL('../../docs/intent.md', import.meta.url)), 'utf8');
    const section = docs.slice(docs.indexOf('## Routing'), docs.indexOf('## Problems'));
    const json = section.match(/```json\n([\s\S]*?)```/)![1];
    const s = run(JSON.parse(json));
    expect(s.networks.map((n) => [n.name, n.pktTagType, n.pktTag, n.subnet, n.gateway, n.gatewayMode, n.external])).toEqual([
      ['orange', 'vxlan', 10001, '11.1.0.0/24', '11.1.0.1', 'distributed', 'snat'],
      ['purple', 'vlan', 30, '11.1.1.0/24', '11.1.1.254', 'external', 'snat'],
    ]);
  });

  it('are stored as written and default to distributed / snat', () => {
    const s = run({
      Tenants: [
        {
          Name: 't',
          SubnetPool: '10.0.0.0/16',
          Networks: [
            { Name: 'plain', Endpoints: [] },
            { Name: 'handoff', Gateway: 'external', External: 'none', DefaultGw: '10.0.9.254', Endpoints: [{ Container: 'c1' }] },
            { Name: 'closed', PktTagType: 'vxlan', Gateway: 'distributed', External: 'none', Endpoints: [] },
          ],
        },
      ],
    });
    expect(s.networks.map((n) => [n.name, n.gatewayMode, n.external])).toEqual([
      ['closed', 'distributed', 'none'],
      ['handoff', 'external', 'none'],
      ['plain', 'distributed', 'snat'],
    ]);
    // The router's address is the gateway: never handed to a container.
    const handoff = s.networks.find((n) => n.name === 'handoff')!;
    expect([handoff.subnet, handoff.gateway]).toEqual(['10.0.9.0/24', '10.0.9.254']);
    expect(s.endpoints.map((e) => e.ip)).toEqual(['10.0.9.1']);
  });

  it('are written back by toClassicJson only when the intent wrote them, so old intents read back unchanged', () => {
    const text = { Tenants: [{ Name: 't', SubnetPool: '10.0.0.0/16', Networks: [{ Name: 'a', Endpoints: [] }, { Name: 'b', Gateway: 'external', External: 'none', Endpoints: [] }] }] };
    const p = parseIntent(JSON.stringify(text));
    if (!p.ok) throw new Error('parse');
    const nets = (toClassicJson(p.intent).Tenants as Json[])[0].Networks as Json[];
    expect(Object.keys(nets[0])).toEqual(['Name', 'Endpoints']);
    expect(nets[1]).toEqual({ Name: 'b', Gateway: 'external', External: 'none', Endpoints: [] });
  });

  it('a change of External is an update of that field only', () => {
    const doc = tenants('t');
    const first = run(doc);
    doc.Tenants[0].Networks[0].External = 'none';
    const plan = diffState(first, run(doc, first));
    expect(plan).toEqual({ create: [], update: [{ kind: 'network', id: 't/n', fields: ['external'] }], delete: [] });
  });
});

describe('tenant routeId', () => {
  it('is allocated lowest first and unique among tenants', () => {
    const s = run(tenants('c', 'a', 'b'));
    expect(routeIds(s)).toEqual({ c: 1, a: 2, b: 3 });
  });

  it('is stable across re-applies, also when tenants are added before it or reordered', () => {
    const first = run(tenants('a', 'b'));
    const again = run(tenants('a', 'b'), first);
    expect(again.tenants).toEqual(first.tenants);
    expect(diffState(first, again).update).toEqual([]);
    const more = run(tenants('new', 'b', 'a'), again);
    expect(routeIds(more)).toEqual({ a: 1, b: 2, new: 3 });
  });

  it('is freed when its tenant goes, and reused by the next new tenant', () => {
    const first = run(tenants('a', 'b', 'c'));
    const without = run(tenants('a', 'c'), first);
    expect(routeIds(without)).toEqual({ a: 1, c: 3 });
    const next = run(tenants('a', 'c', 'd'), without);
    expect(routeIds(next)).toEqual({ a: 1, c: 3, d: 2 });
  });

  it('is given to tenants of a state written before routing, without moving anything else', () => {
    const first = run(tenants('a', 'b'));
    const old: DesiredState = { ...first, tenants: first.tenants.map(({ routeId: _gone, ...t }) => t as TenantState) };
    const next = run(tenants('a', 'b'), old);
    expect(routeIds(next)).toEqual({ a: 1, b: 2 });
    expect(diffState(old, next).update).toEqual([
      { kind: 'tenant', id: 'a', fields: ['routeId'] },
      { kind: 'tenant', id: 'b', fields: ['routeId'] },
    ]);
  });

  it('the first apply after an upgrade fills in routeId, gatewayMode and external, as docs/intent.md shows', () => {
    const doc = { Tenants: [{ Name: 'tenant-one', SubnetPool: '11.1.0.0/16', Networks: [{ Name: 'orange', Endpoints: [] }] }] };
    const now = run(doc);
    const old: DesiredState = {
      ...now,
      tenants: now.tenants.map(({ routeId: _r, ...t }) => t as TenantState),
      networks: now.networks.map(({ gatewayMode: _g, external: _e, ...n }) => n as NetworkState),
    };
    const next = run(doc, old);
    const text = formatPlan(diffState(old, next), old, next);
    const docs = readFileSync(fileURLToPath(new URL('../../docs/intent.md', import.meta.url)), 'utf8');
    for (const line of text.split('\n').filter((l) => l.startsWith('~'))) expect(docs).toContain(line);
    expect(text).toContain('~ tenant tenant-one (routeId - -> 1)');
    expect(text).toContain('~ network tenant-one/orange (external - -> snat, gatewayMode - -> distributed)');
  });

  it('replaces previous ids that are out of range or held twice (a hand-edited store)', () => {
    const prev = (name: string, routeId: number): TenantState => ({ name, defaultNetType: 'vlan', subnetPool: '', allocSubnetLen: 24, vlans: '1-4094', vxlans: '10001-14000', routeId });
    const r = allocateRouteIds(['a', 'b', 'c', 'd'], [prev('a', 7), prev('b', 7), prev('c', ROUTE_ID_MAX + 1), prev('d', 1.5)]);
    if (!r.ok) throw new Error(r.problem.reason);
    expect(Object.fromEntries(r.ids)).toEqual({ a: 7, b: 1, c: 2, d: 3 });
  });

  it('runs out after 4078 tenants with an error naming Tenants, and then allocates nothing', () => {
    const names = Array.from({ length: ROUTE_ID_MAX }, (_, i) => `t${i}`);
    const full = allocateRouteIds(names, undefined);
    if (!full.ok) throw new Error(full.problem.reason);
    expect(new Set(full.ids.values()).size).toBe(ROUTE_ID_MAX);
    expect(Math.max(...full.ids.values())).toBe(ROUTE_ID_MAX);

    const doc = { Tenants: [...names, 'one-too-many'].map((name) => ({ Name: name })) };
    const p = parseIntent(JSON.stringify(doc));
    if (!p.ok) throw new Error('parse');
    const a = allocate(p.intent, undefined);
    expect(a).toEqual({
      ok: false,
      problems: [
        {
          path: '$.Tenants',
          reason: `too many tenants: 4079 given, at most 4078 can exist at once (routing ids 1-4078 are all taken when tenant "one-too-many", $.Tenants[4078], needs one); remove tenants`,
        },
      ],
    });
  });

  it('after exhaustion, deleting one tenant lets a new one take its id', () => {
    const names = Array.from({ length: ROUTE_ID_MAX }, (_, i) => `t${i}`);
    const first = allocateRouteIds(names, undefined);
    if (!first.ok) throw new Error(first.problem.reason);
    const prev = [...first.ids].map(([name, routeId]): TenantState => ({ name, defaultNetType: 'vlan', subnetPool: '', allocSubnetLen: 24, vlans: '', vxlans: '', routeId }));
    const next = allocateRouteIds([...names.filter((n) => n !== 't99'), 'newcomer'], prev);
    if (!next.ok) throw new Error(next.problem.reason);
    expect(next.ids.get('newcomer')).toBe(100);
    expect(next.ids.get('t100')).toBe(101);
  });
});
