import { describe, expect, it } from 'vitest';
import { formatCidr, parseCidr } from './ip.js';
import { carveSubnet, newSubnetPool, reserveSubnet, subnetCapacity, subnetInUse } from './subnet.js';

function cidr(text: string) {
  const c = parseCidr(text);
  if (!c.ok) throw new Error(c.reason);
  return c.cidr;
}

function carveAll(state: ReturnType<typeof newSubnetPool>): string[] {
  const out: string[] = [];
  for (let c = carveSubnet(state); c; c = carveSubnet(state)) out.push(formatCidr(c));
  return out;
}

describe('subnet carving', () => {
  it('takes the lowest free blocks, stepping around reserved ones of any size', () => {
    const s = newSubnetPool(cidr('10.0.0.0/22'), 24);
    expect(subnetCapacity(s)).toBe(4);
    reserveSubnet(s, cidr('10.0.1.128/25'));
    reserveSubnet(s, cidr('10.0.0.0/24'));
    reserveSubnet(s, cidr('192.168.0.0/16')); // outside the pool: harmless
    expect(carveAll(s)).toEqual(['10.0.2.0/24', '10.0.3.0/24']);
  });

  it('steps over a wide reservation that covers several blocks', () => {
    const s = newSubnetPool(cidr('10.0.0.0/16'), 26);
    reserveSubnet(s, cidr('10.0.0.0/23'));
    reserveSubnet(s, cidr('10.0.0.64/26')); // nested inside the /23
    expect(formatCidr(carveSubnet(s)!)).toBe('10.0.2.0/26');
    expect(subnetInUse(s, cidr('10.0.1.0/24'))).toBe(true);
    expect(subnetInUse(s, cidr('10.0.3.0/24'))).toBe(false);
  });

  it('rewinds when a reservation arrives after carving began', () => {
    const s = newSubnetPool(cidr('10.0.0.0/24'), 26);
    expect(formatCidr(carveSubnet(s)!)).toBe('10.0.0.0/26');
    reserveSubnet(s, cidr('10.0.0.64/26'));
    expect(carveAll(s)).toEqual(['10.0.0.128/26', '10.0.0.192/26']);
  });

  it('carves every block of a large pool exactly once', () => {
    const s = newSubnetPool(cidr('10.0.0.0/8'), 24);
    reserveSubnet(s, cidr('10.128.0.0/9'));
    const got = carveAll(s);
    expect(got).toHaveLength(32768);
    expect(new Set(got).size).toBe(32768);
    expect(got[got.length - 1]).toBe('10.127.255.0/24');
  });

  it('checks and reserves 50,000 previous subnets in any order with lookups, not scans', () => {
    const s = newSubnetPool(cidr('10.0.0.0/8'), 26);
    const blocks = Array.from({ length: 50_000 }, (_, i) => ({ base: cidr('10.0.0.0/8').base + i * 64, len: 26 })).reverse();
    let clashes = 0;
    const t0 = performance.now();
    for (const b of blocks) {
      if (subnetInUse(s, b)) clashes++;
      reserveSubnet(s, b);
    }
    const took = performance.now() - t0;
    expect(clashes).toBe(0);
    expect(subnetInUse(s, cidr('10.0.0.0/16'))).toBe(true);
    expect(formatCidr(carveSubnet(s)!)).toBe('10.48.212.0/26'); // the first block after the 50,000
    // One scan of all reserved subnets per network is 1.25e9 comparisons: seconds.
    expect(took).toBeLessThan(2000);
  });

  it('refuses blocks larger than the pool', () => {
    expect(carveSubnet(newSubnetPool(cidr('10.0.0.0/25'), 24))).toBeUndefined();
  });
});
