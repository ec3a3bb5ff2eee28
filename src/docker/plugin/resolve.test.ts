import { describe, expect, it } from 'vitest';
import type { RuntimeNetwork } from '../../runtime/types.js';
import { parsePoolId, poolIdOf, resolveCreateNetwork, resolvePool, type PoolRequest } from './resolve.js';
import type { PoolRecord } from './state.js';

const net = (tenant: string, name: string, subnet: string, gateway: string): RuntimeNetwork => ({ id: `${tenant}/${name}`, tenant, name, subnet, gateway, mtu: 1500, pktTagType: 'vlan', pktTag: 10 });
const NETS = [
  net('blue', 'web', '10.1.0.0/24', '10.1.0.1'),
  net('blue', 'db', '10.2.0.0/24', '10.2.0.1'),
  net('red', 'web', '10.1.0.0/24', '10.1.0.1'), // overlaps blue/web on purpose
  net('red', 'app', '10.9.0.0/16', '10.9.0.1'),
];
const req = (over: Partial<PoolRequest>): PoolRequest => ({ addressSpace: 'netplugin', pool: '', subPool: '', options: {}, v6: false, ...over });

describe('PoolID', () => {
  it('round-trips tenant and network, also with odd characters', () => {
    expect(parsePoolId('M', poolIdOf('a/b', 'c d'))).toEqual({ tenant: 'a/b', network: 'c d' });
    expect(() => parsePoolId('IpamDriver.ReleasePool', 'LocalDefault/10.0.0.0/24')).toThrow('IpamDriver.ReleasePool: PoolID "LocalDefault/10.0.0.0/24" was not issued by the netplugin IPAM driver');
  });
});

describe('RequestPool resolution', () => {
  it('takes --ipam-opt tenant= network= first', () => {
    expect(resolvePool(req({ options: { tenant: 'red', network: 'app' } }), NETS).id).toBe('red/app');
    expect(resolvePool(req({ options: { tenant: 'red', network: 'app' }, pool: '10.9.0.0/16' }), NETS).id).toBe('red/app');
  });

  it('names unknown tenants and networks with what exists', () => {
    expect(() => resolvePool(req({ options: { tenant: 'green', network: 'x' } }), NETS)).toThrow(/unknown tenant "green" \(intent networks: blue\/db, blue\/web, red\/app, red\/web\)/);
    expect(() => resolvePool(req({ options: { tenant: 'blue', network: 'x' } }), NETS)).toThrow('tenant "blue" has no network "x" (its networks: db, web)');
  });

  it('uses a non-default address space as the tenant, with --subnet', () => {
    expect(resolvePool(req({ addressSpace: 'red', pool: '10.1.0.0/24' }), NETS).id).toBe('red/web');
    expect(resolvePool(req({ addressSpace: 'blue', options: { network: 'db' } }), NETS).id).toBe('blue/db');
    expect(() => resolvePool(req({ addressSpace: 'red', options: { tenant: 'blue', network: 'db' } }), NETS)).toThrow(/disagree/);
  });

  it('accepts a --subnet that matches exactly one intent network', () => {
    expect(resolvePool(req({ pool: '10.2.0.0/24' }), NETS).id).toBe('blue/db');
    expect(() => resolvePool(req({ pool: '10.1.0.0/24' }), NETS)).toThrow(/belongs to several intent networks \(blue\/web, red\/web\).*--ipam-opt tenant=T --ipam-opt network=N/);
    expect(() => resolvePool(req({ pool: '192.168.5.0/24' }), NETS)).toThrow(/no network in the intent has subnet 192.168.5.0\/24/);
  });

  it('with nothing to go on, tells the user to add --ipam-opt', () => {
    expect(() => resolvePool(req({}), NETS)).toThrow('IpamDriver.RequestPool: the netplugin IPAM driver cannot tell which intent network this Docker network is for; add `--ipam-opt tenant=T --ipam-opt network=N` to `docker network create` (driver `-o` options do not reach the IPAM driver)');
    expect(() => resolvePool(req({ addressSpace: 'LocalDefault' }), NETS)).toThrow(/cannot tell which intent network/);
  });

  it('refuses a --subnet different from the network, --ip-range, IPv6', () => {
    expect(() => resolvePool(req({ options: { tenant: 'blue', network: 'db' }, pool: '10.2.0.0/25' }), NETS)).toThrow(/--subnet 10.2.0.0\/25 is not the subnet of intent network blue\/db \(10.2.0.0\/24\)/);
    expect(() => resolvePool(req({ options: { tenant: 'blue', network: 'db' }, pool: '10.2.0.0/24', subPool: '10.2.0.128/25' }), NETS)).toThrow(/--ip-range .* is not supported/);
    expect(() => resolvePool(req({ options: { tenant: 'blue', network: 'db' }, v6: true }), NETS)).toThrow(/IPv6/);
  });
});

