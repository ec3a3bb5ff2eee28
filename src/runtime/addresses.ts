/**
 * Address choice for runtime attachments and Docker IPAM: which host addresses of a
 * network are taken (intent endpoints, claims, the gateway) and which one to hand out.
 * Pure functions; the store transaction that makes a choice stick lives in claims.ts.
 */
import { NetpluginError } from '../common/errors.js';
import { cidrContains, formatCidr, hostRange, intToIp, ipToInt, isHostAddress, parseCidr, type Cidr } from '../alloc/ip.js';

/** The subnet of a network, parsed (throws on a corrupt stored value). */
export function networkCidr(subnet: string): Cidr {
  const p = parseCidr(subnet);
  if (!p.ok) throw new NetpluginError('NP_INVALID_ARGUMENT', `stored subnet ${subnet} is not a CIDR: ${p.reason}`);
  return p.cidr;
}

/**
 * Checks that `ip` may be requested in the network: a host address of the subnet that is
 * not the gateway. `field` names the request field in the error.
 */
export function checkRequestedAddress(ip: string, subnet: string, gateway: string, field: string): void {
  const v = ipToInt(ip);
  if (v === undefined) throw new NetpluginError('NP_INVALID_ARGUMENT', `${field}: "${ip}" is not an IPv4 address`, { field });
  const c = networkCidr(subnet);
  if (!cidrContains(c, v) || !isHostAddress(c, v)) {
    throw new NetpluginError('NP_ADDRESS_OUT_OF_RANGE', `${field}: ${ip} is not a host address of ${formatCidr(c)}`, { field });
  }
  if (ip === gateway) throw new NetpluginError('NP_ADDRESS_OUT_OF_RANGE', `${field}: ${ip} is the gateway of ${formatCidr(c)}`, { field });
}

/** True when `ip` lies in `subnet` (addresses from an outside IPAM may not). */
export function inSubnet(ip: string, subnet: string): boolean {
  const v = ipToInt(ip);
  return v !== undefined && cidrContains(networkCidr(subnet), v);
}

/** The lowest host address of `subnet` (alloc/ip.ts hostRange) that is not the gateway and not in `taken`, or undefined. */
export function lowestFreeAddress(subnet: string, gateway: string, taken: ReadonlySet<string>): string | undefined {
  const r = hostRange(networkCidr(subnet));
  if (!r) return undefined;
  for (let v = r.first; v <= r.last; v++) {
    const ip = intToIp(v);
    if (ip !== gateway && !taken.has(ip)) return ip;
  }
  return undefined;
}
