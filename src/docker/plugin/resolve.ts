/**
 * Which intent network a Docker request means: from IPAM options, address space and subnet
 * (RequestPool), or from driver options and the IPAM data (CreateNetwork). Pure: the intent
 * networks and our pool records are passed in.
 */
import { NetpluginError } from '../../common/errors.js';
import { cidrWithin, parseCidr } from '../../alloc/ip.js';
import type { RuntimeNetwork } from '../../runtime/types.js';
import type { IpamData } from './protocol.js';
import type { PoolRecord } from './state.js';

/** Our default (local and global) address space; a tenant name is an address space too. */
export const DEFAULT_ADDRESS_SPACE = 'netplugin';

const POOL_PREFIX = 'netplugin:';

/** The PoolID of an intent network (stable, so identical RequestPool calls get identical ids). */
export function poolIdOf(tenant: string, network: string): string {
  return `${POOL_PREFIX}${encodeURIComponent(tenant)}/${encodeURIComponent(network)}`;
}

/** Tenant and network of a PoolID of ours; NP_DOCKER_PLUGIN for anything else. */
export function parsePoolId(method: string, poolId: string): { tenant: string; network: string } {
  const parts = poolId.startsWith(POOL_PREFIX) ? poolId.slice(POOL_PREFIX.length).split('/') : [];
  if (parts.length === 2 && parts[0] && parts[1]) {
    try {
      return { tenant: decodeURIComponent(parts[0]), network: decodeURIComponent(parts[1]) };
    } catch {
      // fall through to the error below
    }
  }
  throw new NetpluginError('NP_DOCKER_PLUGIN', `${method}: PoolID "${poolId}" was not issued by the netplugin IPAM driver`, { method, field: 'PoolID', poolId });
}

/** Prefix length of a CIDR string (the subnets come from the validated intent). */
export function prefixLenOf(cidr: string): number {
  return Number(cidr.slice(cidr.indexOf('/') + 1));
}

const HINT = 'add `--ipam-opt tenant=T --ipam-opt network=N` to `docker network create` (driver `-o` options do not reach the IPAM driver)';

function known(networks: RuntimeNetwork[]): string {
  const ids = networks.map((n) => n.id).sort();
  return ids.length ? ids.slice(0, 20).join(', ') + (ids.length > 20 ? ', ...' : '') : 'none: no intent applied yet';
}

/** The intent network `tenant/network`, or NP_NOT_FOUND naming what exists. */
export function findNetwork(networks: RuntimeNetwork[], tenant: string, network: string): RuntimeNetwork {
  const n = networks.find((x) => x.tenant === tenant && x.name === network);
  if (n) return n;
  const tenantKnown = networks.some((x) => x.tenant === tenant);
  const msg = tenantKnown
    ? `tenant "${tenant}" has no network "${network}" (its networks: ${networks.filter((x) => x.tenant === tenant).map((x) => x.name).sort().join(', ')})`
    : `unknown tenant "${tenant}" (intent networks: ${known(networks)})`;
  throw new NetpluginError('NP_NOT_FOUND', msg, { tenant, network });
}

/** What RequestPool carries. */
export interface PoolRequest {
  addressSpace: string;
  pool: string;
  subPool: string;
  options: Record<string, string>;
  v6: boolean;
}

/**
 * The intent network a RequestPool means: `--ipam-opt tenant=/network=` first; else the
 * address space as tenant (when it is not our default) plus `--subnet`; else a `--subnet`
 * equal to exactly one intent network's subnet. A given `--subnet` must equal the network's.
 */
export function resolvePool(req: PoolRequest, networks: RuntimeNetwork[]): RuntimeNetwork {
  const M = 'IpamDriver.RequestPool';
  if (req.v6) throw new NetpluginError('NP_DOCKER_PLUGIN', `${M}: IPv6 pools are not supported by the netplugin IPAM driver`, { method: M, field: 'V6' });
  if (req.pool && req.pool.includes(':')) throw new NetpluginError('NP_DOCKER_PLUGIN', `${M}: IPv6 pool ${req.pool} is not supported by the netplugin IPAM driver`, { method: M, field: 'Pool' });
  if (req.subPool) {
    throw new NetpluginError('NP_DOCKER_PLUGIN', `${M}: --ip-range (SubPool ${req.subPool}) is not supported by the netplugin IPAM driver: addresses come from the whole intent network; use --ip for fixed addresses`, { method: M, field: 'SubPool' });
  }
  const optTenant = req.options.tenant ?? '';
  const optNetwork = req.options.network ?? '';
  const spaceTenant = req.addressSpace && req.addressSpace !== DEFAULT_ADDRESS_SPACE && !/^(Local|Global)Default$/.test(req.addressSpace) ? req.addressSpace : '';
  const tenant = optTenant || spaceTenant;
  if (optTenant && spaceTenant && optTenant !== spaceTenant) {
    throw new NetpluginError('NP_DOCKER_PLUGIN', `${M}: address space "${spaceTenant}" and --ipam-opt tenant=${optTenant} disagree`, { method: M, field: 'Options.tenant' });
  }
  let found: RuntimeNetwork;
  if (optNetwork) {
    if (!tenant) throw new NetpluginError('NP_DOCKER_PLUGIN', `${M}: --ipam-opt network=${optNetwork} needs --ipam-opt tenant=T too`, { method: M, field: 'Options.tenant' });
    found = findNetwork(networks, tenant, optNetwork);
  } else if (req.pool) {
    const candidates = networks.filter((n) => n.subnet === req.pool && (!tenant || n.tenant === tenant));
    if (candidates.length === 0) {
      const where = tenant ? `in tenant "${tenant}"` : 'in the intent';
      throw new NetpluginError('NP_NOT_FOUND', `${M}: no network ${where} has subnet ${req.pool}; ${HINT}`, { method: M, pool: req.pool, tenant });
    }
    if (candidates.length > 1) {
      throw new NetpluginError('NP_DOCKER_PLUGIN', `${M}: subnet ${req.pool} belongs to several intent networks (${candidates.map((c) => c.id).join(', ')}); ${HINT}`, { method: M, field: 'Options', pool: req.pool });
    }
    found = candidates[0];
  } else if (tenant) {
    throw new NetpluginError('NP_DOCKER_PLUGIN', `${M}: tenant "${tenant}" given but no network: add --ipam-opt network=N (or --subnet of one of its networks)`, { method: M, field: 'Options.network' });
  } else {
    throw new NetpluginError('NP_DOCKER_PLUGIN', `${M}: the netplugin IPAM driver cannot tell which intent network this Docker network is for; ${HINT}`, { method: M, field: 'Options' });
  }
  if (req.pool && req.pool !== found.subnet) {
    throw new NetpluginError('NP_INVALID_ARGUMENT', `${M}: --subnet ${req.pool} is not the subnet of intent network ${found.id} (${found.subnet}); leave --subnet out or give ${found.subnet}`, { method: M, field: 'Pool', pool: req.pool, subnet: found.subnet });
  }
  return found;
}

