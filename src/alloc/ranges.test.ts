import { describe, expect, it } from 'vitest';
import { allocLowestId, formatRanges, newIdPool, parseRanges, rangesContain, rangesSize, reserveId } from './ranges.js';

describe('parseRanges', () => {
  it('sorts and merges items', () => {
    const r = parseRanges('50-60, 11-28,40,29', 1, 4094);
    expect(r).toEqual({ ok: true, ranges: [{ lo: 11, hi: 29 }, { lo: 40, hi: 40 }, { lo: 50, hi: 60 }] });
    if (r.ok) {
      expect(formatRanges(r.ranges)).toBe('11-29,40,50-60');
      expect(rangesSize(r.ranges)).toBe(19 + 1 + 11);
      expect([10, 11, 29, 30, 40, 41, 60, 61].map((id) => rangesContain(r.ranges, id))).toEqual([false, true, true, false, true, false, true, false]);
    }
  });

  it.each([
    ['28-11', /reversed/],
    ['0-5', /outside 1-4094/],
    ['4094-4095', /outside 1-4094/],
    ['a-b', /bad range/],
    ['', /bad range/],
    ['1,,2', /bad range/],
    ['-5', /bad range/],
  ])('rejects %j', (text, reason) => {
    const r = parseRanges(text, 1, 4094);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('IdPool', () => {
  it('hands out the lowest free id across ranges, then reports exhaustion', () => {
    const r = parseRanges('11-12,40', 1, 4094);
    if (!r.ok) throw new Error(r.reason);
    const pool = newIdPool(r.ranges);
    expect(reserveId(pool, 12)).toBe(true);
    expect(reserveId(pool, 12)).toBe(false);
    expect(reserveId(pool, 13)).toBe(false);
    expect([allocLowestId(pool), allocLowestId(pool), allocLowestId(pool)]).toEqual([11, 40, undefined]);
  });

  it('respects ids another pool sharing the taken set already holds', () => {
    const taken = new Set<number>();
    const a = newIdPool([{ lo: 1, hi: 10 }], taken);
    const b = newIdPool([{ lo: 5, hi: 20 }], taken);
    expect(allocLowestId(b)).toBe(5);
    expect(reserveId(a, 6)).toBe(true);
    expect(allocLowestId(b)).toBe(7);
    expect([1, 2, 3, 4, 8].map(() => allocLowestId(a))).toEqual([1, 2, 3, 4, 8]);
  });
});
