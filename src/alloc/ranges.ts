/**
 * Id ranges ("11-28,40,50-60") and a lowest-free id allocator over them, used for
 * VLAN ids and VXLAN VNIs. Pure: the pool is a value owned by the caller.
 */

/** An inclusive range of integer ids. */
export interface IdRange {
  lo: number;
  hi: number;
}

/** Result of parsing a range list: sorted, disjoint, merged ranges, or why not. */
export type ParsedRanges = { ok: true; ranges: IdRange[] } | { ok: false; reason: string };

const ITEM = /^(\d+)(?:-(\d+))?$/;

/**
 * Parses "11-28,40,50-60" into sorted disjoint ranges, checking every id lies in
 * [min, max]; overlapping or adjacent items are merged rather than rejected because
 * they describe the same set of ids.
 */
export function parseRanges(text: string, min: number, max: number, what = 'id'): ParsedRanges {
  const items = text.split(',').map((s) => s.trim());
  const out: IdRange[] = [];
  for (const item of items) {
    const m = ITEM.exec(item);
    if (!m) return { ok: false, reason: `bad range "${item}" in "${text}" (expected N, N-M, or a comma-separated list of them)` };
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return { ok: false, reason: `reversed range "${item}" (start after end)` };
    if (lo < min || hi > max) {
      return { ok: false, reason: `${what} range "${item}" outside ${min}-${max}` };
    }
    out.push({ lo, hi });
  }
  out.sort((a, b) => a.lo - b.lo);
  const merged: IdRange[] = [];
  for (const r of out) {
    const last = merged[merged.length - 1];
    if (last && r.lo <= last.hi + 1) last.hi = Math.max(last.hi, r.hi);
    else merged.push({ ...r });
  }
  return { ok: true, ranges: merged };
}

/** Writes ranges back in the canonical "lo-hi,id" form. */
export function formatRanges(ranges: IdRange[]): string {
  return ranges.map((r) => (r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`)).join(',');
}

/** Whether `id` lies inside one of the (sorted) ranges. */
export function rangesContain(ranges: IdRange[], id: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid];
    if (id < r.lo) hi = mid - 1;
    else if (id > r.hi) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Number of ids the ranges hold. */
export function rangesSize(ranges: IdRange[]): number {
  return ranges.reduce((n, r) => n + (r.hi - r.lo + 1), 0);
}

/**
 * Allocation state over some ranges. `taken` may be shared between pools (VLAN ids are
 * unique across tenants, each tenant drawing from its own ranges).
 */
export interface IdPool {
  ranges: IdRange[];
  taken: Set<number>;
  /** Index into `ranges` and the next id there that might be free. */
  cursorRange: number;
  cursorId: number;
}

/** Makes a pool over `ranges`, optionally sharing an existing `taken` set. */
export function newIdPool(ranges: IdRange[], taken: Set<number> = new Set()): IdPool {
  return { ranges, taken, cursorRange: 0, cursorId: ranges.length > 0 ? ranges[0].lo : 0 };
}

/**
 * Marks `id` as taken; false when it is outside the pool's ranges or already taken.
 */
export function reserveId(pool: IdPool, id: number): boolean {
  if (!rangesContain(pool.ranges, id) || pool.taken.has(id)) return false;
  pool.taken.add(id);
  return true;
}

/**
 * Takes the lowest free id, or undefined when the ranges are exhausted. The cursor
 * only moves forward because ids are never freed inside one allocation run, which
 * keeps a whole run linear in the range size instead of quadratic.
 */
export function allocLowestId(pool: IdPool): number | undefined {
  while (pool.cursorRange < pool.ranges.length) {
    const r = pool.ranges[pool.cursorRange];
    if (pool.cursorId < r.lo) pool.cursorId = r.lo;
    while (pool.cursorId <= r.hi) {
      const id = pool.cursorId++;
      if (!pool.taken.has(id)) {
        pool.taken.add(id);
        return id;
      }
    }
    pool.cursorRange++;
  }
  return undefined;
}