/** What CreateNetwork decided. */
export interface NetworkChoice {
  network: RuntimeNetwork;
  ipam: 'netplugin' | 'docker';
  poolId?: string;
  pool: string;
}

/**
 * The intent network a CreateNetwork binds to. With our IPAM, the pool Docker holds is one
 * of ours and names the network (so `-o` is optional, and must agree when given); with any
 * other IPAM, `-o tenant= -o network=` is required and the pool must lie inside the subnet.
 */
export function resolveCreateNetwork(
  options: Record<string, string>,
  ipv4: IpamData[],
  networks: RuntimeNetwork[],
  pools: PoolRecord[],
): NetworkChoice {
  const M = 'NetworkDriver.CreateNetwork';
  const tenant = options.tenant ?? '';
  const network = options.network ?? '';
  if (Boolean(tenant) !== Boolean(network)) {
    const missing = tenant ? 'network' : 'tenant';
    throw new NetpluginError('NP_DOCKER_PLUGIN', `${M}: -o ${tenant ? `tenant=${tenant}` : `network=${network}`} needs -o ${missing}=... too`, { method: M, field: `Options.${missing}` });
  }
  if (ipv4.length !== 1) {
    throw new NetpluginError('NP_DOCKER_PLUGIN', `${M}: exactly one IPv4 subnet per network is supported (got ${ipv4.length})`, { method: M, field: 'IPv4Data' });
  }
  const data = ipv4[0];
  const ours = pools.filter((p) => p.pool === data.pool && p.refs > 0);
  if (tenant) {
    const n = findNetwork(networks, tenant, network);
    const mine = ours.find((p) => p.tenant === tenant && p.network === network);
    if (mine) return { network: n, ipam: 'netplugin', poolId: mine.poolId, pool: data.pool };
    const spaceIsOurs = data.addressSpace === DEFAULT_ADDRESS_SPACE || networks.some((x) => x.tenant === data.addressSpace);
    if (ours.length && spaceIsOurs) {
      throw new NetpluginError('NP_DOCKER_PLUGIN', `${M}: -o tenant=${tenant} -o network=${network} disagrees with the IPAM pool, which is intent network ${ours.map((p) => `${p.tenant}/${p.network}`).join(' or ')}`, { method: M, field: 'Options' });
    }
    const pool = parseCidr(data.pool);
    const subnet = parseCidr(n.subnet);
    if (!pool.ok || !subnet.ok || !cidrWithin(subnet.cidr, pool.cidr)) {
      throw new NetpluginError('NP_INVALID_ARGUMENT', `${M}: the Docker IPAM pool ${data.pool} does not fit intent network ${n.id} (subnet ${n.subnet}): create the network with --subnet ${n.subnet}, or use --ipam-driver netplugin`, { method: M, field: 'IPv4Data.Pool', pool: data.pool, subnet: n.subnet });
    }
    return { network: n, ipam: 'docker', pool: data.pool };
  }
  if (ours.length === 1) {
    const p = ours[0];
    return { network: findNetwork(networks, p.tenant, p.network), ipam: 'netplugin', poolId: p.poolId, pool: data.pool };
  }
  if (ours.length > 1) {
    throw new NetpluginError('NP_DOCKER_PLUGIN', `${M}: pool ${data.pool} is held for several intent networks (${ours.map((p) => `${p.tenant}/${p.network}`).join(', ')}): add -o tenant=T -o network=N`, { method: M, field: 'Options' });
  }
  throw new NetpluginError('NP_DOCKER_PLUGIN', `${M}: which intent network? add -o tenant=T -o network=N (with --ipam-driver netplugin: --ipam-opt tenant=T --ipam-opt network=N)`, { method: M, field: 'Options.tenant' });
}
