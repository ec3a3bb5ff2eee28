import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allocate } from './allocate.js';
import { parseDelta, type DeltaKind } from './delta.js';
import { mergeDelta } from './merge.js';
import { multicastOf, multicastRouterOf } from './multicast.js';
import { parseIntent } from './parse.js';
import { removeDelta } from './remove.js';
import { diffState, formatPlan } from './plan.js';
import type { Intent } from './types.js';
import { validateIntent } from './validate.js';

const dir = fileURLToPath(new URL('../../examples/', import.meta.url));
/** The JSON block under "A quick example" in the original README, dedented by 4 spaces. */
const QUICK_EXAMPLE = `{
    "Tenants" : [{
        "Name"                      : "tenant-one",
        "DefaultNetType"            : "vlan",
        "SubnetPool"                : "11.1.0.0/16",
        "AllocSubnetLen"            : 24,
        "Vlans"                     : "11-28",
        "Networks"  : [{
            "Name"                  : "orange",
            "Endpoints" : [{
                "Host"              : "host1",
                "Container"         : "myContainer1"
            }, {
                "Host"              : "host1",
                "Container"         : "myContainer2"
            }]
        }]
    }]
}
`;

/** Delta examples (for -add-cfg / -del-cfg): file → [kind, the bases it applies onto, in order]. */
const DELTAS: Record<string, [DeltaKind, string[]]> = {
  'two_hosts_multiple_vxlan_add_ep.json': ['add', ['two_hosts_multiple_vxlan_add_del_ep.json']],
  'two_hosts_multiple_vxlan_del_ep.json': ['delete', ['two_hosts_multiple_vxlan_add_del_ep.json', 'two_hosts_multiple_vxlan_add_ep.json']],
  'late_binding_hosts.json': ['add', ['late_binding.json']],
};

const MULTI_HOST = [
  'two_host_vlan.json',
  'two_host_vxlan.json',
  'three_host_vxlan.json',
  'two_hosts_multiple_vxlan_nets.json',
  'two_hosts_multiple_vlans_nets.json',
  'two_hosts_multiple_tenants.json',
  'two_hosts_multiple_tenants_mix_vlan_vxlan.json',
  'two_hosts_multiple_vxlan_add_del_ep.json',
  'late_binding.json',
  'routing.json',
  'multicast.json',
];

/** Parses `base` and applies each later file of `chain` as the delta DELTAS says it is. */
function build(chain: string[]): Intent {
  const p = parseIntent(readFileSync(dir + chain[0], 'utf8'));
  if (!p.ok) throw new Error(JSON.stringify(p.problems));
  let intent = p.intent;
  for (const f of chain.slice(1)) {
    const kind = DELTAS[f][0];
    const d = parseDelta(readFileSync(dir + f, 'utf8'), kind);
    if (!d.ok) throw new Error(`${f}: ${JSON.stringify(d.problems)}`);
    const r = (kind === 'add' ? mergeDelta : removeDelta)(intent, d.delta);
    if (!r.ok) throw new Error(`${f}: ${JSON.stringify(r.problems)}`);
    intent = r.intent;
  }
  return intent;
}

