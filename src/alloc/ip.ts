/**
 * IPv4 addresses and CIDR blocks as 32-bit unsigned integers, and a lowest-free host
 * address allocator per subnet. Pure: the pool is a value owned by the caller.
 */

import { allocLowestId, newIdPool, reserveId, type IdPool } from './ranges.js';

/** An IPv4 block: `base` is the network address as an unsigned 32-bit integer. */
export interface Cidr {
  base: number;
  len: number;
}

/** Result of parsing a CIDR: the block, or why it is not one. */
export type ParsedCidr = { ok: true; cidr: Cidr } | { ok: false; reason: string };

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted-quad IPv4 address to an unsigned integer, or undefined. */
export function ipToInt(ip: string): number | undefined {
  const m = DOTTED.exec(ip);
  if (!m) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i];
    // Leading zeros are rejected because some tools read them as octal.
    if (part.length > 1 && part[0] === '0') return undefined;
    const b = Number(part);
    if (b > 255) return undefined;
    v = v * 256 + b;
  }
  return v;
}

/** Formats an unsigned 32-bit integer as a dotted-quad address. */
export function intToIp(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Number of addresses in a block of prefix length `len`. */
export function blockSize(len: number): number {
  return 2 ** (32 - len);
}

/** Parses "a.b.c.d/len", rejecting host bits set (the block must be named by its network address). */
export function parseCidr(text: string): ParsedCidr {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, reason: `"${text}" is not a CIDR (expected a.b.c.d/len)` };
  const base = ipToInt(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (base === undefined) return { ok: false, reason: `"${text}" has a bad IPv4 address` };
  if (!/^\d{1,2}$/.test(lenText) || Number(lenText) > 32) {
    return { ok: false, reason: `"${text}" has a bad prefix length (0-32)` };
  }
  const len = Number(lenText);
  if (base % blockSize(len) !== 0) {
    const net = base - (base % blockSize(len));
    return { ok: false, reason: `"${text}" has host bits set (network address is ${intToIp(net)}/${len})` };
  }
  return { ok: true, cidr: { base, len } };
}

/** Formats a block as "a.b.c.d/len". */
export function formatCidr(c: Cidr): string {
  return `${intToIp(c.base)}/${c.len}`;
}

/** Last address of a block (its broadcast address). */
export function cidrLast(c: Cidr): number {
  return c.base + blockSize(c.len) - 1;
}

/** Whether address `ip` (an integer) lies inside block `c`. */
export function cidrContains(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip <= cidrLast(c);
}

/** Whether block `inner` lies wholly inside block `outer`. */
export function cidrWithin(outer: Cidr, inner: Cidr): boolean {
  return inner.len >= outer.len && cidrContains(outer, inner.base);
}

/** Whether two blocks share any address (aligned blocks either nest or are disjoint). */
export function cidrOverlap(a: Cidr, b: Cidr): boolean {
  return a.base <= cidrLast(b) && b.base <= cidrLast(a);
}

/**
 * The usable host addresses of a block: all but the network and broadcast addresses. The
 * one definition every allocator and check uses. Blocks of /31 and /32 have none here
 * (netplugin networks need a gateway and hosts), so they give undefined.
 */
export function hostRange(c: Cidr): { first: number; last: number } | undefined {
  return c.len <= 30 ? { first: c.base + 1, last: cidrLast(c) - 1 } : undefined;
}

/** First usable host address: the gateway default (undefined for /31 and /32). */
export function firstHost(c: Cidr): number | undefined {
  return hostRange(c)?.first;
}

/** Whether `ip` is a usable host address of `c` (inside, not network nor broadcast). */
export function isHostAddress(c: Cidr, ip: number): boolean {
  const r = hostRange(c);
  return r !== undefined && ip >= r.first && ip <= r.last;
}

/** Allocation state of one subnet's host addresses. */
export interface AddressPool {
  subnet: Cidr;
  ids: IdPool;
}

/** Makes a pool over the host addresses of `subnet`, with `exclude` (e.g. the gateway) already taken. */
export function newAddressPool(subnet: Cidr, exclude: number[] = []): AddressPool {
  const r = hostRange(subnet);
  const ranges = r ? [{ lo: r.first, hi: r.last }] : [];
  const pool: AddressPool = { subnet, ids: newIdPool(ranges) };
  for (const ip of exclude) reserveId(pool.ids, ip);
  return pool;
}

/** Marks `ip` taken; false when it is not a host address of the subnet or already taken. */
export function reserveAddress(pool: AddressPool, ip: number): boolean {
  return reserveId(pool.ids, ip);
}

/** Takes the lowest free host address, or undefined when the subnet is full. */
export function allocAddress(pool: AddressPool): number | undefined {
  return allocLowestId(pool.ids);
}
