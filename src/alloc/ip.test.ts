import { describe, expect, it } from 'vitest';
import {
  allocAddress,
  cidrContains,
  cidrOverlap,
  cidrWithin,
  firstHost,
  formatCidr,
  hostRange,
  intToIp,
  ipToInt,
  isHostAddress,
  newAddressPool,
  parseCidr,
  reserveAddress,
} from './ip.js';
import { macFromIp } from './mac.js';

function cidr(text: string) {
  const c = parseCidr(text);
  if (!c.ok) throw new Error(c.reason);
  return c.cidr;
}

describe('ip helpers', () => {
  it('round-trips addresses', () => {
    for (const ip of ['0.0.0.0', '11.1.0.2', '255.255.255.255', '192.168.2.10']) expect(intToIp(ipToInt(ip)!)).toBe(ip);
    expect(ipToInt('255.255.255.255')).toBe(4294967295);
  });

  it.each(['1.2.3', '1.2.3.256', '01.2.3.4', '1.2.3.4 ', 'a.b.c.d', '1..2.3'])('rejects address %j', (ip) => {
    expect(ipToInt(ip)).toBeUndefined();
  });

  it('parses CIDRs and rejects host bits', () => {
    expect(formatCidr(cidr('11.1.0.0/16'))).toBe('11.1.0.0/16');
    expect(formatCidr(cidr('0.0.0.0/0'))).toBe('0.0.0.0/0');
    const bad = parseCidr('11.1.0.1/16');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.reason).toMatch(/host bits set \(network address is 11\.1\.0\.0\/16\)/);
    for (const t of ['11.1.0.0', '11.1.0.0/33', '11.1.0.0/', '11.1.0.0/x']) expect(parseCidr(t).ok).toBe(false);
  });

  it('answers containment and overlap', () => {
    const a = cidr('11.1.0.0/16');
    const b = cidr('11.1.4.0/24');
    const c = cidr('11.2.0.0/24');
    expect([cidrContains(a, ipToInt('11.1.255.255')!), cidrContains(a, ipToInt('11.2.0.0')!)]).toEqual([true, false]);
    expect([cidrWithin(a, b), cidrWithin(b, a), cidrWithin(a, c)]).toEqual([true, false, false]);
    expect([cidrOverlap(a, b), cidrOverlap(b, a), cidrOverlap(a, c)]).toEqual([true, true, false]);
    expect(intToIp(firstHost(b)!)).toBe('11.1.4.1');
    expect(firstHost(cidr('11.1.4.0/31'))).toBeUndefined();
    expect([b.base, b.base + 1, b.base + 255].map((ip) => isHostAddress(b, ip))).toEqual([false, true, false]);
    const r = hostRange(cidr('11.1.4.0/30'))!;
    expect([intToIp(r.first), intToIp(r.last)]).toEqual(['11.1.4.1', '11.1.4.2']);
    expect([hostRange(cidr('11.1.4.0/31')), hostRange(cidr('11.1.4.7/32'))]).toEqual([undefined, undefined]);
  });
});

describe('AddressPool', () => {
  it('skips network, broadcast, gateway and taken addresses, lowest first', () => {
    const s = cidr('11.1.1.0/29');
    const pool = newAddressPool(s, [ipToInt('11.1.1.1')!]);
    expect(reserveAddress(pool, ipToInt('11.1.1.3')!)).toBe(true);
    expect(reserveAddress(pool, ipToInt('11.1.1.7')!)).toBe(false); // broadcast
    expect(reserveAddress(pool, ipToInt('11.1.1.0')!)).toBe(false); // network
    const got: string[] = [];
    for (let ip = allocAddress(pool); ip !== undefined; ip = allocAddress(pool)) got.push(intToIp(ip));
    expect(got).toEqual(['11.1.1.2', '11.1.1.4', '11.1.1.5', '11.1.1.6']);
  });

  it('has no room in a /31', () => {
    expect(allocAddress(newAddressPool(cidr('11.1.1.0/31')))).toBeUndefined();
  });
});

describe('macFromIp', () => {
  it('is 02:02 followed by the address bytes', () => {
    expect(macFromIp(ipToInt('11.1.0.2')!)).toBe('02:02:0b:01:00:02');
    expect(macFromIp(ipToInt('255.0.16.1')!)).toBe('02:02:ff:00:10:01');
  });
});
