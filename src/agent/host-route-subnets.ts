/**
 * Which local networks the host can reach through the gateway port (docs/datapath.md, "Host
 * gateway"): a kernel route `SUBNET via <router> dev <port>` is only unambiguous when nothing else
 * on the host claims any of SUBNET's addresses. Pure.
 */
import { cidrOverlap, formatCidr, parseCidr, type Cidr } from '../alloc/ip.js';
import type { AddrInfo, RouteInfo } from '../datapath/kernel/index.js';
import { RTPROT_NETPLUGIN } from './host-gateway-addrs.js';

/** A local network: an id for the report, and its subnet. */
export interface LocalSubnet {
  id: string;
  subnet: string;
}

/** A local network that gets no host route, and why. */
export interface SkippedSubnet extends LocalSubnet {
  reason: string;
}

/** The subnets to route to the gateway port, and the networks left out. */
export interface HostRoutePlan {
  routed: string[];
  skipped: SkippedSubnet[];
}

/** An IPv4 cidr, or undefined (IPv6, 'default', malformed). An address's cidr is widened to its network. */
function v4(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0 || text.includes(':')) return undefined;
  const p = parseCidr(text);
  if (p.ok) return p.cidr;
  // An interface address has host bits set: its network is what it claims.
  const host = parseCidr(`${text.slice(0, slash)}/32`);
  const len = Number(text.slice(slash + 1));
  if (!host.ok || !Number.isInteger(len) || len < 0 || len > 32) return undefined;
  const size = 2 ** (32 - len);
  return { base: host.cidr.base - (host.cidr.base % size), len };
}

/**
 * The subnets of `networks` that overlap no other local network, no address on a host interface,
 * no host route other than ours (protocol RTPROT_NETPLUGIN, on `gatewayPort` when given), and not
 * the gateway cidr. The default route overlaps everything and is not counted.
 */
export function hostRouteSubnets(networks: readonly LocalSubnet[], hostAddrs: readonly AddrInfo[], hostRoutes: readonly RouteInfo[], gatewayCidr: string, gatewayPort?: string): HostRoutePlan {
  const gateway = v4(gatewayCidr);
  const nets = networks.map((n) => ({ ...n, cidr: parseCidr(n.subnet) }));
  const addrs = hostAddrs.filter((a) => a.family === 4).map((a) => ({ a, cidr: v4(a.cidr) }));
  const ours = (r: RouteInfo) => r.protocol === RTPROT_NETPLUGIN && (gatewayPort === undefined || r.dev === gatewayPort);
  const routes = hostRoutes.filter((r) => r.dst !== 'default' && !ours(r)).map((r) => ({ r, cidr: v4(r.dst) }));

  const routed = new Set<string>();
  const skipped: SkippedSubnet[] = [];
  for (const n of nets) {
    const skip = (reason: string) => skipped.push({ id: n.id, subnet: n.subnet, reason });
    if (!n.cidr.ok) {
      skip(`not an IPv4 subnet: ${n.cidr.reason}`);
      continue;
    }
    const c = n.cidr.cidr;
    if (gateway && cidrOverlap(c, gateway)) {
      skip(`overlaps the gateway cidr ${formatCidr(gateway)}`);
      continue;
    }
    const other = nets.find((m) => m !== n && m.cidr.ok && cidrOverlap(c, m.cidr.cidr));
    if (other) {
      skip(`overlaps network ${other.id} (${other.subnet})`);
      continue;
    }
    const addr = addrs.find((x) => x.cidr && cidrOverlap(c, x.cidr));
    if (addr) {
      skip(`overlaps host address ${addr.a.cidr} on ${addr.a.name}`);
      continue;
    }
    const route = routes.find((x) => x.cidr && x.cidr.len > 0 && cidrOverlap(c, x.cidr));
    if (route) {
      skip(`overlaps host route ${route.r.dst}${route.r.dev ? ` dev ${route.r.dev}` : ''}`);
      continue;
    }
    routed.add(formatCidr(c));
  }
  return { routed: [...routed], skipped };
}
