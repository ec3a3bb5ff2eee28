import { describe, expect, it } from 'vitest';
import { hostRouteSubnets } from './host-route-subnets.js';
import { RTPROT_NETPLUGIN } from './host-gateway-addrs.js';
import type { AddrInfo, RouteInfo } from '../datapath/kernel/index.js';

const GW = '169.254.64.0/20';
const addr = (name: string, cidr: string): AddrInfo => ({ name, index: 2, cidr, family: cidr.includes(':') ? 6 : 4 });
const route = (dst: string, dev: string, protocol = 2, gateway?: string): RouteInfo => ({ dst, dev, table: 254, protocol, ...(gateway ? { gateway } : {}) });

const HOST_ADDRS = [addr('lo', '127.0.0.1/8'), addr('eth0', '192.168.1.10/24'), addr('eth0', 'fe80::1/64'), addr('br0-gw', '169.254.64.1/20')];
const HOST_ROUTES = [route('default', 'eth0', 3, '192.168.1.1'), route('192.168.1.0/24', 'eth0'), route(GW, 'br0-gw'), route('fd00::/64', 'eth0')];

describe('hostRouteSubnets', () => {
  it('routes local networks that nothing else on the host claims', () => {
    const plan = hostRouteSubnets([{ id: 'a/web', subnet: '10.1.0.0/24' }, { id: 'a/db', subnet: '10.2.0.0/16' }], HOST_ADDRS, HOST_ROUTES, GW, 'br0-gw');
    expect(plan).toEqual({ routed: ['10.1.0.0/24', '10.2.0.0/16'], skipped: [] });
  });

  it('skips both of two networks that overlap each other (two tenants, same subnet), naming the other', () => {
    const plan = hostRouteSubnets(
      [
        { id: 'a/web', subnet: '10.1.0.0/24' },
        { id: 'b/web', subnet: '10.1.0.0/24' },
        { id: 'b/big', subnet: '10.0.0.0/8' },
        { id: 'c/x', subnet: '172.16.0.0/24' },
      ],
      HOST_ADDRS,
      HOST_ROUTES,
      GW,
    );
    expect(plan.routed).toEqual(['172.16.0.0/24']);
    expect(plan.skipped).toEqual([
      { id: 'a/web', subnet: '10.1.0.0/24', reason: 'overlaps network b/web (10.1.0.0/24)' },
      { id: 'b/web', subnet: '10.1.0.0/24', reason: 'overlaps network a/web (10.1.0.0/24)' },
      { id: 'b/big', subnet: '10.0.0.0/8', reason: 'overlaps network a/web (10.1.0.0/24)' },
    ]);
  });

  it('skips a network that overlaps a host address (inside it, or holding it), the gateway cidr, or a host route', () => {
    const plan = hostRouteSubnets(
      [
        { id: 'in-eth0', subnet: '192.168.1.0/25' },
        { id: 'holds-eth1', subnet: '172.16.0.0/12' },
        { id: 'linklocal', subnet: '169.254.0.0/16' },
        { id: 'vpn', subnet: '10.8.0.0/24' },
        { id: 'ok', subnet: '10.9.0.0/24' },
      ],
      [addr('eth0', '192.168.1.10/24'), addr('eth1', '172.20.5.5/29')],
      [route('default', 'eth0', 3, '192.168.1.1'), route('10.8.0.0/16', 'tun0', 4)],
      GW,
    );
    expect(plan.routed).toEqual(['10.9.0.0/24']);
    expect(plan.skipped.map((s) => `${s.id}: ${s.reason}`)).toEqual([
      'in-eth0: overlaps host address 192.168.1.10/24 on eth0',
      'holds-eth1: overlaps host address 172.20.5.5/29 on eth1',
      'linklocal: overlaps the gateway cidr 169.254.64.0/20',
      'vpn: overlaps host route 10.8.0.0/16 dev tun0',
    ]);
  });

  it('counts our own routes (our protocol on our port) as no conflict, but ours on another port and anybody else on ours as one', () => {
    const routes = [route('10.1.0.0/24', 'br0-gw', RTPROT_NETPLUGIN, '169.254.64.2'), route('10.2.0.0/24', 'br1-gw', RTPROT_NETPLUGIN, '169.254.64.2'), route('10.3.0.0/24', 'br0-gw', 4, '169.254.64.2')];
    const nets = [
      { id: 'mine', subnet: '10.1.0.0/24' },
      { id: 'other-bridge', subnet: '10.2.0.0/24' },
      { id: 'static', subnet: '10.3.0.0/24' },
    ];
    const plan = hostRouteSubnets(nets, [], routes, GW, 'br0-gw');
    expect(plan.routed).toEqual(['10.1.0.0/24']);
    expect(plan.skipped.map((s) => s.id)).toEqual(['other-bridge', 'static']);
    // Without a port, any route of our protocol counts as ours.
    expect(hostRouteSubnets(nets, [], routes, GW).routed).toEqual(['10.1.0.0/24', '10.2.0.0/24']);
  });

  it('skips a subnet that is not an IPv4 network cidr, with the parser reason', () => {
    const plan = hostRouteSubnets([{ id: 'v6', subnet: 'fd00::/64' }, { id: 'bits', subnet: '10.1.0.1/24' }], [], [], GW);
    expect(plan).toEqual({
      routed: [],
      skipped: [
        { id: 'v6', subnet: 'fd00::/64', reason: 'not an IPv4 subnet: "fd00::/64" has a bad IPv4 address' },
        { id: 'bits', subnet: '10.1.0.1/24', reason: 'not an IPv4 subnet: "10.1.0.1/24" has host bits set (network address is 10.1.0.0/24)' },
      ],
    });
  });
});
