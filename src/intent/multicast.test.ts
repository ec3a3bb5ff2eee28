import { describe, expect, it } from 'vitest';
import { intentProblems } from '../../test/helpers/intent-problems.js';
import { allocate } from './allocate.js';
import { parseDelta } from './delta.js';
import { mergeDelta } from './merge.js';
import { multicastOf, multicastRouterOf } from './multicast.js';
import { toClassicJson } from './normalize.js';
import { parseIntent } from './parse.js';
import { diffState, formatPlan } from './plan.js';
import type { DesiredState, Intent, NetworkState } from './types.js';

type Json = Record<string, any>;

/** A tenant with a VLAN network `v` and a VXLAN network `x`, each with one endpoint. */
function doc(): Json {
  return {
    Tenants: [
      {
        Name: 't',
        SubnetPool: '10.0.0.0/16',
        Vlans: '100-110',
        Vxlans: '5000-5010',
        Networks: [
          { Name: 'v', PktTagType: 'vlan', Endpoints: [{ Container: 'c1', Host: 'host1' }] },
          { Name: 'x', PktTagType: 'vxlan', Endpoints: [{ Container: 'c2', Host: 'host2' }] },
        ],
      },
    ],
  };
}

const V = '$.Tenants[0].Networks[0]';
const X = '$.Tenants[0].Networks[1]';

function parsed(d: Json): Intent {
  const p = parseIntent(JSON.stringify(d));
  if (!p.ok) throw new Error(JSON.stringify(p.problems));
  return p.intent;
}

function run(d: Json, previous?: DesiredState): DesiredState {
  const a = allocate(parsed(d), previous);
  if (!a.ok) throw new Error(JSON.stringify(a.problems));
  return a.state;
}

const net = (s: DesiredState, name: string): NetworkState => s.networks.find((n) => n.name === name)!;

describe('multicastOf / multicastRouterOf', () => {
  const plain = JSON.parse('{"id":"t/n","tenant":"t","name":"n","pktTagType":"vlan","pktTag":1,"subnet":"10.0.0.0/24","gateway":"10.0.0.1","mtu":1500}') as NetworkState;

  it('read a network state without the fields as snoop and no router', () => {
    expect([multicastOf(plain), multicastRouterOf(plain)]).toEqual(['snoop', false]);
  });

  it('read the stored values when present', () => {
    expect([multicastOf({ multicast: 'flood' }), multicastOf({ multicast: 'snoop' })]).toEqual(['flood', 'snoop']);
    expect([multicastRouterOf({ multicastRouter: true }), multicastRouterOf({ multicastRouter: false })]).toEqual([true, false]);
  });
});

