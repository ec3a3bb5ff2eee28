import { describe, expect, it } from 'vitest';
import { allocate } from './allocate.js';
import { parseDelta, type DeltaKind } from './delta.js';
import { mergeDelta } from './merge.js';
import { parseIntent } from './parse.js';
import { diffState, formatPlan } from './plan.js';
import { removeDelta } from './remove.js';
import { toClassicJson } from './normalize.js';
import type { Intent, Problem } from './types.js';

const BASE = {
  Hosts: [{ Name: 'host1' }, { Name: 'host2' }],
  Tenants: [
    {
      Name: 't1',
      SubnetPool: '11.1.0.0/16',
      Vlans: '11-28',
      Networks: [
        { Name: 'orange', Endpoints: [{ Container: 'c1', Host: 'host1' }, { Container: 'c2', Host: 'host1' }] },
        { Name: 'purple', Endpoints: [{ Container: 'c3' }] },
      ],
    },
    { Name: 't2', DefaultNetType: 'vxlan', SubnetPool: '11.1.0.0/16', Networks: [{ Name: 'orange', Endpoints: [{ Container: 'c4' }] }] },
  ],
  HostBindings: [{ Container: 'c3', Host: 'host2' }],
};

function base(): Intent {
  const p = parseIntent(JSON.stringify(BASE));
  if (!p.ok) throw new Error(JSON.stringify(p.problems));
  return p.intent;
}

/** Applies a delta document; returns the resulting intent as classic JSON, or the problems. */
function run(kind: DeltaKind, doc: unknown, onto = base()): { intent?: Record<string, unknown>; raw?: Intent; problems?: Problem[] } {
  const d = parseDelta(JSON.stringify(doc), kind);
  if (!d.ok) return { problems: d.problems };
  const r = (kind === 'add' ? mergeDelta : removeDelta)(onto, d.delta);
  if (!r.ok) return { problems: r.problems };
  return { intent: toClassicJson(r.intent), raw: r.intent };
}

type Classic = { Tenants: { Name: string; Networks: { Name: string; Endpoints: { Container: string; Host?: string }[] }[] }[]; Hosts?: { Name: string }[]; HostBindings?: { Container: string }[] };
const containers = (i: Record<string, unknown> | undefined, t: string, n: string) =>
  (i as Classic).Tenants.find((x) => x.Name === t)!.Networks.find((x) => x.Name === n)!.Endpoints.map((e) => `${e.Container}@${e.Host ?? '-'}`);

