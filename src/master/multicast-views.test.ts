import { describe, expect, it } from 'vitest';
import type { MulticastMembers } from '../intent/multicast-types.js';
import type { NetworkState } from '../intent/types.js';
import { multicastView, readMulticastMembers } from './multicast-views.js';

const NOW = 1_000_000;

function net(tenant: string, name: string, extra: Partial<NetworkState> = {}): NetworkState {
  return { id: `${tenant}/${name}`, tenant, name, pktTagType: 'vlan', pktTag: 10, subnet: '10.0.0.0/24', gateway: '10.0.0.1', mtu: 1500, gatewayMode: 'distributed', external: 'snat', routeId: 1, ...extra };
}

describe('multicastView', () => {
  it('lists each group of a snoop network with its live members and their hosts, all sorted', () => {
    const reports: MulticastMembers[] = [
      { host: 'host2', networks: { 't/red': { '239.1.1.1': { 't/red/c3': NOW + 1, 't/red/c2': NOW + 5000 } } } },
      { host: 'host1', networks: { 't/red': { '239.1.1.10': { 't/red/c1': NOW + 1 }, '239.1.1.1': { 't/red/c1': NOW + 1 } } } },
    ];
    expect(multicastView([net('t', 'red')], reports, NOW)).toEqual({
      networks: [
        {
          tenant: 't',
          network: 'red',
          mode: 'snoop',
          multicastRouter: false,
          groups: [
            { group: '239.1.1.1', members: ['t/red/c1', 't/red/c2', 't/red/c3'], hosts: ['host1', 'host2'] },
            { group: '239.1.1.10', members: ['t/red/c1'], hosts: ['host1'] },
          ],
        },
      ],
      hosts: [
        { host: 'host1', malformed: 0 },
        { host: 'host2', malformed: 0 },
      ],
    });
  });

  it('counts only memberships that expire after now: a group whose members all expired is gone', () => {
    const reports: MulticastMembers[] = [
      { host: 'host1', networks: { 't/red': { '239.1.1.1': { 't/red/c1': NOW, 't/red/c2': NOW + 1 }, '239.2.2.2': { 't/red/c1': NOW - 1 } } } },
      { host: 'host2', networks: { 't/red': { '239.1.1.1': { 't/red/c3': NOW - 10 } } } },
    ];
    expect(multicastView([net('t', 'red')], reports, NOW).networks[0].groups).toEqual([{ group: '239.1.1.1', members: ['t/red/c2'], hosts: ['host1'] }]);
  });

  it('lists a flood network with its mode and no groups, even when agents report members in it', () => {
    const reports: MulticastMembers[] = [{ host: 'host1', networks: { 't/blue': { '239.1.1.1': { 't/blue/c1': NOW + 1 } } } }];
    expect(multicastView([net('t', 'blue', { multicast: 'flood' })], reports, NOW).networks).toEqual([{ tenant: 't', network: 'blue', mode: 'flood', multicastRouter: false, groups: [] }]);
  });

  it('shows multicastRouter, sorts networks by tenant then name, and lists networks without members with no groups', () => {
    const nets = [net('t2', 'a'), net('t1', 'z', { multicastRouter: true, multicast: 'snoop' }), net('t1', 'b', { pktTagType: 'vxlan' })];
    const v = multicastView(nets, [], NOW);
    expect(v.networks.map((n) => [n.tenant, n.network, n.mode, n.multicastRouter, n.groups.length])).toEqual([
      ['t1', 'b', 'snoop', false, 0],
      ['t1', 'z', 'snoop', true, 0],
      ['t2', 'a', 'snoop', false, 0],
    ]);
  });

  it('keeps two tenants using the same group address apart', () => {
    const reports: MulticastMembers[] = [{ host: 'host1', networks: { 'a/n': { '239.1.1.1': { 'a/n/c1': NOW + 1 } }, 'b/n': { '239.1.1.1': { 'b/n/c9': NOW + 1 } } } }];
    const v = multicastView([net('a', 'n'), net('b', 'n')], reports, NOW);
    expect(v.networks.map((n) => [n.tenant, n.groups])).toEqual([
      ['a', [{ group: '239.1.1.1', members: ['a/n/c1'], hosts: ['host1'] }]],
      ['b', [{ group: '239.1.1.1', members: ['b/n/c9'], hosts: ['host1'] }]],
    ]);
  });

  it('leaves out memberships of networks that are not desired, and skips malformed entries', () => {
    const reports = [
      { host: 'host1', networks: { 't/gone': { '239.1.1.1': { 't/gone/c1': NOW + 1 } }, 't/red': { '239.1.1.1': { 't/red/c1': 'soon', 't/red/c2': NOW + 1 }, '239.3.3.3': 7 } } },
      { host: 'host2', networks: { 't/red': [] } },
    ] as unknown as MulticastMembers[];
    expect(multicastView([net('t', 'red')], reports, NOW).networks[0].groups).toEqual([{ group: '239.1.1.1', members: ['t/red/c2'], hosts: ['host1'] }]);
  });

  it("lists every reporting host with its agent's malformed IGMP count, also hosts without members", () => {
    const reports = [
      { host: 'host3', networks: {}, malformed: 4 },
      { host: 'host1', networks: { 't/red': { '239.1.1.1': { 't/red/c1': NOW + 1 } } } },
    ];
    expect(multicastView([], reports, NOW)).toEqual({ networks: [], hosts: [{ host: 'host1', malformed: 0 }, { host: 'host3', malformed: 4 }] });
  });
});

describe('readMulticastMembers', () => {
  it('reads a published document under the host its key names', () => {
    expect(readMulticastMembers('host1', JSON.stringify({ host: 'other', networks: { 't/n': {} } }))).toEqual({ host: 'host1', networks: { 't/n': {} } });
  });

  it('keeps a positive integer malformed count and drops any other', () => {
    expect(readMulticastMembers('h', '{"networks":{},"malformed":3}')).toEqual({ host: 'h', networks: {}, malformed: 3 });
    for (const bad of ['0', '-1', '1.5', '"3"']) expect(readMulticastMembers('h', `{"networks":{},"malformed":${bad}}`)).toEqual({ host: 'h', networks: {} });
  });

  it.each([['not JSON', '{'], ['not an object', '[]'], ['no networks', '{"host":"h"}'], ['networks an array', '{"networks":[]}']])('ignores a value that is %s', (_name, text) => {
    expect(readMulticastMembers('host1', text)).toBeUndefined();
  });
});
