/**
 * IPv4 blocks that can never hold a tenant's networks: not unicast, or not routable
 * between hosts (RFC 6890's special-purpose registry, the parts a pool must avoid).
 */

import { cidrOverlap, formatCidr, parseCidr, type Cidr } from './ip.js';

/** One refused block and what it is. */
interface Refused {
  cidr: Cidr;
  what: string;
}

/** Parses a constant CIDR (a typo here is a bug, so it throws). */
function block(text: string): Cidr {
  const c = parseCidr(text);
  if (!c.ok) throw new Error(c.reason);
  return c.cidr;
}

/** The blocks no pool or subnet may overlap, with the reason shown to the operator. */
export const UNROUTABLE_BLOCKS: readonly Refused[] = [
  { cidr: block('0.0.0.0/8'), what: '"this network" (0.0.0.0/8, RFC 1122): not a destination' },
  { cidr: block('127.0.0.0/8'), what: 'loopback (127.0.0.0/8): never leaves a host' },
  { cidr: block('169.254.0.0/16'), what: 'link-local (169.254.0.0/16): not routed' },
  { cidr: block('224.0.0.0/4'), what: 'multicast (224.0.0.0/4): not unicast' },
  { cidr: block('240.0.0.0/4'), what: 'reserved (240.0.0.0/4, with the broadcast address 255.255.255.255): not usable' },
];

/** Why `c` cannot hold unicast, routable subnets; undefined when it can. */
export function unroutableReason(c: Cidr): string | undefined {
  const name = formatCidr(c);
  if (c.len === 0) return `${name} is every IPv4 address (the default route); pools and subnets must be unicast and routable`;
  const hit = UNROUTABLE_BLOCKS.find((r) => cidrOverlap(r.cidr, c));
  if (!hit) return undefined;
  const inside = hit.cidr.len <= c.len ? 'lies in' : 'covers';
  return `${name} ${inside} ${hit.what}; pools and subnets must be unicast and routable`;
}