describe('mergeDelta (-add-cfg)', () => {
  it.each([
    ['a new tenant is appended whole', { Tenants: [{ Name: 't3', SubnetPool: '12.0.0.0/8', Networks: [{ Name: 'n', Endpoints: [{ Container: 'c9' }] }] }] }, (i: Record<string, unknown>) => expect(containers(i, 't3', 'n')).toEqual(['c9@-'])],
    ['a new network joins an existing tenant', { Tenants: [{ Name: 't1', Networks: [{ Name: 'green', Endpoints: [{ Container: 'c5' }] }] }] }, (i: Record<string, unknown>) => {
      expect((i as Classic).Tenants[0].Networks.map((n) => n.Name)).toEqual(['orange', 'purple', 'green']);
    }],
    ['new endpoints join an existing network', { Tenants: [{ Name: 't1', Networks: [{ Name: 'orange', Endpoints: [{ Container: 'c5', Host: 'host2' }] }] }] }, (i: Record<string, unknown>) => {
      expect(containers(i, 't1', 'orange')).toEqual(['c1@host1', 'c2@host1', 'c5@host2']);
    }],
    ['same container replaces the endpoint in place: a move between hosts', { Tenants: [{ Name: 't1', Networks: [{ Name: 'orange', Endpoints: [{ Container: 'c1', Host: 'host2' }] }] }] }, (i: Record<string, unknown>) => {
      expect(containers(i, 't1', 'orange')).toEqual(['c1@host2', 'c2@host1']);
    }],
    ['hosts and bindings are added or replaced by name / container', { Hosts: [{ Name: 'host2', VtepIp: '198.18.100.2' }, { Name: 'host3' }], HostBindings: [{ Container: 'c3', Host: 'host3' }, { Container: 'c4', Host: 'host1' }] }, (i: Record<string, unknown>) => {
      expect(i.Hosts).toEqual([{ Name: 'host1' }, { Name: 'host2', VtepIp: '198.18.100.2' }, { Name: 'host3' }]);
      expect(i.HostBindings).toEqual([{ Container: 'c3', Host: 'host3' }, { Container: 'c4', Host: 'host1' }]);
    }],
  ])('%s', (_name, doc, check) => {
    const r = run('add', doc);
    expect(r.problems).toBeUndefined();
    check(r.intent!);
  });

  it('tenant and network fields override only when the delta writes them', () => {
    const r = run('add', { Tenants: [{ Name: 't1', Vlans: '11-40', Networks: [{ Name: 'orange', PktTag: 30 }] }, { Name: 't2' }] });
    const [t1, t2] = r.raw!.tenants;
    expect([t1.vlans, t1.subnetPool, t1.defaultNetType]).toEqual(['11-40', '11.1.0.0/16', 'vlan']);
    expect(t1.networks[0]).toEqual({ name: 'orange', pktTag: 30, endpoints: base().tenants[0].networks[0].endpoints });
    // t2 is vxlan; a delta that does not write DefaultNetType must not reset it to the default.
    expect(t2.defaultNetType).toBe('vxlan');
    expect(run('add', { Tenants: [{ Name: 't2', DefaultNetType: 'vlan' }] }).raw!.tenants[1].defaultNetType).toBe('vlan');
  });

  it('Gateway and External are network fields a delta overrides, and a problem with them points into the delta', () => {
    const r = run('add', { Tenants: [{ Name: 't1', Networks: [{ Name: 'purple', Gateway: 'external', External: 'none' }] }] });
    expect(r.raw!.tenants[0].networks[1]).toMatchObject({ name: 'purple', gatewayMode: 'external', external: 'none' });
    expect(r.raw!.tenants[0].networks[0]).not.toHaveProperty('gatewayMode');
    // t2's networks are VXLAN (its DefaultNetType): an external gateway there is refused at the delta's field.
    const d = parseDelta(JSON.stringify({ Tenants: [{ Name: 't2', Networks: [{ Name: 'orange', Gateway: 'external' }] }] }), 'add');
    if (!d.ok) throw new Error('parse');
    const m = mergeDelta(base(), d.delta);
    if (!m.ok) throw new Error('merge');
    const a = allocate(m.intent, undefined);
    expect(a.ok ? [] : m.origins.translate(a.problems, m.intent).map((p) => p.path)).toEqual(['$.Tenants[0].Networks[0].Gateway']);
  });

  it('does not modify its input', () => {
    const b = base();
    const before = JSON.stringify(b);
    run('add', { Tenants: [{ Name: 't1', Networks: [{ Name: 'orange', Endpoints: [{ Container: 'c1', Host: 'host2' }] }] }] }, b);
    expect(JSON.stringify(b)).toBe(before);
  });

  it('keeps the allocations of everything it does not touch, and a move changes only the host', () => {
    const a = allocate(base(), undefined);
    if (!a.ok) throw new Error('allocate');
    const r = run('add', { Tenants: [{ Name: 't1', Networks: [{ Name: 'orange', Endpoints: [{ Container: 'c0' }, { Container: 'c1', Host: 'host2' }] }, { Name: 'aqua' }] }] });
    const b = allocate(r.raw!, a.state);
    if (!b.ok) throw new Error(JSON.stringify(b.problems));
    const plan = diffState(a.state, b.state);
    expect(plan.update).toEqual([{ kind: 'endpoint', id: 't1/orange/c1', fields: ['host'] }]);
    expect(plan.create.map((i) => i.id)).toEqual(['t1/aqua', 't1/orange/c0']);
    expect(plan.delete).toEqual([]);
    expect(formatPlan(plan, a.state, b.state)).toContain('~ endpoint t1/orange/c1 (host host1 -> host2)');
  });

  it('a binding added later sets the host of an unbound endpoint', () => {
    const a = allocate(base(), undefined);
    if (!a.ok) throw new Error('allocate');
    const b = allocate(run('add', { HostBindings: [{ Container: 'c4', Host: 'host2' }] }).raw!, a.state);
    if (!b.ok) throw new Error('allocate');
    expect(formatPlan(diffState(a.state, b.state), a.state, b.state)).toBe('~ endpoint t2/orange/c4 (host - -> host2)\n0 to create, 1 to update, 0 to delete\n');
  });
});

