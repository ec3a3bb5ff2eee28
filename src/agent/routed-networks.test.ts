import { describe, expect, it } from 'vitest';
import type { NetworkState } from '../intent/types.js';
import { networkKey, type LocalNetwork } from '../datapath/ovs/pipeline/index.js';
import { entersVxlan, routedNetworks, tenantsRoutingIntoVxlan } from './routed-networks.js';

const ns = (tenant: string, name: string, tag: number, subnet: string, extra: Record<string, unknown> = {}): NetworkState =>
  ({ id: `${tenant}/${name}`, tenant, name, pktTagType: 'vxlan', pktTag: tag, subnet, gateway: subnet.replace('.0/24', '.1'), mtu: 1450, ...extra }) as NetworkState;

const make = (n: NetworkState): LocalNetwork => ({ id: n.id, key: networkKey(n.pktTagType, n.pktTag), gateway: n.gateway, gatewayMac: '', pktTagType: n.pktTagType, pktTag: n.pktTag, l3: { tenant: n.tenant, subnet: n.subnet, gateway: 'distributed' } });

describe('routedNetworks', () => {
  const all = new Map(
    [
      ns('a', 'one', 1, '10.1.0.0/24', { routeId: 7 }),
      ns('a', 'two', 2, '10.1.1.0/24', { routeId: 7 }),
      ns('a', 'phys', 3, '10.1.2.0/24', { routeId: 7, gatewayMode: 'external', pktTagType: 'vlan' }),
      ns('a', 'closed', 4, '10.1.3.0/24', { routeId: 7, external: 'none' }),
      ns('b', 'one', 5, '10.1.0.0/24', { routeId: 8 }),
    ].map((n) => [n.id, n]),
  );

  it('adds the other routed networks of local tenants as transit, physical-router ones as unrouted, and nothing of other tenants', () => {
    const local = new Map([['a/one', make(all.get('a/one')!)], ['a/closed', make(all.get('a/closed')!)]]);
    const r = routedNetworks(all, local, make);
    expect(r.transit.map((n) => n.id)).toEqual(['a/two']);
    expect(r.unrouted).toEqual([{ tenant: 'a', subnet: '10.1.2.0/24' }]);
    expect(r.gatewayNetworks).toEqual([
      { id: 'a/one', key: networkKey('vxlan', 1), subnet: '10.1.0.0/24', snat: true },
      { id: 'a/closed', key: networkKey('vxlan', 4), subnet: '10.1.3.0/24', snat: false },
    ]);
    expect([...r.snatRouteIds]).toEqual([['a/one', 7]]);
  });

  it('does not SNAT a network whose tenant has no route id yet, and reads old states as distributed + snat', () => {
    const old = ns('c', 'legacy', 9, '10.9.0.0/24');
    const r = routedNetworks(new Map([[old.id, old]]), new Map([[old.id, make(old)]]), make);
    expect(r.gatewayNetworks).toEqual([{ id: 'c/legacy', key: networkKey('vxlan', 9), subnet: '10.9.0.0/24', snat: false }]);
    expect(r.snatRouteIds.size).toBe(0);
  });

  it('looks at nothing when no network is local', () => {
    expect(routedNetworks(all, new Map(), make)).toEqual({ transit: [], unrouted: [], gatewayNetworks: [], snatRouteIds: new Map() });
  });
});

describe('entersVxlan', () => {
  const vlan = (tenant: string, name: string, extra: Record<string, unknown> = {}) => ns(tenant, name, 1, '10.0.0.0/24', { pktTagType: 'vlan', ...extra });
  it('is true for a VXLAN network and for a VLAN network routed into one of its tenant, false otherwise', () => {
    const all = new Map(
      [ns('a', 'vx', 1, '10.1.0.0/24'), vlan('a', 'vl'), vlan('a', 'phys', { gatewayMode: 'external' }), vlan('b', 'vl'), ns('c', 'vx', 2, '10.2.0.0/24', { gatewayMode: 'distributed' })].map((n) => [n.id, n]),
    );
    const tenants = tenantsRoutingIntoVxlan(all);
    expect([...tenants].sort()).toEqual(['a', 'c']);
    expect(entersVxlan(all.get('a/vx')!, tenants)).toBe(true);
    expect(entersVxlan(all.get('a/vl')!, tenants)).toBe(true);
    // A physical router's network is not routed by us; another tenant's VXLAN network is never reached.
    expect(entersVxlan(all.get('a/phys')!, tenants)).toBe(false);
    expect(entersVxlan(all.get('b/vl')!, tenants)).toBe(false);
  });
});
