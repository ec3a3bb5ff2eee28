import { describe, expect, it } from 'vitest';
import { rng } from '../../test/helpers/rng.js';
import { IntervalSet } from './intervals.js';

/** The same set as a plain bitmap over [0, n), the obviously-correct model. */
function model(n: number) {
  const bits = new Uint8Array(n);
  return {
    add: (lo: number, hi: number) => bits.fill(1, lo, hi + 1),
    overlaps: (lo: number, hi: number) => bits.subarray(lo, hi + 1).includes(1),
    covers: (lo: number, hi: number) => !bits.subarray(lo, hi + 1).includes(0),
    spans: () => {
      const out: { lo: number; hi: number }[] = [];
      for (let i = 0; i < n; i++) {
        if (!bits[i]) continue;
        if (out.length && out[out.length - 1].hi === i - 1) out[out.length - 1].hi = i;
        else out.push({ lo: i, hi: i });
      }
      return out;
    },
  };
}

describe('IntervalSet', () => {
  it('merges overlapping and touching intervals and answers overlap, cover and next', () => {
    const s = new IntervalSet();
    s.add(10, 19);
    s.add(30, 39);
    s.add(20, 25); // touches 10-19
    s.add(5, 5);
    expect(s.spans()).toEqual([{ lo: 5, hi: 5 }, { lo: 10, hi: 25 }, { lo: 30, hi: 39 }]);
    expect(s.overlaps(26, 29)).toBe(false);
    expect(s.overlaps(26, 30)).toBe(true);
    expect(s.covers(12, 25)).toBe(true);
    expect(s.covers(12, 26)).toBe(false);
    expect(s.next(26)).toEqual({ lo: 30, hi: 39 });
    expect(s.next(15)).toEqual({ lo: 10, hi: 25 });
    expect(s.next(40)).toBeUndefined();
    s.add(0, 100); // swallows everything
    expect(s.spans()).toEqual([{ lo: 0, hi: 100 }]);
    expect(s.size).toBe(1);
  });

  it('agrees with a bitmap under random adds in random order, across chunk splits', () => {
    const r = rng(7);
    const n = 200_000;
    const s = new IntervalSet();
    const m = model(n);
    for (let k = 0; k < 5000; k++) {
      const lo = r.int(n - 10);
      const hi = lo + r.int(r.next() < 0.9 ? 3 : 40);
      s.add(lo, hi);
      m.add(lo, hi);
      const qlo = r.int(n - 50);
      const qhi = qlo + r.int(50);
      expect(s.overlaps(qlo, qhi), `overlaps ${qlo}-${qhi} after ${k}`).toBe(m.overlaps(qlo, qhi));
      expect(s.covers(qlo, qhi)).toBe(m.covers(qlo, qhi));
    }
    const want = m.spans();
    expect(s.spans()).toEqual(want);
    expect(s.size).toBe(want.length);
  });

  it('adds 100,000 intervals in reverse order quickly (no per-add scan)', () => {
    const s = new IntervalSet();
    const t0 = performance.now();
    for (let k = 100_000; k > 0; k--) s.add(k * 4, k * 4 + 1);
    for (let k = 0; k < 100_000; k++) s.overlaps(k * 4 + 2, k * 4 + 3);
    expect(s.size).toBe(100_000);
    // A linear scan per add (the old allocator) takes tens of seconds here.
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
