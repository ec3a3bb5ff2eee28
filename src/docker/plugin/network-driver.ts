/**
 * The NetworkDriver side of the plugin (libnetwork remote.md): a Docker network is bound to
 * an intent network, a Docker endpoint is a runtime attachment keyed by its EndpointID.
 * CreateEndpoint records it (and its address), Join plumbs it into a veth the agent leaves
 * in the host namespace for Docker to move into the sandbox, Leave unplumbs, DeleteEndpoint
 * forgets it. Leave and DeleteEndpoint answer at once and finish in the background: a
 * reconcile round (OVSDB port removal) would otherwise sit in every `docker rm`/`run --rm`.
 */
import { NetpluginError } from '../../common/errors.js';
import type { AttachRequest, AttachmentStatus } from '../../runtime/types.js';
import { handoffPeerName } from '../../runtime/handoff.js';
import { isOurClaimOwner } from './claims.js';
import { readClaim } from '../../runtime/claims.js';
import { requireReady, type Handler, type PluginContext } from './context.js';
import { genericOptions, ipamDataList, optObject, optString, reqId, reqPath, splitAddress, type Body } from './protocol.js';
import { resolveCreateNetwork } from './resolve.js';
import { checkRoutingOptions } from './routing-options.js';
import { endpointGroups } from './endpoint-groups.js';
import { endpointQosOptions, overrideQosOptions, qosOptionsOf, readQosOptions } from './qos-options.js';
import type { NetworkBinding } from './state.js';

/** Labels every Docker attachment carries (shown by the agent's list). */
function labelsOf(networkId: string, endpointId: string): Record<string, string> {
  return { 'docker.network': networkId, 'docker.endpoint': endpointId };
}

