import { describe, expect, it } from 'vitest';
import { DEFAULT_GATEWAY_CIDR, gatewayCidrProblem, HOST_GATEWAY_OFPORT, hostGatewayAddrs, hostGatewayPortName } from './host-gateway-addrs.js';
import { ROUTE_ID_MAX } from '../intent/routing.js';
import { ifNameProblem } from '../common/ifname.js';

describe('hostGatewayAddrs', () => {
  it('derives the port, the host and router addresses and MACs from the default cidr', () => {
    const a = hostGatewayAddrs('netplugin');
    expect({ ...a, transitIp: undefined }).toEqual({
      bridge: 'netplugin',
      portName: 'netplugin-gw',
      ofport: HOST_GATEWAY_OFPORT,
      cidr: DEFAULT_GATEWAY_CIDR,
      hostIp: '169.254.64.1',
      hostCidr: '169.254.64.1/20',
      hostMac: '02:02:a9:fe:40:01',
      routerIp: '169.254.64.2',
      routerMac: '02:02:a9:fe:40:02',
      transitIp: undefined,
    });
    expect(HOST_GATEWAY_OFPORT).toBe(65002);
  });

  it('puts transit address N at base + 16 + N', () => {
    const a = hostGatewayAddrs('br0');
    expect(a.transitIp(1)).toBe('169.254.64.17');
    expect(a.transitIp(240)).toBe('169.254.65.0');
    expect(a.transitIp(4078)).toBe('169.254.79.254');
    const wide = hostGatewayAddrs('br0', '10.200.0.0/16');
    expect(wide.transitIp(ROUTE_ID_MAX)).toBe('10.200.15.254');
  });

  it('refuses route ids outside 1..4078 (the highest lands just below the /20\'s broadcast address)', () => {
    const a = hostGatewayAddrs('br0');
    for (const id of [0, -1, 4079, 4080, 1.5, NaN]) expect(() => a.transitIp(id), String(id)).toThrow(`route id ${id} is outside 1..4078`);
  });

  it('accepts a larger block and names it by its network address', () => {
    const a = hostGatewayAddrs('br0', '100.64.0.0/10');
    expect([a.cidr, a.hostCidr, a.routerIp, a.hostMac]).toEqual(['100.64.0.0/10', '100.64.0.1/10', '100.64.0.2', '02:02:64:40:00:01']);
  });

  it('gatewayCidrProblem (the --gateway-cidr check) gives the same reasons, and none for a good block', () => {
    expect(gatewayCidrProblem('169.254.64.0/20')).toBeUndefined();
    expect(gatewayCidrProblem('10.0.0.0/8')).toBeUndefined();
    expect(gatewayCidrProblem('169.254.64.0/24')).toBe('"169.254.64.0/24" is smaller than a /20 (the transit addresses of 4078 route ids need one)');
    expect(gatewayCidrProblem('nope')).toBe('"nope" is not a CIDR (expected a.b.c.d/len)');
  });

  it.each([
    ['169.254.64.0/21', 'gateway cidr: "169.254.64.0/21" is smaller than a /20 (the transit addresses of 4078 route ids need one)'],
    ['169.254.64.1/20', 'gateway cidr: "169.254.64.1/20" has host bits set (network address is 169.254.64.0/20)'],
    ['169.254.64.0', 'gateway cidr: "169.254.64.0" is not a CIDR (expected a.b.c.d/len)'],
    ['fd00::/64', 'gateway cidr: "fd00::/64" has a bad IPv4 address'],
  ])('refuses %s with NP_INVALID_ARGUMENT naming the reason', (cidr, message) => {
    expect(() => hostGatewayAddrs('br0', cidr)).toThrow(expect.objectContaining({ code: 'NP_INVALID_ARGUMENT', message, details: { field: 'gatewayCidr', value: cidr } }));
  });
});

describe('hostGatewayPortName', () => {
  it('is <bridge>-gw when that fits IFNAMSIZ', () => {
    expect(hostGatewayPortName('netplugin')).toBe('netplugin-gw');
    expect(hostGatewayPortName('abcdefghijkl')).toBe('abcdefghijkl-gw');
  });

  it('cuts a longer bridge name and adds a hash of it, so two long names stay apart and fit 15 bytes', () => {
    const a = hostGatewayPortName('abcdefghijklm');
    const b = hostGatewayPortName('abcdefghijkln');
    expect(a).toMatch(/^abcdefgh[0-9a-f]{4}-gw$/);
    expect(b).toMatch(/^abcdefgh[0-9a-f]{4}-gw$/);
    expect(a).not.toBe(b);
    for (const n of [a, b, hostGatewayPortName('a-fifteen-chars')]) expect(ifNameProblem(n), n).toBeUndefined();
    expect(hostGatewayPortName('abcdefghijklm')).toBe(a);
  });
});
