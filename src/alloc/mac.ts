/**
 * Deterministic endpoint MAC addresses. Deriving the MAC from the IP makes it unique
 * wherever the IP is (within a network) and stable across re-applies without storing
 * extra state; tenants with overlapping subnets may repeat MACs, which is harmless
 * because their L2 domains are isolated.
 */

/** Locally administered unicast MAC `02:02:` followed by the four IPv4 bytes. */
export function macFromIp(ip: number): string {
  const bytes = [2, 2, (ip >>> 24) & 255, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
