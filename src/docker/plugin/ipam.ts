/**
 * The IpamDriver side of the plugin (libnetwork ipam.md): pools are intent networks,
 * addresses are claims in the store made through the RuntimeApi, so Docker containers,
 * intent endpoints and CNI pods never get the same address.
 */
import { NetpluginError } from '../../common/errors.js';
import { isOurClaimOwner, newClaimOwner } from './claims.js';
import { readClaim } from '../../runtime/claims.js';
import { requireReady, type Handler, type PluginContext } from './context.js';
import { GATEWAY_REQUEST, optString, optStringMap, reqString, type Body } from './protocol.js';
import { DEFAULT_ADDRESS_SPACE, findNetwork, parsePoolId, poolIdOf, prefixLenOf, resolvePool } from './resolve.js';

/** The IpamDriver methods, by URL path. */
export function ipamHandlers(ctx: PluginContext): Record<string, Handler> {
  const { api, state, log } = ctx;

  const networkOfPool = (method: string, poolId: string) => {
    const { tenant, network } = parsePoolId(method, poolId);
    requireReady(api, method);
    return findNetwork(api.networks(), tenant, network);
  };

  return {
    '/IpamDriver.GetCapabilities': async () => ({ RequiresMACAddress: false }),

    '/IpamDriver.GetDefaultAddressSpaces': async () => ({
      LocalDefaultAddressSpace: DEFAULT_ADDRESS_SPACE,
      GlobalDefaultAddressSpace: DEFAULT_ADDRESS_SPACE,
    }),

    '/IpamDriver.RequestPool': async (b: Body) => {
      const M = 'IpamDriver.RequestPool';
      const req = {
        addressSpace: optString(M, b, 'AddressSpace'),
        pool: optString(M, b, 'Pool'),
        subPool: optString(M, b, 'SubPool'),
        options: optStringMap(M, b, 'Options'),
        v6: b.V6 === true,
      };
      requireReady(api, M);
      const n = resolvePool(req, api.networks());
      const poolId = poolIdOf(n.tenant, n.name);
      const rec = await state.acquirePool({ poolId, tenant: n.tenant, network: n.name, pool: n.subnet });
      log.info({ poolId, refs: rec.refs, subnet: n.subnet }, 'docker ipam: pool requested');
      return { PoolID: poolId, Pool: n.subnet, Data: { tenant: n.tenant, network: n.name } };
    },

    '/IpamDriver.ReleasePool': async (b: Body) => {
      const M = 'IpamDriver.ReleasePool';
      const poolId = reqString(M, b, 'PoolID');
      parsePoolId(M, poolId);
      const rec = await state.releasePool(poolId);
      log.info({ poolId, refs: rec?.refs ?? 0 }, 'docker ipam: pool released');
      return {};
    },

    '/IpamDriver.RequestAddress': async (b: Body) => {
      const M = 'IpamDriver.RequestAddress';
      const poolId = reqString(M, b, 'PoolID');
      const wanted = optString(M, b, 'Address');
      const opts = optStringMap(M, b, 'Options');
      const n = networkOfPool(M, poolId);
      const len = prefixLenOf(n.subnet);
      if (opts.RequestAddressType === GATEWAY_REQUEST) {
        // The gateway is the intent network's; it is not a container address, so no claim.
        if (wanted && wanted !== n.gateway) {
          throw new NetpluginError('NP_INVALID_ARGUMENT', `${M}: --gateway ${wanted} is not the gateway of intent network ${n.id} (${n.gateway}); leave --gateway out or give ${n.gateway}`, { method: M, field: 'Address' });
        }
        return { Address: `${n.gateway}/${len}`, Data: {} };
      }
      const owner = newClaimOwner(ctx.host);
      const got = await api.claimAddress(n.tenant, n.name, owner, wanted || undefined);
      log.info({ poolId, ip: got.ip, owner }, 'docker ipam: address claimed');
      return { Address: `${got.ip}/${got.prefixLen}`, Data: {} };
    },

    '/IpamDriver.ReleaseAddress': async (b: Body) => {
      const M = 'IpamDriver.ReleaseAddress';
      const poolId = reqString(M, b, 'PoolID');
      const ip = reqString(M, b, 'Address').replace(/\/\d+$/, '');
      const { tenant, network } = parsePoolId(M, poolId);
      const n = api.networks().find((x) => x.tenant === tenant && x.name === network);
      if (n && ip === n.gateway) return {};
      const owner = (await readClaim(ctx.store, tenant, network, ip))?.owner;
      if (!isOurClaimOwner(ctx.host, owner)) {
        // Already released, or the address belongs to someone else (intent, CNI): nothing of ours to free.
        log.debug({ poolId, ip, owner }, 'docker ipam: release of an address we do not hold');
        return {};
      }
      try {
        await api.releaseAddress(tenant, network, owner, ip);
      } catch (err) {
        // The intent network is gone: its claims went with it, there is nothing left to free.
        if (!(err instanceof NetpluginError && err.code === 'NP_NOT_FOUND')) throw err;
      }
      log.info({ poolId, ip, owner }, 'docker ipam: address released');
      return {};
    },
  };
}
