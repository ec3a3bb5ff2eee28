/**
 * Address checks inside one network: the gateway, static endpoint addresses, the
 * subnet those imply when SubnetCIDR is absent, and duplicate containers/addresses.
 */

import { blockSize, cidrContains, cidrLast, firstHost, formatCidr, intToIp, ipToInt, type Cidr } from '../alloc/ip.js';
import { MAX_SUBNET_LEN, type TenantSettings } from './defaults.js';
import type { NetworkIntent, PktTagType, Problem } from './types.js';
import { checkName } from './names.js';

/** What validation learned about one network, reused by the allocator. */
export interface NetworkFacts {
  path: string;
  type: PktTagType;
  /** The subnet when the intent fixes it (SubnetCIDR, or implied by DefaultGw/IpAddress). */
  subnet?: Cidr;
  /** DefaultGw as an integer, when given and valid. */
  gateway?: number;
}

/**
 * Checks the network's addresses and, when SubnetCIDR is absent but DefaultGw or a
 * static IpAddress is given, fixes `facts.subnet` to the pool block holding that
 * address: the operator named an address, so the subnet around it is what they meant.
 */
export function checkNetworkAddresses(
  n: NetworkIntent,
  s: TenantSettings,
  facts: NetworkFacts,
  path: string,
  problems: Problem[],
): void {
  let gw: number | undefined;
  if (n.defaultGw !== undefined) {
    gw = ipToInt(n.defaultGw);
    if (gw === undefined) problems.push({ path: `${path}.DefaultGw`, reason: `"${n.defaultGw}" is not an IPv4 address` });
  }
  const ips = n.endpoints.map((e, k) => {
    if (e.ipAddress === undefined) return undefined;
    const v = ipToInt(e.ipAddress);
    if (v === undefined) problems.push({ path: `${path}.Endpoints[${k}].IpAddress`, reason: `"${e.ipAddress}" is not an IPv4 address` });
    return v;
  });

  if (n.subnetCIDR === undefined) impliedSubnet(s, facts, gw, ips, path, problems);
  const subnet = facts.subnet;

  if (gw !== undefined && subnet) {
    const why = placeProblem(gw, subnet);
    if (why) problems.push({ path: `${path}.DefaultGw`, reason: `DefaultGw ${n.defaultGw} ${why}` });
    else facts.gateway = gw;
  }
  const effectiveGw = gw ?? (subnet ? firstHost(subnet) : undefined);

  const containers = new Map<string, number>();
  const used = new Map<number, number>();
  n.endpoints.forEach((e, k) => {
    const epath = `${path}.Endpoints[${k}]`;
    checkName(e.container, `${epath}.Container`, problems);
    const first = containers.get(e.container);
    if (first !== undefined) {
      problems.push({ path: `${epath}.Container`, reason: `container "${e.container}" appears twice in network "${n.name}" (also ${path}.Endpoints[${first}])` });
    } else containers.set(e.container, k);
    const ip = ips[k];
    if (ip === undefined) return;
    const where = `${epath}.IpAddress`;
    const dup = used.get(ip);
    if (dup !== undefined) {
      problems.push({ path: where, reason: `IpAddress ${e.ipAddress} already used by ${path}.Endpoints[${dup}]` });
      return;
    }
    used.set(ip, k);
    if (!subnet) return;
    const why = placeProblem(ip, subnet);
    if (why) problems.push({ path: where, reason: `IpAddress ${e.ipAddress} ${why}` });
    else if (ip === effectiveGw) {
      problems.push({ path: where, reason: `IpAddress ${e.ipAddress} is the network's gateway${gw === undefined ? ' (the first host address, by default)' : ''}` });
    }
  });
}

/** Why `ip` cannot be a host of `subnet`, or undefined when it can. */
function placeProblem(ip: number, subnet: { base: number; len: number }): string | undefined {
  const c = formatCidr(subnet);
  if (!cidrContains(subnet, ip)) return `is outside the subnet ${c}`;
  if (ip === subnet.base) return `is the network address of ${c}`;
  if (ip === cidrLast(subnet)) return `is the broadcast address of ${c}`;
  return undefined;
}

function impliedSubnet(
  s: TenantSettings,
  facts: NetworkFacts,
  gw: number | undefined,
  ips: (number | undefined)[],
  path: string,
  problems: Problem[],
): void {
  const k = ips.findIndex((v) => v !== undefined);
  const anchor = gw ?? (k >= 0 ? ips[k] : undefined);
  if (anchor === undefined || !s.pool) return;
  const len = s.allocSubnetLen;
  if (len < s.pool.len || len > MAX_SUBNET_LEN) return;
  const [where, key] = gw !== undefined ? [`${path}.DefaultGw`, 'DefaultGw'] : [`${path}.Endpoints[${k}].IpAddress`, 'IpAddress'];
  if (!cidrContains(s.pool, anchor)) {
    problems.push({
      path: where,
      reason: `${key} ${intToIp(anchor)} is outside the tenant's SubnetPool ${formatCidr(s.pool)} (set SubnetCIDR to use addresses outside the pool)`,
    });
    return;
  }
  const size = blockSize(len);
  facts.subnet = { base: anchor - (anchor % size), len };
}