describe('Multicast and MulticastRouter in the intent', () => {
  it('are read in any key spelling and stored in the network state only when written', () => {
    const d = doc();
    Object.assign(d.Tenants[0].Networks[0], { multicast: 'flood', MULTICASTROUTER: true });
    const s = run(d);
    expect(net(s, 'v')).toMatchObject({ multicast: 'flood', multicastRouter: true });
    expect(net(s, 'x')).not.toHaveProperty('multicast');
    expect(net(s, 'x')).not.toHaveProperty('multicastRouter');
    expect([multicastOf(net(s, 'x')), multicastRouterOf(net(s, 'x'))]).toEqual(['snoop', false]);
  });

  it('snoop on either kind of network, and MulticastRouter false on a VXLAN network, are valid', () => {
    const d = doc();
    Object.assign(d.Tenants[0].Networks[0], { Multicast: 'snoop', MulticastRouter: true });
    Object.assign(d.Tenants[0].Networks[1], { Multicast: 'snoop', MulticastRouter: false });
    expect(intentProblems(d)).toEqual([]);
    expect(net(run(d), 'x')).toMatchObject({ multicast: 'snoop', multicastRouter: false });
  });

  it.each([
    ['an unknown mode', 'broadcast', '"broadcast"'],
    ['a mode in another case', 'Flood', '"Flood"'],
    ['a boolean', true, 'true'],
    ['a number', 1, '1'],
  ])('Multicast as %s is refused at its field, listing the accepted values', (_name, value, shown) => {
    const d = doc();
    d.Tenants[0].Networks[1].Multicast = value;
    expect(intentProblems(d)).toEqual([{ path: `${X}.Multicast`, reason: `must be "snoop" or "flood" (got ${shown})` }]);
  });

  it.each([['a string', 'true'], ['a number', 1]])('MulticastRouter as %s is refused at its field', (_name, value) => {
    const d = doc();
    d.Tenants[0].Networks[0].MulticastRouter = value;
    expect(intentProblems(d)).toEqual([{ path: `${V}.MulticastRouter`, reason: 'must be true or false' }]);
  });

  it('MulticastRouter true on a network made VXLAN by its PktTagType is refused: no trunk', () => {
    const d = doc();
    d.Tenants[0].Networks[1].MulticastRouter = true;
    const p = intentProblems(d);
    expect(p.map((x) => x.path)).toEqual([`${X}.MulticastRouter`]);
    expect(p[0].reason).toMatch(/^MulticastRouter true needs a VLAN network, and this network is VXLAN \(its PktTagType\): .*a VXLAN network has no trunk/);
  });

  it('MulticastRouter true on a network made VXLAN by the tenant default is refused, naming the default', () => {
    const d = doc();
    d.Tenants[0].DefaultNetType = 'vxlan';
    delete d.Tenants[0].Networks[0].PktTagType;
    d.Tenants[0].Networks[0].MulticastRouter = true;
    const p = intentProblems(d);
    expect(p.map((x) => x.path)).toEqual([`${V}.MulticastRouter`]);
    expect(p[0].reason).toMatch(/this network is VXLAN \(the tenant's DefaultNetType\)/);
  });

  it('are written back by toClassicJson only when the intent wrote them', () => {
    const d = doc();
    Object.assign(d.Tenants[0].Networks[0], { Multicast: 'flood', MulticastRouter: false });
    const nets = (toClassicJson(parsed(d)) as Json).Tenants[0].Networks;
    expect(nets[0]).toMatchObject({ Multicast: 'flood', MulticastRouter: false });
    expect(nets[1]).not.toHaveProperty('Multicast');
    expect(nets[1]).not.toHaveProperty('MulticastRouter');
    expect(parsed(toClassicJson(parsed(d)))).toEqual(parsed(d));
  });
});

describe('a change of multicast settings in the plan', () => {
  it('Multicast alone is an update of that field only, shown old -> new', () => {
    const d = doc();
    const first = run(d);
    d.Tenants[0].Networks[1].Multicast = 'flood';
    const next = run(d, first);
    const plan = diffState(first, next);
    expect(plan).toEqual({ create: [], update: [{ kind: 'network', id: 't/x', fields: ['multicast'] }], delete: [] });
    expect(formatPlan(plan, first, next)).toContain('~ network t/x (multicast - -> flood)');
    // Back to snoop: again an update, of the same field.
    d.Tenants[0].Networks[1].Multicast = 'snoop';
    expect(diffState(next, run(d, next)).update).toEqual([{ kind: 'network', id: 't/x', fields: ['multicast'] }]);
  });

  it('MulticastRouter alone is an update of that field only', () => {
    const d = doc();
    const first = run(d);
    d.Tenants[0].Networks[0].MulticastRouter = true;
    const next = run(d, first);
    expect(diffState(first, next)).toEqual({ create: [], update: [{ kind: 'network', id: 't/v', fields: ['multicastRouter'] }], delete: [] });
    expect(next.endpoints).toEqual(first.endpoints);
  });

  it('re-applying the same intent changes nothing', () => {
    const d = doc();
    Object.assign(d.Tenants[0].Networks[0], { Multicast: 'flood', MulticastRouter: true });
    const first = run(d);
    expect(diffState(first, run(d, first)).update).toEqual([]);
  });
});

describe('Multicast and MulticastRouter in an -add-cfg delta', () => {
  function merged(delta: Json, onto: Json = doc()) {
    const p = parseDelta(JSON.stringify(delta), 'add');
    if (!p.ok) throw new Error(JSON.stringify(p.problems));
    const m = mergeDelta(parsed(onto), p.delta);
    if (!m.ok) throw new Error('merge');
    return m;
  }

  it('override a network field by field, keeping what the delta does not write', () => {
    const base = doc();
    Object.assign(base.Tenants[0].Networks[0], { Multicast: 'flood', MulticastRouter: true });
    const m = merged({ Tenants: [{ Name: 't', Networks: [{ Name: 'v', Multicast: 'snoop' }] }] }, base);
    expect(m.intent.tenants[0].networks[0]).toMatchObject({ name: 'v', multicast: 'snoop', multicastRouter: true });
    const m2 = merged({ Tenants: [{ Name: 't', Networks: [{ Name: 'v', MulticastRouter: false }] }] }, base);
    expect(m2.intent.tenants[0].networks[0]).toMatchObject({ multicast: 'flood', multicastRouter: false });
    expect(m2.intent.tenants[0].networks[1]).not.toHaveProperty('multicast');
  });

  it('a bad Multicast value in a delta is refused at the delta field', () => {
    const p = parseDelta(JSON.stringify({ Tenants: [{ Name: 't', Networks: [{ Name: 'x', Multicast: 'all' }] }] }), 'add');
    expect(p.ok ? [] : p.problems).toEqual([{ path: `$.Tenants[0].Networks[0].Multicast`, reason: 'must be "snoop" or "flood" (got "all")' }]);
  });

  it('MulticastRouter true merged onto a VXLAN network is refused at the delta field', () => {
    const m = merged({ Tenants: [{ Name: 't', Networks: [{ Name: 'x', MulticastRouter: true }] }] });
    const a = allocate(m.intent, undefined);
    expect(a.ok ? [] : m.origins.translate(a.problems, m.intent).map((p) => p.path)).toEqual(['$.Tenants[0].Networks[0].MulticastRouter']);
  });
});
