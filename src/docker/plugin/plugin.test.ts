/**
 * The plugin over its real unix socket (HTTP without Content-Type, as Docker sends), with
 * an embedded store and a fake RuntimeApi: the call sequences dockerd 20.10 was seen to
 * send for network create, run, connect, rm and network rm.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { EmbeddedStore } from '../../state/embedded.js';
import { KEYS } from '../../state/keys.js';
import type { RuntimeNetwork } from '../../runtime/types.js';
import { FakeRuntime } from '../../../test/helpers/fake-runtime.js';
import { DOCKER_KEYS } from './keys.js';
import { startDockerPlugin, type DockerPlugin } from './index.js';
import { poolIdOf } from './resolve.js';

const NETS: RuntimeNetwork[] = [
  { id: 'blue/web', tenant: 'blue', name: 'web', subnet: '10.1.0.0/29', gateway: '10.1.0.1', mtu: 1450, pktTagType: 'vxlan', pktTag: 5001 },
  { id: 'blue/db', tenant: 'blue', name: 'db', subnet: '10.2.0.0/24', gateway: '10.2.0.1', mtu: 1500, pktTagType: 'vlan', pktTag: 12 },
];
const NET1 = 'a'.repeat(64);
const NET2 = 'b'.repeat(64);
const EP1 = '1'.repeat(64);
const EP2 = '2'.repeat(64);

let dir: string;
let store: EmbeddedStore;
let api: FakeRuntime;
let plugin: DockerPlugin | undefined;
let sock: string;

interface Answer { status: number; type: string; body: Record<string, unknown> }

/** POSTs like Docker's plugin client: a JSON body and no Content-Type header. */
function call(path: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? '' : JSON.stringify(body);
    const req = request({ socketPath: sock, method: 'POST', path, agent: false, headers: { 'Content-Length': Buffer.byteLength(data), Accept: 'application/vnd.docker.plugins.v1.2+json' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function ok(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const a = await call(path, body);
  expect(a.body.Err, `${path}: ${String(a.body.Err)}`).toBeUndefined();
  expect(a.status).toBe(200);
  return a.body;
}

async function start(): Promise<void> {
  plugin = await startDockerPlugin({ socketPath: sock, api, log: pino({ level: 'silent' }), store, host: 'host1' });
}

/** The calls `docker network create -d np --ipam-driver np --ipam-opt tenant=T --ipam-opt network=N` makes. */
async function createOurs(id: string, tenant: string, network: string, extraOpts: Record<string, string> = {}): Promise<string> {
  const pool = await ok('/IpamDriver.RequestPool', { AddressSpace: 'netplugin', Pool: '', SubPool: '', Options: { tenant, network }, V6: false });
  const gw = await ok('/IpamDriver.RequestAddress', { PoolID: pool.PoolID, Address: '', Options: { RequestAddressType: 'com.docker.network.gateway' } });
  await ok('/NetworkDriver.CreateNetwork', {
    NetworkID: id,
    Options: { 'com.docker.network.enable_ipv6': false, 'com.docker.network.generic': extraOpts },
    IPv4Data: [{ AddressSpace: 'netplugin', Gateway: gw.Address, Pool: pool.Pool }],
    IPv6Data: [],
  });
  return pool.PoolID as string;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'np-dplug-'));
  sock = join(dir, 'plugins', 'nptest.sock');
  store = EmbeddedStore.open(join(dir, 'store'));
  api = new FakeRuntime(NETS, { store });
  await start();
});

afterEach(async () => {
  await plugin?.close();
  plugin = undefined;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Docker plugin socket', () => {
  it('is mode 0660 and answers the handshake in the plugin content type', async () => {
    expect(statSync(sock).mode & 0o777).toBe(0o660);
    expect(plugin!.driver).toBe('nptest');
    const a = await call('/Plugin.Activate');
    expect(a.type).toBe('application/vnd.docker.plugins.v1.2+json');
    expect(a.body).toEqual({ Implements: ['NetworkDriver', 'IpamDriver'] });
    expect(await ok('/NetworkDriver.GetCapabilities')).toEqual({ Scope: 'local', ConnectivityScope: 'local' });
    expect(await ok('/IpamDriver.GetCapabilities')).toEqual({ RequiresMACAddress: false });
    expect(await ok('/IpamDriver.GetDefaultAddressSpaces')).toEqual({ LocalDefaultAddressSpace: 'netplugin', GlobalDefaultAddressSpace: 'netplugin' });
  });

  it('answers 404 for unknown methods, 400 for malformed requests, {} for the optional calls', async () => {
    expect((await call('/NetworkDriver.Nope', {})).status).toBe(404);
    const bad = await call('/NetworkDriver.Join', { NetworkID: NET1 });
    expect(bad.status).toBe(400);
    expect(bad.body.Err).toBe('NetworkDriver.Join: EndpointID is required (a non-empty string) [NP_DOCKER_PLUGIN]');
    for (const m of ['DiscoverNew', 'DiscoverDelete', 'ProgramExternalConnectivity', 'RevokeExternalConnectivity', 'FreeNetwork']) {
      expect(await ok(`/NetworkDriver.${m}`, { NetworkID: NET1, EndpointID: EP1, DiscoveryType: 1, DiscoveryData: {} })).toEqual({});
    }
    expect(await ok('/NetworkDriver.AllocateNetwork', { NetworkID: NET1, Options: {}, IPv4Data: [] })).toEqual({ Options: {} });
  });

  it('refuses to take over a socket another process serves, replaces a stale one', async () => {
    await expect(startDockerPlugin({ socketPath: sock, api, log: pino({ level: 'silent' }), store, host: 'host1' })).rejects.toThrow(/is served by another process/);
  });
});

describe('with the netplugin IPAM driver', () => {
  it('runs a container through create, join, leave, delete; nothing is left after network rm', async () => {
    const poolId = await createOurs(NET1, 'blue', 'web', { tenant: 'blue', network: 'web' });
    expect(poolId).toBe(poolIdOf('blue', 'web'));
    expect(JSON.parse((await store.get(DOCKER_KEYS.network('host1', NET1)))!.value)).toMatchObject({ tenant: 'blue', network: 'web', ipam: 'netplugin', pool: '10.1.0.0/29', poolId });

    // docker run --network
    const addr = await ok('/IpamDriver.RequestAddress', { PoolID: poolId, Address: '', Options: null });
    expect(addr.Address).toBe('10.1.0.2/29');
    const created = await ok('/NetworkDriver.CreateEndpoint', { NetworkID: NET1, EndpointID: EP1, Interface: { Address: '10.1.0.2/29', AddressIPv6: '', MacAddress: '' }, Options: {} });
    // Docker gave the address but no MAC: we answer the MAC only.
    expect(created).toEqual({ Interface: { MacAddress: '02:02:0a:01:00:02' } });
    const rec = api.get('docker', EP1)!;
    expect(rec).toMatchObject({ state: 'recorded', ip: '10.1.0.2', ownsClaim: false, labels: { 'docker.network': NET1, 'docker.endpoint': EP1 } });
    expect(rec.claimOwner).toMatch(/^docker-ipam\/host1\/\d+-[0-9a-f]+$/);
    const joined = await ok('/NetworkDriver.Join', { NetworkID: NET1, EndpointID: EP1, SandboxKey: '/var/run/docker/netns/abc', Options: {} });
    expect(joined).toEqual({ InterfaceName: { SrcName: 'npd111111111111', DstPrefix: 'eth' }, Gateway: '10.1.0.1' });
    expect(api.get('docker', EP1)).toMatchObject({ state: 'attached', netns: '/var/run/docker/netns/abc', handoffPeer: 'npd111111111111' });
    const info = await ok('/NetworkDriver.EndpointOperInfo', { NetworkID: NET1, EndpointID: EP1 });
    expect(info.Value).toMatchObject({ tenant: 'blue', network: 'web', ip: '10.1.0.2', state: 'attached' });

    // docker rm -f
    await ok('/NetworkDriver.RevokeExternalConnectivity', { NetworkID: NET1, EndpointID: EP1 });
    await ok('/NetworkDriver.Leave', { NetworkID: NET1, EndpointID: EP1 });
    await plugin!.settled();
    expect(api.get('docker', EP1)?.state).toBe('recorded');
    await ok('/NetworkDriver.DeleteEndpoint', { NetworkID: NET1, EndpointID: EP1 });
    await plugin!.settled();
    expect(api.get('docker', EP1)).toBeUndefined();
    expect(await store.get(KEYS.operClaim('blue', 'web', '10.1.0.2'))).toBeDefined(); // IPAM still holds it...
    await ok('/IpamDriver.ReleaseAddress', { PoolID: poolId, Address: '10.1.0.2' });
    expect(await store.get(KEYS.operClaim('blue', 'web', '10.1.0.2'))).toBeUndefined(); // ...until ReleaseAddress.

    // docker network rm
    await ok('/NetworkDriver.DeleteNetwork', { NetworkID: NET1 });
    await ok('/IpamDriver.ReleaseAddress', { PoolID: poolId, Address: '10.1.0.1' });
    await ok('/IpamDriver.ReleasePool', { PoolID: poolId });
    expect((await store.list(DOCKER_KEYS.hostPrefix('host1'))).items).toEqual([]);
    expect((await store.list(KEYS.operClaimsPrefix)).items).toEqual([]);
  });

  it('honours --ip, refuses a taken one with our message and code, and an out-of-range one', async () => {
    const poolId = await createOurs(NET1, 'blue', 'web');
    expect((await ok('/IpamDriver.RequestAddress', { PoolID: poolId, Address: '10.1.0.5', Options: null })).Address).toBe('10.1.0.5/29');
    const again = await call('/IpamDriver.RequestAddress', { PoolID: poolId, Address: '10.1.0.5', Options: null });
    expect(again.status).toBe(200);
    expect(again.body.Err).toBe('10.1.0.5 is already in use in blue/web [NP_ADDRESS_IN_USE]');
    const out = await call('/IpamDriver.RequestAddress', { PoolID: poolId, Address: '10.3.0.5', Options: null });
    expect(out.body.Err).toMatch(/not a host address.*\[NP_ADDRESS_OUT_OF_RANGE\]$/);
  });

  it('reports an exhausted pool', async () => {
    const poolId = await createOurs(NET1, 'blue', 'web');
    // 10.1.0.0/29: hosts .1-.6, .1 is the gateway.
    for (let i = 2; i <= 6; i++) expect((await ok('/IpamDriver.RequestAddress', { PoolID: poolId, Address: '', Options: null })).Address).toBe(`10.1.0.${i}/29`);
    const full = await call('/IpamDriver.RequestAddress', { PoolID: poolId, Address: '', Options: null });
    expect(full.body.Err).toBe('network blue/web has no free address left [NP_POOL_EXHAUSTED]');
  });

  it('answers the intent gateway and refuses another --gateway', async () => {
    const pool = await ok('/IpamDriver.RequestPool', { AddressSpace: 'netplugin', Pool: '10.2.0.0/24', Options: { tenant: 'blue', network: 'db' } });
    expect(pool).toEqual({ PoolID: poolIdOf('blue', 'db'), Pool: '10.2.0.0/24', Data: { tenant: 'blue', network: 'db' } });
    expect((await ok('/IpamDriver.RequestAddress', { PoolID: pool.PoolID, Address: '10.2.0.1', Options: { RequestAddressType: 'com.docker.network.gateway' } })).Address).toBe('10.2.0.1/24');
    const other = await call('/IpamDriver.RequestAddress', { PoolID: pool.PoolID, Address: '10.2.0.254', Options: { RequestAddressType: 'com.docker.network.gateway' } });
    expect(other.body.Err).toMatch(/--gateway 10.2.0.254 is not the gateway of intent network blue\/db \(10.2.0.1\)/);
  });

  it('counts pool references across identical requests and across a restart', async () => {
    const o = { AddressSpace: 'netplugin', Options: { tenant: 'blue', network: 'db' } };
    const a = await ok('/IpamDriver.RequestPool', o);
    const b = await ok('/IpamDriver.RequestPool', o);
    expect(a).toEqual(b);
    const key = DOCKER_KEYS.pool('host1', a.PoolID as string);
    expect(JSON.parse((await store.get(key))!.value).refs).toBe(2);
    await plugin!.close();
    await start();
    await ok('/IpamDriver.ReleasePool', { PoolID: a.PoolID });
    expect(JSON.parse((await store.get(key))!.value).refs).toBe(1);
    await ok('/IpamDriver.ReleasePool', { PoolID: a.PoolID });
    expect(await store.get(key)).toBeUndefined();
    await ok('/IpamDriver.ReleasePool', { PoolID: a.PoolID }); // idempotent
  });

  it('answers Leave and DeleteEndpoint before the agent has finished them, and keeps their order', async () => {
    const poolId = await createOurs(NET1, 'blue', 'web');
    const addr = await ok('/IpamDriver.RequestAddress', { PoolID: poolId, Address: '', Options: null });
    await ok('/NetworkDriver.CreateEndpoint', { NetworkID: NET1, EndpointID: EP1, Interface: { Address: addr.Address }, Options: {} });
    await ok('/NetworkDriver.Join', { NetworkID: NET1, EndpointID: EP1, SandboxKey: '/x', Options: {} });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slowUnplumb = api.unplumb.bind(api);
    api.unplumb = async (source, key) => {
      await gate; // a reconcile round that takes its time
      return slowUnplumb(source, key);
    };
    await ok('/NetworkDriver.Leave', { NetworkID: NET1, EndpointID: EP1 });
    await ok('/NetworkDriver.DeleteEndpoint', { NetworkID: NET1, EndpointID: EP1 });
    expect(api.get('docker', EP1)?.state).toBe('attached'); // answered, not done yet
    release();
    await plugin!.settled();
    expect(api.get('docker', EP1)).toBeUndefined();
    expect(api.calls.slice(-2)).toEqual([['unplumb', EP1], ['detach', EP1]]);
  });

  it('a failing background teardown does not fail the call (the record stays for the clean-up)', async () => {
    const poolId = await createOurs(NET1, 'blue', 'web');
    const addr = await ok('/IpamDriver.RequestAddress', { PoolID: poolId, Address: '', Options: null });
    await ok('/NetworkDriver.CreateEndpoint', { NetworkID: NET1, EndpointID: EP1, Interface: { Address: addr.Address }, Options: {} });
    api.detach = async () => {
      throw new Error('store unreachable');
    };
    expect(await ok('/NetworkDriver.DeleteEndpoint', { NetworkID: NET1, EndpointID: EP1 })).toEqual({});
    await plugin!.settled();
    expect(api.get('docker', EP1)).toBeDefined();
  });

  it('keeps the network binding across a restart (Join after the agent came back)', async () => {
    const poolId = await createOurs(NET1, 'blue', 'web');
    const addr = await ok('/IpamDriver.RequestAddress', { PoolID: poolId, Address: '', Options: null });
    await ok('/NetworkDriver.CreateEndpoint', { NetworkID: NET1, EndpointID: EP1, Interface: { Address: addr.Address }, Options: {} });
    await plugin!.close();
    await start();
    expect((await ok('/NetworkDriver.Join', { NetworkID: NET1, EndpointID: EP1, SandboxKey: '/x', Options: {} })).Gateway).toBe('10.1.0.1');
  });

  it('says what to add when RequestPool has nothing to go on, and when the agent is not ready', async () => {
    const none = await call('/IpamDriver.RequestPool', { AddressSpace: 'netplugin', Pool: '', SubPool: '', Options: {}, V6: false });
    expect(none.body.Err).toMatch(/add `--ipam-opt tenant=T --ipam-opt network=N`.*\[NP_DOCKER_PLUGIN\]$/);
    const unknown = await call('/IpamDriver.RequestPool', { AddressSpace: 'netplugin', Options: { tenant: 'green', network: 'x' } });
    expect(unknown.body.Err).toMatch(/^unknown tenant "green" .*\[NP_NOT_FOUND\]$/);
    api.ready = false;
    api.reason = 'OVS is unreachable';
    const nr = await call('/IpamDriver.RequestPool', { AddressSpace: 'netplugin', Options: { tenant: 'blue', network: 'db' } });
    expect(nr.body.Err).toBe('the netplugin agent is not ready: OVS is unreachable; try again shortly [NP_AGENT_NOT_READY]');
  });
});

describe("with Docker's own IPAM", () => {
  const create = (opts: Record<string, string>, pool: string) =>
    call('/NetworkDriver.CreateNetwork', {
      NetworkID: NET2,
      Options: { 'com.docker.network.generic': opts },
      IPv4Data: [{ AddressSpace: 'LocalDefault', Gateway: `${pool.replace(/0\/\d+$/, '1')}/24`, Pool: pool }],
      IPv6Data: [],
    });

  it('binds by -o, attaches with the address Docker chose and answers the MAC', async () => {
    expect((await create({ tenant: 'blue', network: 'db' }, '10.2.0.0/24')).body).toEqual({});
    const c = await ok('/NetworkDriver.CreateEndpoint', { NetworkID: NET2, EndpointID: EP2, Interface: { Address: '10.2.0.7/24', MacAddress: '' }, Options: {} });
    expect(c).toEqual({ Interface: { MacAddress: '02:02:0a:02:00:07' } });
    expect(api.get('docker', EP2)).toMatchObject({ ip: '10.2.0.7', ownsClaim: true });
    await ok('/NetworkDriver.DeleteEndpoint', { NetworkID: NET2, EndpointID: EP2 });
    await plugin!.settled();
    expect(await store.get(KEYS.operClaim('blue', 'db', '10.2.0.7'))).toBeUndefined();
  });

  it('uses the MAC Docker gave and answers an empty Interface', async () => {
    await create({ tenant: 'blue', network: 'db' }, '10.2.0.0/24');
    const c = await ok('/NetworkDriver.CreateEndpoint', { NetworkID: NET2, EndpointID: EP2, Interface: { Address: '10.2.0.8/24', MacAddress: '02:42:0a:02:00:08' } });
    expect(c).toEqual({});
    expect(api.get('docker', EP2)?.mac).toBe('02:42:0a:02:00:08');
  });

  it('passes the endpoint option netplugin.groups on as the attachment\'s policy groups', async () => {
    await create({ tenant: 'blue', network: 'db' }, '10.2.0.0/24');
    const attach = vi.spyOn(api, 'attach');
    await ok('/NetworkDriver.CreateEndpoint', { NetworkID: NET2, EndpointID: EP2, Interface: { Address: '10.2.0.9/24' }, Options: { 'netplugin.groups': 'web,db' } });
    expect(attach.mock.calls[0][0].groups).toEqual(['web', 'db']);
    const bad = await call('/NetworkDriver.CreateEndpoint', { NetworkID: NET2, EndpointID: EP1, Interface: { Address: '10.2.0.10/24' }, Options: { 'netplugin.groups': 'a b' } });
    expect(bad.body.Err).toMatch(/netplugin\.groups=a b: "a b" is not a group name/);
    expect(attach).toHaveBeenCalledTimes(1);
    attach.mockRestore();
  });

  it('passes network -o and endpoint driver-opt QoS options on as the attachment\'s qos, the endpoint\'s winning; refuses a bad one naming it', async () => {
    const bad = await create({ tenant: 'blue', network: 'db', 'netplugin.egress-rate': 'fast' }, '10.2.0.0/24');
    expect(bad.body.Err).toMatch(/^NetworkDriver\.CreateNetwork: netplugin\.egress-rate=fast: "fast" is not a rate.*\[NP_DOCKER_PLUGIN\]$/);
    expect(await store.get(DOCKER_KEYS.network('host1', NET2))).toBeUndefined();
    await create({ tenant: 'blue', network: 'db', 'netplugin.egress-rate': '50M', 'netplugin.ingress-rate': '20M', 'netplugin.dscp': '10' }, '10.2.0.0/24');
    const attach = vi.spyOn(api, 'attach');
    await ok('/NetworkDriver.CreateEndpoint', { NetworkID: NET2, EndpointID: EP2, Interface: { Address: '10.2.0.9/24' }, Options: { 'netplugin.egress-rate': '10M', 'netplugin.dscp': 'trust' } });
    expect(attach.mock.calls[0][0].qos).toEqual({ bandwidth: { egress: { rate: 10e6, burst: 8e6 }, ingress: { rate: 20e6, burst: 16e6 } }, dscp: 'trust' });
    await ok('/NetworkDriver.CreateEndpoint', { NetworkID: NET2, EndpointID: EP1, Interface: { Address: '10.2.0.10/24' } });
    expect(attach.mock.calls[1][0].qos).toEqual({ bandwidth: { egress: { rate: 50e6, burst: 40e6 }, ingress: { rate: 20e6, burst: 16e6 } }, dscp: 10 });
    const refused = await call('/NetworkDriver.CreateEndpoint', { NetworkID: NET2, EndpointID: '3'.repeat(64), Interface: { Address: '10.2.0.11/24' }, Options: { 'netplugin.dscp': '99' } });
    expect(refused.body.Err).toBe('NetworkDriver.CreateEndpoint: netplugin.dscp=99: must be an integer 0-63 or "trust" (got "99") [NP_DOCKER_PLUGIN]');
    expect(attach).toHaveBeenCalledTimes(2);
    attach.mockRestore();
  });

  it('accepts -o netplugin.gateway / netplugin.external that match the intent network, refuses others with the option named and binds nothing', async () => {
    const bad = await create({ tenant: 'blue', network: 'db', 'netplugin.gateway': 'router' }, '10.2.0.0/24');
    expect(bad.body.Err).toBe('NetworkDriver.CreateNetwork: -o netplugin.gateway=router: must be "distributed" or "external" [NP_DOCKER_PLUGIN]');
    const differs = await create({ tenant: 'blue', network: 'db', 'netplugin.external': 'none' }, '10.2.0.0/24');
    expect(differs.body.Err).toMatch(/^NetworkDriver\.CreateNetwork: -o netplugin\.external=none disagrees with intent network blue\/db, whose External is "snat".*\[NP_INVALID_ARGUMENT\]$/);
    expect(await store.get(DOCKER_KEYS.network('host1', NET2))).toBeUndefined();
    expect((await create({ tenant: 'blue', network: 'db', 'netplugin.gateway': 'distributed', 'netplugin.external': 'snat' }, '10.2.0.0/24')).body).toEqual({});
    expect(JSON.parse((await store.get(DOCKER_KEYS.network('host1', NET2)))!.value)).toMatchObject({ tenant: 'blue', network: 'db' });
  });

  it('refuses a pool outside the subnet and an address another endpoint holds', async () => {
    expect((await create({ tenant: 'blue', network: 'db' }, '172.18.0.0/16')).body.Err).toMatch(/does not fit intent network blue\/db .*--subnet 10.2.0.0\/24.*\[NP_INVALID_ARGUMENT\]$/);
    await create({ tenant: 'blue', network: 'db' }, '10.2.0.0/24');
    await ok('/NetworkDriver.CreateEndpoint', { NetworkID: NET2, EndpointID: EP1, Interface: { Address: '10.2.0.9/24' } });
    const dup = await call('/NetworkDriver.CreateEndpoint', { NetworkID: NET2, EndpointID: EP2, Interface: { Address: '10.2.0.9/24' } });
    expect(dup.body.Err).toBe('10.2.0.9 is already in use in blue/db [NP_ADDRESS_IN_USE]');
  });

  it('refuses endpoints on networks it never bound', async () => {
    const r = await call('/NetworkDriver.CreateEndpoint', { NetworkID: 'f'.repeat(64), EndpointID: EP1, Interface: {} });
    expect(r.body.Err).toMatch(/Docker network ffffffffffff is not bound to an intent network on this host.*\[NP_NOT_FOUND\]$/);
  });

  it('allocates an address itself when Docker gave none', async () => {
    await create({ tenant: 'blue', network: 'db' }, '10.2.0.0/24');
    const c = await ok('/NetworkDriver.CreateEndpoint', { NetworkID: NET2, EndpointID: EP1, Interface: {} });
    expect(c).toEqual({ Interface: { Address: '10.2.0.2/24', MacAddress: '02:02:0a:02:00:02' } });
  });

  it('DeleteNetwork detaches endpoints Docker forgot to delete', async () => {
    await create({ tenant: 'blue', network: 'db' }, '10.2.0.0/24');
    await ok('/NetworkDriver.CreateEndpoint', { NetworkID: NET2, EndpointID: EP1, Interface: { Address: '10.2.0.3/24' } });
    await ok('/NetworkDriver.DeleteNetwork', { NetworkID: NET2 });
    expect(api.list('docker')).toEqual([]);
    expect((await store.list(KEYS.operClaimsPrefix)).items).toEqual([]);
  });
});

describe('request inputs', () => {
  it.each<[string, string, Record<string, unknown>, RegExp]>([
    ['a NetworkID that is not an id', '/NetworkDriver.CreateEndpoint', { NetworkID: '../x', EndpointID: EP1 }, /NetworkID must be a Docker id/],
    ['a NetworkID too long', '/NetworkDriver.CreateNetwork', { NetworkID: 'a'.repeat(129) }, /NetworkID must be at most 128 bytes/],
    ['an EndpointID that is a number', '/NetworkDriver.CreateEndpoint', { NetworkID: NET1, EndpointID: 5 }, /EndpointID is required \(a non-empty string\)/],
    ['an EndpointID with a slash', '/NetworkDriver.Join', { NetworkID: NET1, EndpointID: 'a/b', SandboxKey: '/var/run/docker/netns/abc' }, /EndpointID must be a Docker id/],
    ['a relative SandboxKey', '/NetworkDriver.Join', { NetworkID: NET1, EndpointID: EP1, SandboxKey: 'netns/abc' }, /SandboxKey must be an absolute path/],
    ['a SandboxKey too long', '/NetworkDriver.Join', { NetworkID: NET1, EndpointID: EP1, SandboxKey: `/${'a'.repeat(4095)}` }, /SandboxKey must be at most 4095 bytes/],
    ['a SandboxKey with NUL', '/NetworkDriver.Join', { NetworkID: NET1, EndpointID: EP1, SandboxKey: '/run/a\u0000b' }, /SandboxKey must be an absolute path/],
    ['an Interface.Address that is a number', '/NetworkDriver.CreateEndpoint', { NetworkID: NET1, EndpointID: EP1, Interface: { Address: 10 } }, /Address must be a string/],
    ['an Interface.MacAddress too long', '/NetworkDriver.CreateEndpoint', { NetworkID: NET1, EndpointID: EP1, Interface: { MacAddress: 'a'.repeat(4097) } }, /MacAddress must be at most 4096 bytes/],
    ['too many generic options', '/NetworkDriver.CreateNetwork', { NetworkID: NET1, Options: { 'com.docker.network.generic': Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`k${i}`, 'v'])) } }, /must have at most 256 entries/],
    ['a generic option value too long', '/NetworkDriver.CreateNetwork', { NetworkID: NET1, Options: { 'com.docker.network.generic': { tenant: 't'.repeat(4097) } } }, /\.tenant must be at most 4096 bytes/],
    ['too many IPv4Data entries', '/NetworkDriver.CreateNetwork', { NetworkID: NET1, IPv4Data: Array.from({ length: 65 }, () => ({ Pool: '10.1.0.0/29' })) }, /IPv4Data must have at most 64 entries/],
    ['an IPv4Data entry that is a list', '/NetworkDriver.CreateNetwork', { NetworkID: NET1, IPv4Data: [[]] }, /IPv4Data\[0\] must be an object/],
    ['IPAM options too many', '/IpamDriver.RequestPool', { AddressSpace: 'netplugin', Options: Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`k${i}`, 'v'])) }, /Options must have at most 256 entries/],
    ['an IPAM PoolID too long', '/IpamDriver.ReleasePool', { PoolID: 'p'.repeat(4097) }, /PoolID must be at most 4096 bytes/],
  ])('refuses %s with HTTP 400 naming the field, calling nothing', async (_what, path, body, why) => {
    const r = await call(path, body);
    expect(r.status).toBe(400);
    expect(String(r.body.Err)).toMatch(why);
    expect(String(r.body.Err)).toMatch(/\[NP_DOCKER_PLUGIN\]$/);
    expect(api.calls).toEqual([]);
    expect((await store.list(DOCKER_KEYS.hostPrefix('host1'))).items).toEqual([]);
  });
});
