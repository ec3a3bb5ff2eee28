/**
 * Carving fixed-size subnets out of a tenant's pool: the lowest aligned block that
 * overlaps no subnet already in use. Pure: the pool is a value owned by the caller.
 */

import { blockSize, cidrLast, type Cidr } from './ip.js';

/** An inclusive interval of addresses in use. */
interface Span {
  lo: number;
  hi: number;
}

/** Allocation state of one pool: the spans in use, sorted by start, and a cursor. */
export interface SubnetPool {
  pool: Cidr;
  len: number;
  used: Span[];
  sorted: boolean;
  /** Next candidate block start and the first `used` span that might overlap it. */
  cursor: number;
  scan: number;
}

/** Makes a carving state for blocks of prefix `len` out of `pool`. */
export function newSubnetPool(pool: Cidr, len: number): SubnetPool {
  return { pool, len, used: [], sorted: true, cursor: pool.base, scan: 0 };
}

/**
 * Marks `subnet` as in use (it may lie outside the pool: a network's own SubnetCIDR
 * still must not be overlapped by a carved one).
 */
export function reserveSubnet(state: SubnetPool, subnet: Cidr): void {
  state.used.push({ lo: subnet.base, hi: cidrLast(subnet) });
  state.sorted = false;
}

/** Whether `subnet` overlaps any subnet already in use. */
export function subnetInUse(state: SubnetPool, subnet: Cidr): boolean {
  const lo = subnet.base;
  const hi = cidrLast(subnet);
  return state.used.some((s) => s.lo <= hi && lo <= s.hi);
}

/** Number of blocks of the pool's size that fit in the pool. */
export function subnetCapacity(state: SubnetPool): number {
  return state.len < state.pool.len ? 0 : 2 ** (state.len - state.pool.len);
}

/**
 * Takes the lowest free block, or undefined when none fits. Candidates jump past each
 * overlapping span, so a run costs O(spans) rather than O(blocks in the pool).
 */
export function carveSubnet(state: SubnetPool): Cidr | undefined {
  if (state.len < state.pool.len || state.len > 32) return undefined;
  if (!state.sorted) {
    state.used.sort((a, b) => a.lo - b.lo);
    state.sorted = true;
    state.cursor = state.pool.base;
    state.scan = 0;
  }
  const size = blockSize(state.len);
  const end = cidrLast(state.pool);
  const used = state.used;
  let cand = state.cursor;
  let i = state.scan;
  while (cand + size - 1 <= end) {
    while (i < used.length && used[i].hi < cand) i++;
    // Spans are sorted by start only, so a later span may still end before `cand`
    // while an earlier one covers it; checking every span starting before the block's
    // end keeps that case correct.
    let clash: Span | undefined;
    for (let j = i; j < used.length && used[j].lo <= cand + size - 1; j++) {
      if (used[j].hi >= cand) {
        clash = used[j];
        break;
      }
    }
    if (!clash) {
      used.splice(i, 0, { lo: cand, hi: cand + size - 1 });
      state.cursor = cand + size;
      state.scan = i + 1;
      return { base: cand, len: state.len };
    }
    const next = clash.hi + 1;
    cand = next + ((size - (next % size)) % size);
  }
  state.cursor = cand;
  state.scan = i;
  return undefined;
}
