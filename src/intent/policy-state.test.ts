import { describe, expect, it } from 'vitest';
import { allocate } from './allocate.js';
import { parseIntent } from './parse.js';
import { diffState, formatPlan } from './plan.js';
import type { DesiredState, Intent } from './types.js';

type Json = Record<string, any>;

function doc(t1: Json = {}): Json {
  return {
    Tenants: [
      {
        Name: 't1',
        SubnetPool: '11.1.0.0/16',
        Networks: [{ Name: 'orange', Endpoints: [{ Container: 'web1', Groups: ['web', 'all', 'web'] }, { Container: 'db1', Groups: ['db'] }, { Container: 'x1' }] }],
        Groups: [{ Name: 'web', Policies: ['common'] }, { Name: 'db', Policies: ['db-in', 'common'] }, { Name: 'all' }],
        Policies: [
          { Name: 'db-in', Rules: [{ Priority: 20, Direction: 'in', Action: 'allow', From: 'web', Protocol: 'tcp', Port: 5432 }, { Priority: 1, Direction: 'in', Action: 'deny', Log: true }] },
          { Name: 'common', Rules: [{ Priority: 20, Direction: 'out', Action: 'allow', ToIpAddress: '10.0.0.1', Protocol: 'udp', Port: '53-54' }] },
          { Name: 'unused', Rules: [{ Priority: 9999, Direction: 'in', Action: 'deny' }] },
        ],
        ...t1,
      },
      { Name: 't2', SubnetPool: '11.1.0.0/16', Networks: [{ Name: 'orange', Endpoints: [{ Container: 'c' }] }] },
    ],
  };
}

function intentOf(d: Json): Intent {
  const p = parseIntent(JSON.stringify(d));
  if (!p.ok) throw new Error(JSON.stringify(p.problems));
  return p.intent;
}

function stateOf(d: Json, prev?: DesiredState): DesiredState {
  const a = allocate(intentOf(d), prev);
  if (!a.ok) throw new Error(JSON.stringify(a.problems));
  return a.state;
}

describe('desired policy state', () => {
  it('flattens every rule of every listed policy, highest priority first, with the groups it applies to', () => {
    const s = stateOf(doc());
    expect(s.policies).toEqual([
      {
        tenant: 't1',
        routeId: s.tenants.find((t) => t.name === 't1')!.routeId,
        groups: ['all', 'db', 'web'],
        rules: [
          { id: 't1/common/0', policy: 'common', appliesTo: ['db', 'web'], priority: 20, direction: 'out', action: 'allow', peer: { cidr: '10.0.0.1/32' }, protocol: 'udp', ports: { min: 53, max: 54 } },
          { id: 't1/db-in/0', policy: 'db-in', appliesTo: ['db'], priority: 20, direction: 'in', action: 'allow', peer: { group: 'web' }, protocol: 'tcp', ports: { min: 5432, max: 5432 } },
          { id: 't1/db-in/1', policy: 'db-in', appliesTo: ['db'], priority: 1, direction: 'in', action: 'deny', log: true },
        ],
      },
    ]);
  });

  it('gives endpoints their groups sorted and once each, and none to an endpoint without groups', () => {
    const eps = new Map(stateOf(doc()).endpoints.map((e) => [e.id, e]));
    expect(eps.get('t1/orange/web1')?.groups).toEqual(['all', 'web']);
    expect(eps.get('t1/orange/db1')?.groups).toEqual(['db']);
    expect(eps.get('t1/orange/x1')).not.toHaveProperty('groups');
  });

  it('stores a tenant with groups but no policies (so endpoints may join groups before rules exist)', () => {
    const s = stateOf(doc({ Groups: [{ Name: 'web' }, { Name: 'db' }, { Name: 'all' }], Policies: undefined }));
    expect(s.policies).toEqual([{ tenant: 't1', routeId: expect.any(Number), groups: ['all', 'db', 'web'], rules: [] }]);
  });

  it('plans a policy key create, an update naming the changed fields, and a delete when the last group and policy go', () => {
    const first = stateOf(doc());
    const created = diffState(undefined, first);
    expect(created.create.filter((i) => i.kind === 'policy')).toEqual([{ kind: 'policy', id: 't1' }]);
    // Policies are created after the endpoints whose groups they name.
    expect(created.create.at(-1)).toEqual({ kind: 'policy', id: 't1' });
    expect(formatPlan(created, undefined, first)).toContain('+ policy t1 (3 group(s), 3 rule(s))');

    const d = doc();
    d.Tenants[0].Policies[0].Rules[1].Action = 'allow';
    const edited = stateOf(d, first);
    expect(diffState(first, edited)).toEqual({ create: [], update: [{ kind: 'policy', id: 't1', fields: ['rules'] }], delete: [] });
    // The plan names the rules that changed rather than printing both lists.
    const d1 = doc();
    d1.Tenants[0].Policies[0].Rules[1].Action = 'allow';
    d1.Tenants[0].Policies[0].Rules.push({ Priority: 2, Direction: 'out', Action: 'deny' });
    d1.Tenants[0].Policies[1].Rules = [];
    const grown = stateOf(d1, first);
    expect(formatPlan(diffState(first, grown), first, grown)).toContain('~ policy t1 (rules -t1/common/0 ~t1/db-in/1 +t1/db-in/2)');

    const d2 = doc({ Groups: undefined, Policies: undefined });
    for (const e of d2.Tenants[0].Networks[0].Endpoints) delete e.Groups;
    const gone = stateOf(d2, edited);
    expect(gone.policies).toEqual([]);
    const plan = diffState(edited, gone);
    expect(plan.delete).toEqual([{ kind: 'policy', id: 't1' }]);
    expect(plan.update.map((i) => `${i.kind} ${i.id} ${i.fields}`)).toEqual(['endpoint t1/orange/db1 groups', 'endpoint t1/orange/web1 groups']);
  });

  it('reads a state stored before policies (no policies field) as having none', () => {
    const s = stateOf(doc());
    const old = { ...s, policies: undefined } as unknown as DesiredState;
    expect(diffState(old, s).create).toEqual([{ kind: 'policy', id: 't1' }]);
  });
});
