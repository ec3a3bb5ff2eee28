import { describe, expect, it } from 'vitest';
import { freeEthName, gatewayMac, hostVethName } from './names.js';

describe('names', () => {
  it('host veth names are stable, distinct per bridge and endpoint, and fit IFNAMSIZ', () => {
    const a = hostVethName('netplugin', 't/n/c1');
    expect(a).toBe(hostVethName('netplugin', 't/n/c1'));
    expect(a).not.toBe(hostVethName('netplugin', 't/n/c2'));
    expect(a).not.toBe(hostVethName('other', 't/n/c1'));
    expect(a.length).toBeLessThanOrEqual(15);
    expect(a).toMatch(/^np[0-9a-f]{11}$/);
  });
  it('picks the first free ethN', () => {
    expect(freeEthName(['lo'])).toBe('eth0');
    expect(freeEthName(['lo', 'eth0'])).toBe('eth1');
    expect(freeEthName(['eth0', 'eth1', 'eth3'])).toBe('eth2');
  });
  it('derives the gateway MAC from its address', () => {
    expect(gatewayMac('11.1.0.1')).toBe('02:02:0b:01:00:01');
  });
});
