/**
 * Carving fixed-size subnets out of a tenant's pool: the lowest aligned block that
 * overlaps no subnet already in use. The subnets in use are an interval set, so each
 * reservation, check and carve costs a lookup (O(log n)), never a scan of every network
 * allocated before it. Pure: the pool is a value owned by the caller.
 */

import { blockSize, cidrLast, type Cidr } from './ip.js';
import { IntervalSet } from './intervals.js';

/** Allocation state of one pool: the addresses in use and where carving goes on. */
export interface SubnetPool {
  pool: Cidr;
  len: number;
  used: IntervalSet;
  /**
   * Every aligned block below this start is taken. Blocks are never freed inside one
   * allocation run, so this only moves up and a run of carves costs O(blocks carved +
   * spans stepped over), each step one lookup.
   */
  cursor: number;
}

/** Makes a carving state for blocks of prefix `len` out of `pool`. */
export function newSubnetPool(pool: Cidr, len: number): SubnetPool {
  return { pool, len, used: new IntervalSet(), cursor: pool.base };
}

/**
 * Marks `subnet` as in use (it may lie outside the pool: a network's own SubnetCIDR
 * still must not be overlapped by a carved one).
 */
export function reserveSubnet(state: SubnetPool, subnet: Cidr): void {
  state.used.add(subnet.base, cidrLast(subnet));
}

/** Whether `subnet` overlaps any subnet already in use. */
export function subnetInUse(state: SubnetPool, subnet: Cidr): boolean {
  return state.used.overlaps(subnet.base, cidrLast(subnet));
}

/** Number of blocks of the pool's size that fit in the pool. */
export function subnetCapacity(state: SubnetPool): number {
  return state.len < state.pool.len ? 0 : 2 ** (state.len - state.pool.len);
}

/** Takes the lowest free block, or undefined when none fits. */
export function carveSubnet(state: SubnetPool): Cidr | undefined {
  if (state.len < state.pool.len || state.len > 32) return undefined;
  const size = blockSize(state.len);
  const end = cidrLast(state.pool);
  let cand = state.cursor;
  while (cand + size - 1 <= end) {
    const clash = state.used.next(cand);
    if (!clash || clash.lo > cand + size - 1) {
      state.used.add(cand, cand + size - 1);
      state.cursor = cand + size;
      return { base: cand, len: state.len };
    }
    // Jump past the whole span in the way, to the next aligned block.
    const next = clash.hi + 1;
    cand = next + ((size - (next % size)) % size);
  }
  state.cursor = cand;
  return undefined;
}