describe('CreateNetwork resolution', () => {
  const pool = (tenant: string, network: string, cidr: string): PoolRecord => ({ poolId: poolIdOf(tenant, network), tenant, network, pool: cidr, refs: 1, updatedAt: '' });
  const data = (p: string, space = 'netplugin') => [{ addressSpace: space, pool: p, gateway: '', auxAddresses: {} }];

  it('binds our IPAM pool without -o, and with agreeing -o', () => {
    const pools = [pool('red', 'app', '10.9.0.0/16')];
    expect(resolveCreateNetwork({}, data('10.9.0.0/16'), NETS, pools)).toMatchObject({ ipam: 'netplugin', poolId: poolIdOf('red', 'app'), network: { id: 'red/app' } });
    expect(resolveCreateNetwork({ tenant: 'red', network: 'app' }, data('10.9.0.0/16'), NETS, pools)).toMatchObject({ ipam: 'netplugin' });
  });

  it('tells overlapping pools apart by -o', () => {
    const pools = [pool('red', 'web', '10.1.0.0/24'), pool('blue', 'web', '10.1.0.0/24')];
    expect(resolveCreateNetwork({ tenant: 'blue', network: 'web' }, data('10.1.0.0/24'), NETS, pools).poolId).toBe(poolIdOf('blue', 'web'));
    expect(() => resolveCreateNetwork({}, data('10.1.0.0/24'), NETS, pools)).toThrow(/held for several intent networks/);
  });

  it('refuses -o that disagrees with our pool', () => {
    expect(() => resolveCreateNetwork({ tenant: 'blue', network: 'db' }, data('10.9.0.0/16'), NETS, [pool('red', 'app', '10.9.0.0/16')])).toThrow(/disagrees with the IPAM pool, which is intent network red\/app/);
  });

  it("with Docker's IPAM needs -o and a pool inside the subnet", () => {
    expect(resolveCreateNetwork({ tenant: 'red', network: 'app' }, data('10.9.3.0/24', 'LocalDefault'), NETS, [])).toMatchObject({ ipam: 'docker', pool: '10.9.3.0/24', network: { id: 'red/app' } });
    expect(() => resolveCreateNetwork({ tenant: 'red', network: 'app' }, data('172.18.0.0/16', 'LocalDefault'), NETS, [])).toThrow('NetworkDriver.CreateNetwork: the Docker IPAM pool 172.18.0.0/16 does not fit intent network red/app (subnet 10.9.0.0/16): create the network with --subnet 10.9.0.0/16, or use --ipam-driver netplugin');
    expect(() => resolveCreateNetwork({}, data('10.9.0.0/16', 'LocalDefault'), NETS, [])).toThrow(/add -o tenant=T -o network=N/);
    expect(() => resolveCreateNetwork({ tenant: 'red' }, data('10.9.0.0/16', 'LocalDefault'), NETS, [])).toThrow(/-o tenant=red needs -o network=\.\.\. too/);
    expect(() => resolveCreateNetwork({ tenant: 'nope', network: 'x' }, data('10.9.0.0/16', 'LocalDefault'), NETS, [])).toThrow(/unknown tenant "nope"/);
  });
});