describe('examples/', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const whole = files.filter((f) => !(f in DELTAS));

  it('holds the required examples', () => {
    expect(files).toEqual(expect.arrayContaining(['policy.json', 'qos.json', 'one_host_vlan.json', 'one_host_multiple_nets.json', 'multiple_eps_in_container.json', 'none.json', ...MULTI_HOST, ...Object.keys(DELTAS)]));
  });

  it.each(whole)('%s parses, validates and allocates', (f) => {
    const p = parseIntent(readFileSync(dir + f, 'utf8'));
    if (!p.ok) throw new Error(JSON.stringify(p.problems));
    expect(validateIntent(p.intent)).toEqual([]);
    const a = allocate(p.intent, undefined);
    if (!a.ok) throw new Error(JSON.stringify(a.problems));
    const eps = p.intent.tenants.flatMap((t) => t.networks.flatMap((n) => n.endpoints));
    expect(a.state.endpoints).toHaveLength(eps.length);
    expect(formatPlan(diffState(undefined, a.state), undefined, a.state)).toMatch(f === 'none.json' ? /^no changes/ : /^\+ /);
  });

  it.each(Object.entries(DELTAS))('delta %s merges onto its base, keeping the base allocations', (f, [, bases]) => {
    const base = allocate(build(bases), undefined);
    if (!base.ok) throw new Error(JSON.stringify(base.problems));
    const next = allocate(build([...bases, f]), base.state);
    if (!next.ok) throw new Error(JSON.stringify(next.problems));
    const plan = diffState(base.state, next.state);
    expect(plan.create.length + plan.update.length + plan.delete.length).toBeGreaterThan(0);
    // Whatever the delta leaves in place keeps its tag, subnet, address and MAC.
    const before = new Map(base.state.endpoints.map((e) => [e.id, e]));
    for (const e of next.state.endpoints) if (before.has(e.id)) expect([e.ip, e.mac]).toEqual([before.get(e.id)!.ip, before.get(e.id)!.mac]);
    for (const n of next.state.networks) {
      const b = base.state.networks.find((x) => x.id === n.id);
      if (b) expect(n).toEqual(b);
    }
  });

  it.each(MULTI_HOST)('%s names its hosts with an up0 uplink and a 198.18.100.N VTEP, and places every container', (f) => {
    const p = parseIntent(readFileSync(dir + f, 'utf8'));
    if (!p.ok) throw new Error('parse');
    expect(p.intent.hosts.length).toBeGreaterThanOrEqual(2);
    p.intent.hosts.forEach((h, i) => expect(h).toEqual({ name: `host${i + 1}`, intf: 'up0', vtepIp: `198.18.100.${i + 1}` }));
    const intent = f === 'late_binding.json' ? build(['late_binding.json', 'late_binding_hosts.json']) : p.intent;
    const a = allocate(intent, undefined);
    if (!a.ok) throw new Error('allocate');
    expect(new Set(a.state.endpoints.map((e) => e.host)).size).toBe(p.intent.hosts.length);
    expect(a.state.endpoints.every((e) => /^myContainer\d+$/.test(e.container))).toBe(true);
  });

  it('the multi-tenant examples overlap: both tenants get the same subnet and addresses', () => {
    for (const f of ['two_hosts_multiple_tenants.json', 'two_hosts_multiple_tenants_mix_vlan_vxlan.json']) {
      const p = parseIntent(readFileSync(dir + f, 'utf8'));
      if (!p.ok) throw new Error('parse');
      const a = allocate(p.intent, undefined);
      if (!a.ok) throw new Error('allocate');
      const [one, two] = a.state.networks;
      expect(one.tenant).not.toBe(two.tenant);
      expect(one.subnet).toBe(two.subnet);
      const types = a.state.networks.map((n) => n.pktTagType).sort();
      expect(types).toEqual(f.includes('mix') ? ['vlan', 'vxlan'] : ['vlan', 'vlan']);
      const ips = (t: string) => a.state.endpoints.filter((e) => e.tenant === t).map((e) => e.ip);
      expect(ips(one.tenant)).toEqual(ips(two.tenant));
    }
  });

  it('routing.json: two tenants with the same subnets, each a VXLAN and a VLAN network, one VLAN network handed to an external router', () => {
    const p = parseIntent(readFileSync(dir + 'routing.json', 'utf8'));
    if (!p.ok) throw new Error('parse');
    const a = allocate(p.intent, undefined);
    if (!a.ok) throw new Error('allocate');
    expect(a.state.networks.map((n) => [n.id, n.pktTagType, n.subnet, n.gateway, n.gatewayMode, n.external])).toEqual([
      ['tenant-one/orange', 'vxlan', '11.1.0.0/24', '11.1.0.1', 'distributed', 'snat'],
      ['tenant-one/purple', 'vlan', '11.1.1.0/24', '11.1.1.1', 'distributed', 'snat'],
      ['tenant-two/orange', 'vxlan', '11.1.0.0/24', '11.1.0.1', 'distributed', 'snat'],
      ['tenant-two/purple', 'vlan', '11.1.1.0/24', '11.1.1.1', 'external', 'snat'],
    ]);
    expect(a.state.networks.find((n) => n.gatewayMode === 'external')!.pktTag).toBe(30);
    expect(a.state.tenants.map((t) => [t.name, t.routeId])).toEqual([['tenant-one', 1], ['tenant-two', 2]]);
    // Every network has endpoints on two hosts, so routing is exercised on one host and across hosts.
    for (const n of a.state.networks) expect(new Set(a.state.endpoints.filter((e) => `${e.tenant}/${e.network}` === n.id).map((e) => e.host)).size).toBe(2);
  });

  it('multicast.json: a VXLAN network in snoop mode and a VLAN network whose multicast also reaches the trunk, each on three hosts', () => {
    const p = parseIntent(readFileSync(dir + 'multicast.json', 'utf8'));
    if (!p.ok) throw new Error(JSON.stringify(p.problems));
    const a = allocate(p.intent, undefined);
    if (!a.ok) throw new Error(JSON.stringify(a.problems));
    expect(a.state.networks.map((n) => [n.id, n.pktTagType, multicastOf(n), multicastRouterOf(n)])).toEqual([
      ['tenant-one/orange', 'vxlan', 'snoop', false],
      ['tenant-one/purple', 'vlan', 'snoop', true],
    ]);
    for (const n of a.state.networks) expect(new Set(a.state.endpoints.filter((e) => e.network === n.name).map((e) => e.host))).toEqual(new Set(['host1', 'host2', 'host3']));
  });

  it('policy.json: the issue\'s example, web may reach db on tcp/5432, 10.9/16 may ping it, everything else to db is denied', () => {
    const p = parseIntent(readFileSync(dir + 'policy.json', 'utf8'));
    if (!p.ok) throw new Error(JSON.stringify(p.problems));
    const a = allocate(p.intent, undefined);
    if (!a.ok) throw new Error(JSON.stringify(a.problems));
    expect(p.intent.hosts.map((h) => [h.name, h.intf, h.vtepIp])).toEqual([['host1', 'up0', '198.18.100.1'], ['host2', 'up0', '198.18.100.2']]);
    expect(a.state.endpoints.map((e) => [e.container, e.host, e.groups])).toEqual([['db1', 'host2', ['db']], ['web1', 'host1', ['web']]]);
    expect(a.state.policies.map((t) => [t.tenant, t.groups, t.rules.map((r) => `${r.id} ${r.priority} ${r.action} ${r.appliesTo}`)])).toEqual([
      ['t1', ['db', 'web'], ['t1/db-in/0 20 allow db', 't1/db-in/1 10 allow db', 't1/db-in/2 1 deny db']],
    ]);
  });

  it('late_binding.json leaves hosts open until late_binding_hosts.json binds them', () => {
    const p = parseIntent(readFileSync(dir + 'late_binding.json', 'utf8'));
    if (!p.ok) throw new Error('parse');
    const a = allocate(p.intent, undefined);
    if (!a.ok) throw new Error('allocate');
    expect(a.state.endpoints.map((e) => e.host)).toEqual([undefined, undefined]);
    const b = allocate(build(['late_binding.json', 'late_binding_hosts.json']), a.state);
    if (!b.ok) throw new Error('allocate');
    expect(formatPlan(diffState(a.state, b.state), a.state, b.state)).toContain('~ endpoint tenant-one/orange/myContainer2 (host - -> host2)');
  });

  it('qos.json: a network limit, a shared group limit with a DSCP class, an endpoint override and a trusting endpoint, stored for agents', () => {
    const p = parseIntent(readFileSync(dir + 'qos.json', 'utf8'));
    if (!p.ok) throw new Error(JSON.stringify(p.problems));
    const a = allocate(p.intent, undefined);
    if (!a.ok) throw new Error(JSON.stringify(a.problems));
    expect(a.state.networks[0].qos).toEqual({ bandwidth: { egress: { rate: 50e6, burst: 40e6 }, ingress: { rate: 50e6, burst: 40e6 } } });
    expect(a.state.policies).toEqual([
      { tenant: 'tenant-one', routeId: 1, groups: ['web'], rules: [], groupQos: { web: { bandwidth: { egress: { rate: 20e6, burst: 16e6 } }, dscp: 10, shared: true } } },
    ]);
    const qos = Object.fromEntries(a.state.endpoints.map((e) => [e.container, e.qos]));
    expect(qos).toEqual({ myContainer1: undefined, myContainer2: undefined, myContainer3: { bandwidth: { egress: { rate: 1e9, burst: 8e8 } }, dscp: 46 }, myContainer4: { dscp: 'trust' } });
  });

  it('one_host_vlan.json is the README quick example byte for byte', () => {
    expect(readFileSync(dir + 'one_host_vlan.json', 'utf8')).toBe(QUICK_EXAMPLE);
  });

  it('one_host_vlan.json allocates the classic result', () => {
    const p = parseIntent(readFileSync(dir + 'one_host_vlan.json', 'utf8'));
    if (!p.ok) throw new Error('parse');
    const a = allocate(p.intent, undefined);
    if (!a.ok) throw new Error('allocate');
    expect(a.state.networks).toEqual([
      { id: 'tenant-one/orange', tenant: 'tenant-one', name: 'orange', pktTagType: 'vlan', pktTag: 11, subnet: '11.1.0.0/24', gateway: '11.1.0.1', mtu: 1500, gatewayMode: 'distributed', external: 'snat', routeId: 1 },
    ]);
    expect(a.state.endpoints.map((e) => [e.id, e.ip, e.mac, e.host])).toEqual([
      ['tenant-one/orange/myContainer1', '11.1.0.2', '02:02:0b:01:00:02', 'host1'],
      ['tenant-one/orange/myContainer2', '11.1.0.3', '02:02:0b:01:00:03', 'host1'],
    ]);
  });

  it('multiple_eps_in_container.json gives the container one address per network', () => {
    const p = parseIntent(readFileSync(dir + 'multiple_eps_in_container.json', 'utf8'));
    if (!p.ok) throw new Error('parse');
    const a = allocate(p.intent, undefined);
    if (!a.ok) throw new Error('allocate');
    const mine = a.state.endpoints.filter((e) => e.container === 'myContainer1');
    expect(mine.map((e) => [e.network, e.ip])).toEqual([
      ['orange', '11.1.0.2'],
      ['purple', '11.1.1.2'],
    ]);
  });
});