/** The NetworkDriver methods, by URL path. */
export function networkDriverHandlers(ctx: PluginContext): Record<string, Handler> {
  const { api, state, log } = ctx;

  const bindingOf = (method: string, networkId: string): NetworkBinding => {
    const b = state.binding(networkId);
    if (!b) {
      throw new NetpluginError('NP_NOT_FOUND', `${method}: Docker network ${networkId.slice(0, 12)} is not bound to an intent network on this host (it was not created through this agent's plugin)`, { method, networkId });
    }
    return b;
  };

  /** The attach request of an endpoint, from its binding and what Docker gave. */
  const attachRequest = async (method: string, b: NetworkBinding, endpointId: string, address: string, mac: string): Promise<AttachRequest> => {
    const req: AttachRequest = {
      source: 'docker',
      key: endpointId,
      // The remote protocol never names the container; the endpoint id stands in (labels keep both ids).
      containerId: endpointId.slice(0, 12),
      tenant: b.tenant,
      network: b.network,
      labels: labelsOf(b.networkId, endpointId),
    };
    if (mac) req.mac = mac;
    if (address) {
      const { ip } = splitAddress(method, 'Interface.Address', address);
      req.ip = ip;
      if (b.ipam === 'netplugin') {
        // RequestAddress claimed it already: the attachment uses that claim.
        const owner = (await readClaim(ctx.store, b.tenant, b.network, ip))?.owner;
        if (isOurClaimOwner(ctx.host, owner)) req.ipClaimedBy = owner;
      }
    }
    return req;
  };

  return {
    '/NetworkDriver.GetCapabilities': async () => ({ Scope: 'local', ConnectivityScope: 'local' }),

    '/NetworkDriver.CreateNetwork': async (body: Body) => {
      const M = 'NetworkDriver.CreateNetwork';
      const networkId = reqId(M, body, 'NetworkID');
      const options = genericOptions(M, body);
      const ipv4 = ipamDataList(M, body, 'IPv4Data');
      if (ipamDataList(M, body, 'IPv6Data').length) {
        throw new NetpluginError('NP_DOCKER_PLUGIN', `${M}: IPv6 is not supported by the netplugin network driver (drop --ipv6)`, { method: M, field: 'IPv6Data' });
      }
      requireReady(api, M);
      const choice = resolveCreateNetwork(options, ipv4, api.networks(), state.allPools());
      checkRoutingOptions(M, options, choice.network);
      const qosOptions = qosOptionsOf(M, options);
      // Checked now, so a bad value fails the network rather than each of its containers.
      readQosOptions(M, qosOptions);
      const binding: NetworkBinding = {
        networkId,
        tenant: choice.network.tenant,
        network: choice.network.name,
        ipam: choice.ipam,
        pool: choice.pool,
        createdAt: new Date().toISOString(),
      };
      if (choice.poolId) binding.poolId = choice.poolId;
      if (Object.keys(qosOptions).length > 0) binding.qosOptions = qosOptions;
      await state.putBinding(binding);
      log.info({ networkId, tenant: binding.tenant, network: binding.network, ipam: binding.ipam, pool: binding.pool }, 'docker network bound');
      return {};
    },

    '/NetworkDriver.DeleteNetwork': async (body: Body) => {
      const M = 'NetworkDriver.DeleteNetwork';
      const networkId = reqId(M, body, 'NetworkID');
      // Docker removes endpoints first; anything left (a lost DeleteEndpoint) goes with the network.
      for (const a of api.list('docker')) {
        if (a.labels['docker.network'] === networkId) await api.detach('docker', a.key);
      }
      await state.deleteBinding(networkId);
      log.info({ networkId }, 'docker network unbound');
      return {};
    },

    '/NetworkDriver.CreateEndpoint': async (body: Body) => {
      const M = 'NetworkDriver.CreateEndpoint';
      const networkId = reqId(M, body, 'NetworkID');
      const endpointId = reqId(M, body, 'EndpointID');
      ctx.touch(endpointId);
      const iface = optObject(M, body, 'Interface');
      const address = optString(M, iface, 'Address');
      const mac = optString(M, iface, 'MacAddress');
      if (optString(M, iface, 'AddressIPv6')) {
        throw new NetpluginError('NP_DOCKER_PLUGIN', `${M}: IPv6 addresses are not supported by the netplugin network driver`, { method: M, field: 'Interface.AddressIPv6' });
      }
      const groups = endpointGroups(M, body);
      const b = bindingOf(M, networkId);
      const qos = readQosOptions(M, overrideQosOptions(b.qosOptions ?? {}, endpointQosOptions(M, body)));
      const req = await attachRequest(M, b, endpointId, address, mac);
      if (groups) req.groups = groups;
      if (qos) req.qos = qos;
      const att = await api.attach(req);
      log.info({ endpointId, networkId, ip: att.ip, mac: att.mac }, 'docker endpoint created');
      // Docker refuses values it already has: answer only what it did not give.
      const out: Record<string, string> = {};
      if (!address) out.Address = `${att.ip}/${att.prefixLen}`;
      if (!mac) out.MacAddress = att.mac;
      return Object.keys(out).length ? { Interface: out } : {};
    },

    '/NetworkDriver.EndpointOperInfo': async (body: Body) => {
      const M = 'NetworkDriver.EndpointOperInfo';
      reqId(M, body, 'NetworkID');
      const a = api.get('docker', reqId(M, body, 'EndpointID'));
      if (!a) return { Value: {} };
      const value: Record<string, string | number> = { tenant: a.tenant, network: a.network, ip: a.ip, mac: a.mac, state: a.state };
      if (a.hostPort) value.hostPort = a.hostPort;
      if (a.error) value.error = a.error;
      return { Value: value };
    },

    '/NetworkDriver.DeleteEndpoint': async (body: Body) => {
      const M = 'NetworkDriver.DeleteEndpoint';
      reqId(M, body, 'NetworkID');
      const endpointId = reqId(M, body, 'EndpointID');
      ctx.touch(endpointId);
      // Docker has already taken the interface out of the sandbox: removing our port and
      // record needs no answer from us (the agent serializes it after the Leave's unplumb).
      ctx.background(endpointId, `delete endpoint ${endpointId.slice(0, 12)}`, async () => {
        const had = await api.detach('docker', endpointId);
        log.info({ endpointId, had }, 'docker endpoint deleted');
      });
      return {};
    },

    '/NetworkDriver.Join': async (body: Body) => {
      const M = 'NetworkDriver.Join';
      const networkId = reqId(M, body, 'NetworkID');
      const endpointId = reqId(M, body, 'EndpointID');
      ctx.touch(endpointId);
      const sandboxKey = reqPath(M, body, 'SandboxKey');
      const b = bindingOf(M, networkId);
      const rec: AttachmentStatus | undefined = api.get('docker', endpointId);
      if (!rec) {
        throw new NetpluginError('NP_NOT_FOUND', `${M}: endpoint ${endpointId.slice(0, 12)} was never created through this agent (CreateEndpoint lost); remove and re-run the container`, { method: M, endpointId });
      }
      const req: AttachRequest = {
        source: 'docker',
        key: endpointId,
        containerId: rec.containerId,
        tenant: b.tenant,
        network: b.network,
        ip: rec.ip,
        mac: rec.mac,
        netns: sandboxKey,
        labels: rec.labels,
      };
      if (rec.claimOwner && !rec.ownsClaim) req.ipClaimedBy = rec.claimOwner;
      // The hand-off veth's name is the agent's own (runtime/handoff.ts), never Docker's input.
      const att = await api.attach(req, { handoff: true });
      const handoffPeer = handoffPeerName(endpointId);
      log.info({ endpointId, sandboxKey, handoffPeer, state: att.state }, 'docker endpoint joined');
      const answer: Record<string, unknown> = {
        InterfaceName: { SrcName: handoffPeer, DstPrefix: 'eth' },
      };
      if (att.gateway) answer.Gateway = att.gateway;
      return answer;
    },

    '/NetworkDriver.Leave': async (body: Body) => {
      const M = 'NetworkDriver.Leave';
      reqId(M, body, 'NetworkID');
      const endpointId = reqId(M, body, 'EndpointID');
      ctx.touch(endpointId);
      // The sandbox is going away; Docker tears its side down while the agent removes the port.
      ctx.background(endpointId, `leave ${endpointId.slice(0, 12)}`, async () => {
        await api.unplumb('docker', endpointId);
        log.info({ endpointId }, 'docker endpoint left');
      });
      return {};
    },

    // Node discovery is for global-scope drivers; ours learns peers from the store.
    '/NetworkDriver.DiscoverNew': async () => ({}),
    '/NetworkDriver.DiscoverDelete': async () => ({}),
    // No port mapping or NAT: containers are reached on their own addresses.
    '/NetworkDriver.ProgramExternalConnectivity': async () => ({}),
    '/NetworkDriver.RevokeExternalConnectivity': async () => ({}),
    // Swarm's network allocation (global scope only): nothing to allocate, no options to add.
    '/NetworkDriver.AllocateNetwork': async (body: Body) => {
      reqId('NetworkDriver.AllocateNetwork', body, 'NetworkID');
      return { Options: {} };
    },
    '/NetworkDriver.FreeNetwork': async (body: Body) => {
      reqId('NetworkDriver.FreeNetwork', body, 'NetworkID');
      return {};
    },
  };
}