describe('removeDelta (-del-cfg)', () => {
  it.each([
    ['a tenant without Networks goes whole', { Tenants: [{ Name: 't2' }] }, (i: Record<string, unknown>) => expect((i as Classic).Tenants.map((t) => t.Name)).toEqual(['t1'])],
    ['a network without Endpoints goes whole', { Tenants: [{ Name: 't1', Networks: [{ Name: 'orange' }] }] }, (i: Record<string, unknown>) => {
      expect((i as Classic).Tenants[0].Networks.map((n) => n.Name)).toEqual(['purple']);
    }],
    ['listed endpoints go one by one; other keys are ignored', { Tenants: [{ Name: 't1', Vlans: '1-2', Networks: [{ Name: 'orange', Endpoints: [{ Container: 'c2', Host: 'elsewhere' }] }] }] }, (i: Record<string, unknown>) => {
      expect(containers(i, 't1', 'orange')).toEqual(['c1@host1']);
    }],
    ['an empty Networks list removes nothing', { Tenants: [{ Name: 't1', Networks: [] }] }, (i: Record<string, unknown>) => expect((i as Classic).Tenants).toHaveLength(2)],
    ['hosts and bindings listed are removed (a binding by container alone)', { Hosts: [{ Name: 'host2' }], HostBindings: [{ Container: 'c3' }] }, (i: Record<string, unknown>) => {
      expect(i.Hosts).toEqual([{ Name: 'host1' }]);
      expect(i.HostBindings).toBeUndefined();
    }],
    ['bindings of containers left without endpoints are dropped', { Tenants: [{ Name: 't1', Networks: [{ Name: 'purple' }] }] }, (i: Record<string, unknown>) => expect(i.HostBindings).toBeUndefined()],
  ])('%s', (_name, doc, check) => {
    const r = run('delete', doc);
    expect(r.problems).toBeUndefined();
    check(r.intent!);
  });

  it('naming what does not exist is a problem with its path, and nothing is removed', () => {
    const r = run('delete', {
      Tenants: [
        { Name: 'nope' },
        { Name: 't1', Networks: [{ Name: 'orange', Endpoints: [{ Container: 'c1' }, { Container: 'c7' }] }, { Name: 'gone' }] },
      ],
      Hosts: [{ Name: 'host9' }],
      HostBindings: [{ Container: 'c1' }],
    });
    expect(r.problems).toEqual([
      { path: '$.Tenants[0].Name', reason: 'no tenant "nope" in the stored intent' },
      { path: '$.Tenants[1].Networks[0].Endpoints[1].Container', reason: 'no endpoint of container "c7" in network "t1/orange"' },
      { path: '$.Tenants[1].Networks[1].Name', reason: 'no network "gone" in tenant "t1"' },
      { path: '$.Hosts[0].Name', reason: 'no host "host9" in the stored intent' },
      { path: '$.HostBindings[0].Container', reason: 'no host binding of container "c1" in the stored intent' },
    ]);
  });

  it('removing keeps the allocations of what stays and frees what went', () => {
    const a = allocate(base(), undefined);
    if (!a.ok) throw new Error('allocate');
    const b = allocate(run('delete', { Tenants: [{ Name: 't1', Networks: [{ Name: 'orange', Endpoints: [{ Container: 'c1' }] }] }] }).raw!, a.state);
    if (!b.ok) throw new Error('allocate');
    const plan = diffState(a.state, b.state);
    expect([plan.create, plan.update, plan.delete]).toEqual([[], [], [{ kind: 'endpoint', id: 't1/orange/c1' }]]);
  });
});

describe('parseDelta', () => {
  it('reports shape problems with the delta paths and no meaning checks', () => {
    const d = parseDelta(JSON.stringify({ Tenants: [{ Name: 't1', Colour: 'red', Networks: [{ Name: 'n' }] }] }), 'add');
    // A network without SubnetCIDR under a tenant without SubnetPool is fine in a delta:
    // the stored tenant may have the pool.
    expect(d.ok ? [] : d.problems).toEqual([{ path: '$.Tenants[0].Colour', reason: 'unknown key' }]);
  });

  it('needs a binding Host when adding, not when deleting', () => {
    const doc = JSON.stringify({ HostBindings: [{ Container: 'c1' }] });
    const add = parseDelta(doc, 'add');
    expect(add.ok ? [] : add.problems).toEqual([{ path: '$.HostBindings[0].Host', reason: 'required' }]);
    expect(parseDelta(doc, 'delete').ok).toBe(true);
  });

  it('refuses a delta that names an object twice', () => {
    const d = parseDelta(JSON.stringify({ Tenants: [{ Name: 't1', Networks: [{ Name: 'n', Endpoints: [{ Container: 'c' }, { Container: 'c' }] }] }, { Name: 't1' }] }), 'add');
    expect(d.ok ? [] : d.problems).toEqual([
      { path: '$.Tenants[1].Name', reason: 'tenant "t1" appears twice in this delta (also $.Tenants[0])' },
      { path: '$.Tenants[0].Networks[0].Endpoints[1].Container', reason: 'container "c" appears twice in this delta (also $.Tenants[0].Networks[0].Endpoints[0])' },
    ]);
  });

  it('reports malformed JSON like parseIntent does', () => {
    const d = parseDelta('{"Tenants": [', 'delete');
    expect(d.ok ? '' : d.problems[0].reason).toMatch(/^invalid JSON at line 1/);
  });
});

describe('Origins (problem paths after a merge)', () => {
  it('points problems in delta objects at the delta, and problems in stored objects at their names', () => {
    const d = parseDelta(
      JSON.stringify({
        Tenants: [{ Name: 't1', Vlans: '11-12', Networks: [{ Name: 'purple', Endpoints: [{ Container: 'c3', Host: 'host1' }] }, { Name: 'new', PktTag: 99 }] }],
      }),
      'add',
    );
    if (!d.ok) throw new Error('parse');
    const r = mergeDelta(base(), d.delta);
    if (!r.ok) throw new Error('merge');
    const a = allocate(r.intent, undefined);
    const problems = a.ok ? [] : r.origins.translate(a.problems, r.intent);
    expect(problems).toEqual([
      { path: '$.Tenants[0].Networks[1].PktTag', reason: 'VLAN 99 outside the tenant\'s Vlans "11-12"' },
      // c3 is bound to host2 by the stored intent's HostBindings, and the delta puts it on host1.
      {
        path: '$.HostBindings[0].Host',
        reason: 'container "c3" is placed on host "host1" by $.Tenants[0].Networks[0].Endpoints[0].Host (of this delta), not "host2" (in the stored intent: binding of container c3)',
      },
    ]);
  });
});
