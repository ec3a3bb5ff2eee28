/**
 * A set of integers kept as sorted, disjoint, non-adjacent inclusive intervals, in
 * chunks of bounded length so that adding, querying and finding the next interval all
 * cost O(log n + chunk) however many intervals there are and in whatever order they
 * come. Allocators use it so that each network costs a lookup, not a scan of every
 * network allocated before it.
 */

/** An inclusive interval of integers. */
export interface Span {
  lo: number;
  hi: number;
}

/** Chunks split past this many spans; small enough that splicing one is cheap. */
const CHUNK_MAX = 512;

/** Position of a span: chunk index and index inside the chunk. */
interface At {
  c: number;
  i: number;
}

/** The integer interval set. */
export class IntervalSet {
  /** Every chunk non-empty; all spans, read chunk after chunk, sorted and disjoint. */
  private chunks: Span[][] = [];
  private count = 0;

  /** Number of disjoint intervals held (touching or overlapping ones are merged). */
  get size(): number {
    return this.count;
  }

  /** Position of the first span whose `hi` is >= x, or undefined when none is. */
  private locate(x: number): At | undefined {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    let c = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const chunk = chunks[mid];
      if (chunk[chunk.length - 1].hi >= x) {
        c = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    if (c < 0) return undefined;
    const chunk = chunks[c];
    let a = 0;
    let b = chunk.length - 1;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (chunk[mid].hi >= x) b = mid;
      else a = mid + 1;
    }
    return { c, i: a };
  }

  /** The interval holding `x`, or else the first one after it; undefined when none is. */
  next(x: number): Span | undefined {
    const at = this.locate(x);
    if (!at) return undefined;
    const s = this.chunks[at.c][at.i];
    return { lo: s.lo, hi: s.hi };
  }

  /** Whether any integer of [lo, hi] is in the set. */
  overlaps(lo: number, hi: number): boolean {
    const s = this.next(lo);
    return s !== undefined && s.lo <= hi;
  }

  /** Whether every integer of [lo, hi] is in the set. */
  covers(lo: number, hi: number): boolean {
    const s = this.next(lo);
    return s !== undefined && s.lo <= lo && s.hi >= hi;
  }

  /** Adds [lo, hi], merging it with every interval it overlaps or touches. */
  add(lo: number, hi: number): void {
    if (hi < lo) return;
    // The first span that overlaps or touches [lo, hi] ends at lo - 1 or later.
    let at = this.locate(lo - 1);
    while (at) {
      const s = this.chunks[at.c][at.i];
      if (s.lo > hi + 1) break;
      lo = Math.min(lo, s.lo);
      hi = Math.max(hi, s.hi);
      at = this.removeAt(at);
    }
    this.insertAt(at, { lo, hi });
  }

  /** Removes the span at `at`; returns the position of the span that followed it. */
  private removeAt(at: At): At | undefined {
    const chunk = this.chunks[at.c];
    chunk.splice(at.i, 1);
    this.count--;
    if (chunk.length === 0) {
      this.chunks.splice(at.c, 1);
      return at.c < this.chunks.length ? { c: at.c, i: 0 } : undefined;
    }
    if (at.i < chunk.length) return at;
    return at.c + 1 < this.chunks.length ? { c: at.c + 1, i: 0 } : undefined;
  }

  /** Inserts `span` before the span at `at` (at the end when `at` is undefined). */
  private insertAt(at: At | undefined, span: Span): void {
    this.count++;
    if (this.chunks.length === 0) {
      this.chunks.push([span]);
      return;
    }
    let c: number;
    let i: number;
    if (at) {
      ({ c, i } = at);
    } else {
      c = this.chunks.length - 1;
      i = this.chunks[c].length;
    }
    const chunk = this.chunks[c];
    chunk.splice(i, 0, span);
    if (chunk.length > CHUNK_MAX * 2) this.chunks.splice(c + 1, 0, chunk.splice(CHUNK_MAX));
  }

  /** Every interval in order (for tests and diagnostics). */
  spans(): Span[] {
    return this.chunks.flat().map((s) => ({ lo: s.lo, hi: s.hi }));
  }
}
