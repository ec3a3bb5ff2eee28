import { describe, expect, it } from 'vitest';
import { dscpProblem, formatRate, limitProblem, overrideQos, rateLimit, readDscp, readRate } from './qos.js';

describe('readRate', () => {
  it.each([
    ['50M', 50_000_000],
    ['50m', 50_000_000],
    ['1.5G', 1_500_000_000],
    ['800k', 800_000],
    ['800K', 800_000],
    [' 20 M ', 20_000_000],
    ['1000', 1000],
    ['.5k', 500],
    [12_345, 12_345],
    [1234.6, 1235],
  ])('reads %j as %d bits', (v, bits) => {
    expect(readRate(v)).toEqual({ ok: true, bits });
  });

  it.each([
    ['fast', /"fast" is not a rate: write bits as a number, or with a suffix k, M or G/],
    ['10X', /"10X" is not a rate/],
    ['M', /"M" is not a rate/],
    ['', /"" is not a rate/],
    ['1e6', /"1e6" is not a rate/],
    ['-5M', /^must be positive \(got "-5M"\)$/],
    [true, /must be a number or a string like "50M" \(got boolean\)/],
    [null, /got null/],
    [{}, /got object/],
  ])('refuses %j', (v, reason) => {
    const r = readRate(v);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('refuses a number that is not finite', () => {
    expect(readRate(Infinity)).toEqual({ ok: false, reason: 'must be a number of bits, not Infinity' });
  });
});

describe('limitProblem', () => {
  it('accepts the bounds and refuses what lies outside them', () => {
    expect(limitProblem(1000, 'rate')).toBeUndefined();
    expect(limitProblem(4e12, 'rate')).toBeUndefined();
    expect(limitProblem(1000, 'burst')).toBeUndefined();
    expect(limitProblem(0, 'rate')).toBe('must be positive (got 0)');
    expect(limitProblem(-5e6, 'burst')).toBe('must be positive (got -5000000)');
    expect(limitProblem(999, 'rate')).toBe('999 bits/s is below the minimum 1k (1000 bits/s): meters count kbit');
    expect(limitProblem(999, 'burst')).toBe('999 bits is below the minimum 1k (1000 bits): meters count kbit');
    expect(limitProblem(4e12 + 1, 'rate')).toBe('4000000000001 bits/s is above the maximum 4000G (4000000000000 bits/s)');
  });
});

describe('Dscp values', () => {
  it('accepts 0-63 and "trust", numeric strings too when read', () => {
    for (const v of [0, 46, 63, 'trust']) expect(dscpProblem(v)).toBeUndefined();
    expect(readDscp('46')).toBe(46);
    expect(readDscp(' 0 ')).toBe(0);
    expect(readDscp('trust')).toBe('trust');
  });

  it.each([64, -1, 4.5, 'Trust', 'ef', '', null, true])('refuses %j', (v) => {
    expect(dscpProblem(v)).toMatch(/^must be an integer 0-63 or "trust" \(got /);
    expect(readDscp(v)).toBeUndefined();
  });
});

describe('rateLimit and formatRate', () => {
  it('defaults the burst to 0.8x the rate and keeps one written', () => {
    expect(rateLimit(10e6)).toEqual({ rate: 10e6, burst: 8e6 });
    expect(rateLimit(10e6, 1e6)).toEqual({ rate: 10e6, burst: 1e6 });
  });

  it('writes the shortest exact suffix form, else the number', () => {
    expect(formatRate(50e6)).toBe('50M');
    expect(formatRate(1.5e9)).toBe('1.5G');
    expect(formatRate(800_000)).toBe('800k');
    expect(formatRate(1_234_567)).toBe(1_234_567);
    expect(formatRate(999)).toBe(999);
    // Every formatted value reads back to itself.
    for (const bits of [1000, 1500, 8e6, 1_234_567, 4e12]) expect(readRate(formatRate(bits))).toEqual({ ok: true, bits });
  });
});

describe('overrideQos', () => {
  const net = { bandwidth: { egress: { rate: 50e6, burst: 40e6 }, ingress: { rate: 20e6, burst: 16e6 } }, dscp: 10 };

  it('takes each direction and the DSCP from the override when it has them, else from the base', () => {
    expect(overrideQos(net, { bandwidth: { egress: { rate: 10e6, burst: 8e6 } } })).toEqual({
      bandwidth: { egress: { rate: 10e6, burst: 8e6 }, ingress: { rate: 20e6, burst: 16e6 } },
      dscp: 10,
    });
    expect(overrideQos(net, { dscp: 'trust' })).toEqual({ ...net, dscp: 'trust' });
    expect(overrideQos({ dscp: 5 }, { dscp: 0 })).toEqual({ dscp: 0 });
  });

  it('is undefined when neither says anything, and copies rather than shares', () => {
    expect(overrideQos(undefined, undefined)).toBeUndefined();
    expect(overrideQos({}, { bandwidth: {} })).toBeUndefined();
    const out = overrideQos(net, undefined)!;
    expect(out).toEqual(net);
    out.bandwidth!.egress!.rate = 1;
    expect(net.bandwidth.egress.rate).toBe(50e6);
  });
});
