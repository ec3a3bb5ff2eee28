/**
 * The host gateway's names and addresses (docs/datapath.md, "Host gateway"), all derived from the
 * bridge name and the gateway cidr (`--gateway-cidr`), so a restarted agent finds what it made.
 */
import { createHash } from 'node:crypto';
import { NetpluginError } from '../common/errors.js';
import { IFNAME_MAX_BYTES } from '../common/ifname.js';
import { formatCidr, intToIp, isHostAddress, parseCidr, type Cidr } from '../alloc/ip.js';
import { macFromIp } from '../alloc/mac.js';
import { ROUTE_ID_MAX, ROUTE_ID_MIN } from '../intent/routing.js';

/** Fixed ofport of the host gateway port on the integration bridge (the fabric ports use 65000 and 65001). */
export const HOST_GATEWAY_OFPORT = 65002;
/** Default of `--gateway-cidr`: a link-local block, so it clashes with no routed address plan. */
export const DEFAULT_GATEWAY_CIDR = '169.254.64.0/20';
/** Longest gateway cidr prefix: the host, the router and one transit address per route id need a /20. */
export const MAX_GATEWAY_PREFIX = 20;
/** Transit addresses start this far into the gateway cidr (below: the host, the router, spare). */
export const TRANSIT_OFFSET = 16;
/**
 * rtm_protocol of the kernel routes the agent installs (`ip route show proto 158`), so it finds and
 * deletes only its own. Unused by linux/rtnetlink.h (RTPROT_*), by iproute2's rt_protos and by
 * Calico (80).
 */
export const RTPROT_NETPLUGIN = 158;

/** The host gateway of one bridge: its port and the addresses on both sides of it. */
export interface HostGatewayAddrs {
  /** The integration bridge. */
  bridge: string;
  /** OVS internal port (and kernel netdev) `<bridge>-gw`, shortened to fit IFNAMSIZ. */
  portName: string;
  ofport: number;
  /** The gateway cidr, `a.b.c.d/len`. */
  cidr: string;
  /** The host's address on the port (first address of the cidr). */
  hostIp: string;
  /** hostIp with the cidr's prefix length, as put on the port. */
  hostCidr: string;
  /** The port's MAC: the endpoint MAC formula of hostIp. */
  hostMac: string;
  /** The address the OVS side answers ARP for; kernel routes go via it. */
  routerIp: string;
  routerMac: string;
  /** A tenant's transit (SNAT) address: cidr base + 16 + routeId; throws for an id out of range. */
  transitIp(routeId: number): string;
}

/**
 * Name of the gateway port: `<bridge>-gw`, or when that exceeds IFNAMSIZ - 1 bytes, the bridge
 * name cut short plus a hash of the whole name (so two long bridge names still differ) and `-gw`.
 */
export function hostGatewayPortName(bridge: string): string {
  const name = `${bridge}-gw`;
  if (Buffer.byteLength(name) <= IFNAME_MAX_BYTES) return name;
  const hash = createHash('sha256').update(bridge).digest('hex').slice(0, 4);
  return `${bridge.slice(0, IFNAME_MAX_BYTES - 3 - hash.length)}${hash}-gw`;
}

/** Why `cidr` cannot be the gateway cidr (`--gateway-cidr`), or undefined when it can. */
export function gatewayCidrProblem(cidr: string): string | undefined {
  const parsed = parseCidr(cidr);
  if (!parsed.ok) return parsed.reason;
  if (parsed.cidr.len > MAX_GATEWAY_PREFIX) return `"${cidr}" is smaller than a /${MAX_GATEWAY_PREFIX} (the transit addresses of ${ROUTE_ID_MAX} route ids need one)`;
  return undefined;
}

/** The gateway of `bridge` with addresses taken from `cidr`; NP_INVALID_ARGUMENT for a cidr that is no /20-or-larger IPv4 block. */
export function hostGatewayAddrs(bridge: string, cidr = DEFAULT_GATEWAY_CIDR): HostGatewayAddrs {
  const problem = gatewayCidrProblem(cidr);
  if (problem) throw new NetpluginError('NP_INVALID_ARGUMENT', `gateway cidr: ${problem}`, { field: 'gatewayCidr', value: cidr });
  const block = (parseCidr(cidr) as { ok: true; cidr: Cidr }).cidr;
  const hostInt = block.base + 1;
  const routerInt = block.base + 2;
  return {
    bridge,
    portName: hostGatewayPortName(bridge),
    ofport: HOST_GATEWAY_OFPORT,
    cidr: formatCidr(block),
    hostIp: intToIp(hostInt),
    hostCidr: `${intToIp(hostInt)}/${block.len}`,
    hostMac: macFromIp(hostInt),
    routerIp: intToIp(routerInt),
    routerMac: macFromIp(routerInt),
    transitIp(routeId: number): string {
      if (!Number.isInteger(routeId) || routeId < ROUTE_ID_MIN || routeId > ROUTE_ID_MAX) {
        throw new NetpluginError('NP_INVALID_ARGUMENT', `route id ${routeId} is outside ${ROUTE_ID_MIN}..${ROUTE_ID_MAX}`, { field: 'routeId', value: routeId });
      }
      const ip = block.base + TRANSIT_OFFSET + routeId;
      // In a /20 the last ids land on the broadcast address and past the block.
      if (!isHostAddress(block, ip)) {
        throw new NetpluginError('NP_INVALID_ARGUMENT', `route id ${routeId} has no transit address in gateway cidr ${formatCidr(block)} (${intToIp(ip)} is not a host address of it)`, {
          field: 'routeId',
          value: routeId,
        });
      }
      return intToIp(ip);
    },
  };
}
