import { describe, expect, it } from 'vitest';
import type { PolicyCounters, TenantPolicyState } from '../intent/policy-types.js';
import { policyCountersView } from './policy-views.js';

const policies: TenantPolicyState[] = [
  {
    tenant: 'tb',
    routeId: 2,
    groups: ['db'],
    rules: [{ id: 'tb/db-in/0', policy: 'db-in', appliesTo: ['db'], priority: 5, direction: 'in', action: 'allow', protocol: 'tcp', ports: { min: 8000, max: 8080 } }],
  },
  {
    tenant: 'ta',
    routeId: 1,
    groups: ['db', 'web'],
    rules: [
      { id: 'ta/db-in/0', policy: 'db-in', appliesTo: ['db'], priority: 20, direction: 'in', action: 'allow', peer: { group: 'web' }, protocol: 'tcp', ports: { min: 5432, max: 5432 } },
      { id: 'ta/db-in/1', policy: 'db-in', appliesTo: ['db'], priority: 10, direction: 'in', action: 'allow', peer: { cidr: '10.9.0.0/16' }, protocol: 'icmp' },
      { id: 'ta/db-in/2', policy: 'db-in', appliesTo: ['db'], priority: 1, direction: 'in', action: 'deny' },
    ],
  },
];
const counters: PolicyCounters[] = [
  { host: 'host1', rules: { 'ta/db-in/0': { packets: 2, bytes: 120 }, 'ta/db-in/2': { packets: 1, bytes: 60 } }, spoofDrops: { packets: 3, bytes: 180 } },
  { host: 'host3', rules: { 'ta/db-in/0': { packets: 5, bytes: 300 }, 'gone/p/0': { packets: 9, bytes: 9 } }, spoofDrops: { packets: 1, bytes: 42 } },
];

describe('policyCountersView', () => {
  it('sums each rule over the hosts, in tenant order, with the peer and port as written', () => {
    const v = policyCountersView(policies, counters);
    expect(v.rules.map((r) => [r.id, r.peer, r.protocol, r.port, r.packets, r.bytes])).toEqual([
      ['ta/db-in/0', 'group:web', 'tcp', '5432', 7, 420],
      ['ta/db-in/1', '10.9.0.0/16', 'icmp', 'any', 0, 0],
      ['ta/db-in/2', 'any', 'any', 'any', 1, 60],
      ['tb/db-in/0', 'any', 'tcp', '8000-8080', 0, 0],
    ]);
    expect(v.spoofDrops).toEqual({ packets: 4, bytes: 222 });
    expect(v.hosts).toEqual(['host1', 'host3']);
  });

  it("counts one host's flows only when asked", () => {
    const v = policyCountersView(policies, counters, 'host3');
    expect(v.rules.find((r) => r.id === 'ta/db-in/0')!.packets).toBe(5);
    expect(v.spoofDrops.packets).toBe(1);
    expect(v.hosts).toEqual(['host3']);
  });
});
