import { describe, expect, it } from 'vitest';
import { decodeNetwork, encodeNetworkCreate, networkFilters } from './engine-networks.js';

describe('Docker network codec', () => {
  it('decodes an inspect answer with endpoints, IPAM config and labels', () => {
    const n = decodeNetwork({
      Name: 't1.n1', Id: 'abc', Scope: 'local', Driver: 'netplugin',
      IPAM: { Driver: 'netplugin', Options: { tenant: 't1', network: 'n1' }, Config: [{ Subnet: '10.1.0.0/24', Gateway: '10.1.0.1', AuxiliaryAddresses: { a: '10.1.0.5' } }] },
      Containers: { c0ffee: { Name: 'web', EndpointID: 'ep1', MacAddress: '02:02:0a:01:00:02', IPv4Address: '10.1.0.2/24', IPv6Address: '' } },
      Options: { tenant: 't1' }, Labels: { 'netplugin.managed': 'true' },
    });
    expect(n).toEqual({
      id: 'abc', name: 't1.n1', driver: 'netplugin', scope: 'local', labels: { 'netplugin.managed': 'true' }, options: { tenant: 't1' },
      ipamDriver: 'netplugin', ipamOptions: { tenant: 't1', network: 'n1' },
      subnets: [{ subnet: '10.1.0.0/24', gateway: '10.1.0.1', auxAddresses: { a: '10.1.0.5' } }],
      endpoints: [{ containerId: 'c0ffee', name: 'web', endpointId: 'ep1', macAddress: '02:02:0a:01:00:02', ipv4Address: '10.1.0.2/24' }],
    });
  });

  it('decodes a list entry with nulls (no IPAM config, no containers)', () => {
    const n = decodeNetwork({ Name: 'none', Id: 'x', Driver: 'null', IPAM: { Driver: 'default', Options: null, Config: [] }, Containers: {}, Options: {}, Labels: null });
    expect(n.subnets).toEqual([]);
    expect(n.endpoints).toEqual([]);
    expect(n.labels).toEqual({});
    expect(n.ipamOptions).toEqual({});
  });

  it('refuses an object without an Id', () => {
    expect(() => decodeNetwork({ Name: 'x' })).toThrow(/without an Id/);
  });

  it('encodes filters as the engine JSON form', () => {
    expect(networkFilters({})).toBe('');
    const q = networkFilters({ labels: ['netplugin.managed=true'], driver: 'netplugin' });
    expect(JSON.parse(decodeURIComponent(q.slice('?filters='.length)))).toEqual({ label: ['netplugin.managed=true'], driver: ['netplugin'] });
  });

  it('encodes a create request with IPAM driver and options', () => {
    expect(encodeNetworkCreate({ name: 'a.b', driver: 'netplugin', ipamDriver: 'netplugin', ipamOptions: { tenant: 'a', network: 'b' }, labels: { l: '1' } })).toEqual({
      Name: 'a.b', Driver: 'netplugin', CheckDuplicate: true, Options: {}, Labels: { l: '1' },
      IPAM: { Driver: 'netplugin', Options: { tenant: 'a', network: 'b' }, Config: [] },
    });
    expect(encodeNetworkCreate({ name: 'x', driver: 'netplugin' })).not.toHaveProperty('IPAM');
    expect((encodeNetworkCreate({ name: 'x', driver: 'd', subnets: [{ subnet: '10.0.0.0/24', gateway: '10.0.0.1' }] }).IPAM as { Config: unknown }).Config).toEqual([{ Subnet: '10.0.0.0/24', Gateway: '10.0.0.1' }]);
  });
});
