import { describe, expect, it } from 'vitest';
import { allocate } from './allocate.js';
import { parseDelta } from './delta.js';
import { mergeDelta } from './merge.js';
import { parseIntent } from './parse.js';
import { diffState, formatPlan } from './plan.js';
import type { DesiredState, Intent } from './types.js';

type Json = Record<string, any>;

function doc(): Json {
  return {
    Tenants: [
      {
        Name: 't1',
        SubnetPool: '11.1.0.0/16',
        Networks: [{ Name: 'n', Bandwidth: { EgressRate: '50M' }, Endpoints: [{ Container: 'c1', Groups: ['web'], Dscp: 46 }, { Container: 'c2' }] }],
        Groups: [{ Name: 'web', Bandwidth: { IngressRate: '10M', IngressBurst: '1M' }, Shared: true }, { Name: 'plain' }],
      },
      { Name: 't2', SubnetPool: '11.1.0.0/16', Networks: [{ Name: 'n', Endpoints: [{ Container: 'c3' }] }] },
    ],
  };
}

function intentOf(d: Json): Intent {
  const p = parseIntent(JSON.stringify(d));
  if (!p.ok) throw new Error(JSON.stringify(p.problems));
  return p.intent;
}

function stateOf(d: Json | Intent, prev?: DesiredState): DesiredState {
  const a = allocate('tenants' in d && Array.isArray(d.hosts) ? (d as Intent) : intentOf(d), prev);
  if (!a.ok) throw new Error(JSON.stringify(a.problems));
  return a.state;
}

describe('QoS stored for agents', () => {
  it('puts each level\'s own settings where agents read them, unresolved', () => {
    const s = stateOf(doc());
    const net = s.networks.find((n) => n.id === 't1/n')!;
    expect(net.qos).toEqual({ bandwidth: { egress: { rate: 50e6, burst: 40e6 } } });
    expect(s.networks.find((n) => n.id === 't2/n')).not.toHaveProperty('qos');
    const ep = (c: string) => s.endpoints.find((e) => e.container === c)!;
    // The endpoint's own only: its network's egress limit and its group's ingress limit stay where they are.
    expect(ep('c1').qos).toEqual({ dscp: 46 });
    expect(ep('c2')).not.toHaveProperty('qos');
    expect(s.policies).toEqual([
      { tenant: 't1', routeId: 1, groups: ['plain', 'web'], rules: [], groupQos: { web: { bandwidth: { ingress: { rate: 10e6, burst: 1e6 } }, shared: true } } },
    ]);
  });

  it('gives a tenant whose groups exist only for QoS its policy state, and leaves groupQos out when no group sets any', () => {
    const d = doc();
    d.Tenants[0].Groups = [{ Name: 'web' }];
    expect(stateOf(d).policies).toEqual([{ tenant: 't1', routeId: 1, groups: ['web'], rules: [] }]);
    d.Tenants[1].Groups = [{ Name: 'bulk', Dscp: 8 }];
    expect(stateOf(d).policies[1]).toEqual({ tenant: 't2', routeId: 2, groups: ['bulk'], rules: [], groupQos: { bulk: { dscp: 8 } } });
  });

  it('does not share objects between the intent and the state', () => {
    const intent = intentOf(doc());
    const s = stateOf(intent);
    s.networks[0].qos!.bandwidth!.egress!.rate = 1;
    s.policies[0].groupQos!.web.shared = false;
    expect(intent.tenants[0].networks[0].qos!.bandwidth!.egress!.rate).toBe(50e6);
    expect(intent.tenants[0].groups![0].qos!.shared).toBe(true);
  });
});

