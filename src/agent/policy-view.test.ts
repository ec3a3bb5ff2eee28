import { describe, expect, it } from 'vitest';
import { formulaMac, networkKey, type LocalNetwork, type LocalPort } from '../datapath/ovs/pipeline/index.js';
import type { EndpointState, NetworkState } from '../intent/types.js';
import type { PolicyRuleState, TenantPolicyState } from '../intent/policy-types.js';
import { policyIndex, policyViewFor, policyZone } from './policy-view.js';

const network = (tenant: string, name: string, vni: number, subnet: string): NetworkState => ({
  id: `${tenant}/${name}`,
  tenant,
  name,
  pktTagType: 'vxlan',
  pktTag: vni,
  subnet,
  gateway: subnet.replace(/\.0\/\d+$/, '.1'),
  mtu: 1450,
  gatewayMode: 'distributed',
  external: 'snat',
  routeId: tenant === 't1' ? 1 : 2,
});
const local = (n: NetworkState): LocalNetwork => ({ id: n.id, key: networkKey('vxlan', n.pktTag), gateway: n.gateway, gatewayMac: formulaMac(n.gateway), pktTagType: 'vxlan', pktTag: n.pktTag, l3: { tenant: n.tenant, subnet: n.subnet, gateway: 'distributed' } });
const endpoint = (n: NetworkState, container: string, ip: string, groups?: string[], host = 'host1'): EndpointState => ({
  id: `${n.id}/${container}`,
  tenant: n.tenant,
  network: n.name,
  container,
  host,
  ip,
  prefixLen: 24,
  mac: formulaMac(ip),
  ...(groups ? { groups } : {}),
});

const orange = network('t1', 'orange', 5001, '10.1.0.0/24');
const blue = network('t1', 'blue', 5003, '10.1.1.0/24');
const twin = network('t2', 'orange', 5002, '10.1.0.0/24');
const endpoints = [
  endpoint(orange, 'web1', '10.1.0.2', ['web'], 'host1'),
  endpoint(orange, 'db1', '10.1.0.3', ['db'], 'host2'),
  endpoint(blue, 'web2', '10.1.1.2', ['web'], 'host3'),
  // The other tenant's db has the same address and the same group name.
  endpoint(twin, 'db1', '10.1.0.3', ['db'], 'host2'),
];
const rules: PolicyRuleState[] = [
  { id: 't1/db-in/0', policy: 'db-in', appliesTo: ['db'], priority: 20, direction: 'in', action: 'allow', peer: { group: 'web' }, protocol: 'tcp', ports: { min: 5432, max: 5432 } },
  { id: 't1/db-in/1', policy: 'db-in', appliesTo: ['db'], priority: 10, direction: 'in', action: 'allow', peer: { network: 'blue' } },
  { id: 't1/db-in/2', policy: 'db-in', appliesTo: ['db'], priority: 5, direction: 'in', action: 'allow', peer: { cidr: '10.9.0.0/16' }, protocol: 'icmp' },
  { id: 't1/db-in/3', policy: 'db-in', appliesTo: ['db'], priority: 1, direction: 'in', action: 'deny' },
];
const policies = new Map<string, TenantPolicyState>([['t1', { tenant: 't1', routeId: 1, groups: ['db', 'web'], rules }]]);
const port = (n: NetworkState, ofport: number, ip: string): LocalPort => ({ ofport, ip, mac: formulaMac(ip), network: local(n) });

describe('policyViewFor', () => {
  const index = policyIndex(policies, endpoints, [orange, blue, twin]);

  it("resolves the rules of the destination's host: local members, peer groups on any host, networks and cidrs", () => {
    const view = policyViewFor(index, [port(orange, 3, '10.1.0.3'), port(twin, 4, '10.1.0.3')], [local(orange), local(twin)]);
    expect(view).toEqual({
      tenants: [
        {
          tenant: 't1',
          zone: policyZone(1),
          networkKeys: [local(orange).key],
          rules: [
            { id: 't1/db-in/0', priority: 20, direction: 'in', action: 'allow', members: ['10.1.0.3'], peers: ['10.1.0.2/32', '10.1.1.2/32'], protocol: 'tcp', ports: { min: 5432, max: 5432 } },
            { id: 't1/db-in/1', priority: 10, direction: 'in', action: 'allow', members: ['10.1.0.3'], peers: ['10.1.1.0/24'] },
            { id: 't1/db-in/2', priority: 5, direction: 'in', action: 'allow', members: ['10.1.0.3'], peers: ['10.9.0.0/16'], protocol: 'icmp' },
            { id: 't1/db-in/3', priority: 1, direction: 'in', action: 'deny', members: ['10.1.0.3'] },
          ],
        },
      ],
    });
  });

  it('tracks the tenant on a host without members (its traffic must be committed to pass back), with no rules', () => {
    const view = policyViewFor(index, [port(orange, 2, '10.1.0.2')], [local(orange), local(blue)]);
    expect(view).toEqual({ tenants: [{ tenant: 't1', zone: policyZone(1), networkKeys: [local(orange).key, local(blue).key], rules: [] }] });
  });

  it('gives no view where no tenant with policy has a network, and none at all without policies', () => {
    expect(policyViewFor(index, [port(twin, 4, '10.1.0.3')], [local(twin)])).toEqual({ tenants: [] });
    expect(policyViewFor(policyIndex(new Map(), endpoints, [orange]), [port(orange, 3, '10.1.0.3')], [local(orange)])).toBeUndefined();
  });

  it('keeps the policy zones clear of the SNAT zones (a routeId)', () => {
    expect(policyZone(1)).toBe(0x8001);
    expect(policyZone(4078)).toBeLessThan(0x10000);
  });
});