describe('a change of only a QoS setting is an update agents see', () => {
  const prev = stateOf(doc());
  const changed = (mutate: (d: Json) => void) => {
    const d = doc();
    mutate(d);
    const next = stateOf(d, prev);
    return { plan: diffState(prev, next), next };
  };

  it('a network limit', () => {
    const { plan, next } = changed((d) => (d.Tenants[0].Networks[0].Bandwidth.EgressRate = '60M'));
    expect(plan).toEqual({ create: [], update: [{ kind: 'network', id: 't1/n', fields: ['qos'] }], delete: [] });
    expect(formatPlan(plan, prev, next)).toContain('~ network t1/n (qos {"bandwidth":{"egress":{"rate":50000000,"burst":40000000}}} -> {"bandwidth":{"egress":{"rate":60000000,"burst":48000000}}})');
  });

  it('an endpoint DSCP, added and removed', () => {
    expect(changed((d) => (d.Tenants[0].Networks[0].Endpoints[0].Dscp = 'trust')).plan.update).toEqual([{ kind: 'endpoint', id: 't1/n/c1', fields: ['qos'] }]);
    expect(changed((d) => delete d.Tenants[0].Networks[0].Endpoints[0].Dscp).plan.update).toEqual([{ kind: 'endpoint', id: 't1/n/c1', fields: ['qos'] }]);
    expect(changed((d) => (d.Tenants[0].Networks[0].Endpoints[1].Bandwidth = { IngressRate: '1M' })).plan.update).toEqual([{ kind: 'endpoint', id: 't1/n/c2', fields: ['qos'] }]);
  });

  it('a group limit or its Shared', () => {
    expect(changed((d) => (d.Tenants[0].Groups[0].Shared = false)).plan.update).toEqual([{ kind: 'policy', id: 't1', fields: ['groupQos'] }]);
    expect(changed((d) => (d.Tenants[0].Groups[1].Bandwidth = { EgressRate: '5M' })).plan.update).toEqual([{ kind: 'policy', id: 't1', fields: ['groupQos'] }]);
  });

  it('and the same settings again change nothing', () => {
    expect(changed(() => undefined).plan).toEqual({ create: [], update: [], delete: [] });
  });
});

describe('QoS in an -add-cfg delta', () => {
  const merged = (delta: Json): Intent => {
    const d = parseDelta(JSON.stringify(delta), 'add');
    if (!d.ok) throw new Error(JSON.stringify(d.problems));
    const r = mergeDelta(intentOf(doc()), d.delta);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    return r.intent;
  };

  it('sets a network\'s Bandwidth and Dscp key by key, keeping the one the delta leaves out', () => {
    const onlyDscp = merged({ Tenants: [{ Name: 't1', Networks: [{ Name: 'n', Dscp: 10 }] }] });
    expect(onlyDscp.tenants[0].networks[0].qos).toEqual({ bandwidth: { egress: { rate: 50e6, burst: 40e6 } }, dscp: 10 });
    const newLimit = merged({ Tenants: [{ Name: 't1', Networks: [{ Name: 'n', Bandwidth: { IngressRate: '1M' } }] }] });
    expect(newLimit.tenants[0].networks[0].qos).toEqual({ bandwidth: { ingress: { rate: 1e6, burst: 8e5 } } });
  });

  it('replaces an endpoint and a group whole, QoS included', () => {
    const m = merged({ Tenants: [{ Name: 't1', Groups: [{ Name: 'web', Dscp: 1 }], Networks: [{ Name: 'n', Endpoints: [{ Container: 'c1', Bandwidth: { EgressRate: '2M' } }] }] }] });
    expect(m.tenants[0].groups![0]).toEqual({ name: 'web', policies: [], qos: { dscp: 1 } });
    expect(m.tenants[0].networks[0].endpoints[0]).toEqual({ container: 'c1', qos: { bandwidth: { egress: { rate: 2e6, burst: 1.6e6 } } } });
  });

  it('refuses a bad value in a delta at its path', () => {
    const d = parseDelta(JSON.stringify({ Tenants: [{ Name: 't1', Networks: [{ Name: 'n', Bandwidth: { EgressBurst: '1M' } }] }] }), 'add');
    expect(d).toEqual({ ok: false, problems: [{ path: '$.Tenants[0].Networks[0].Bandwidth.EgressBurst', reason: expect.stringMatching(/EgressBurst needs EgressRate/) }] });
  });
});
