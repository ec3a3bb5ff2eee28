import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { EmbeddedStore } from '../../state/embedded.js';
import { KEYS } from '../../state/keys.js';
import type { RuntimeNetwork } from '../../runtime/types.js';
import { newClaimOwner } from './claims.js';
import { cleanupOnce, DockerCleanup, type CleanupOptions } from './cleanup.js';
import { FakeEngine } from '../../../test/helpers/fake-engine.js';
import { FakeRuntime } from '../../../test/helpers/fake-runtime.js';
import { poolIdOf } from './resolve.js';
import { DockerPluginState } from './state.js';

const NETS: RuntimeNetwork[] = [{ id: 'blue/web', tenant: 'blue', name: 'web', subnet: '10.1.0.0/24', gateway: '10.1.0.1', mtu: 1500, pktTagType: 'vlan', pktTag: 11 }];
const LONG_AGO = new Date(Date.now() - 3_600_000).toISOString();

let dir: string;
let store: EmbeddedStore;
let api: FakeRuntime;
let state: DockerPluginState;
let engine: FakeEngine;
let opts: CleanupOptions;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'np-dclean-'));
  store = EmbeddedStore.open(dir);
  api = new FakeRuntime(NETS, { store });
  state = new DockerPluginState(store, 'host1');
  engine = new FakeEngine();
  opts = { api, engine: engine.asEngine(), state, store, host: 'host1', driver: 'netplugin', log: pino({ level: 'silent' }), graceMs: 60_000 };
  await state.acquirePool({ poolId: poolIdOf('blue', 'web'), tenant: 'blue', network: 'web', pool: '10.1.0.0/24' });
  await state.putBinding({ networkId: 'N1', tenant: 'blue', network: 'web', ipam: 'netplugin', pool: '10.1.0.0/24', poolId: poolIdOf('blue', 'web'), createdAt: LONG_AGO });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An endpoint made the way Docker makes one with our IPAM: RequestAddress claim, then CreateEndpoint. */
async function endpoint(key: string, ageMs: number): Promise<string> {
  const owner = newClaimOwner('host1', Date.now() - ageMs);
  const { ip } = await api.claimAddress('blue', 'web', owner);
  const a = await api.attach({ source: 'docker', key, containerId: key, tenant: 'blue', network: 'web', ip, ipClaimedBy: owner, labels: { 'docker.network': 'N1' } });
  a.createdAt = new Date(Date.now() - ageMs).toISOString();
  return ip;
}

const claimed = async (ip: string) => (await store.get(KEYS.operClaim('blue', 'web', ip))) !== undefined;

describe('Docker clean-up', () => {
  it('detaches endpoints Docker no longer has and frees their IPAM addresses; leaves live and young ones', async () => {
    const liveIp = await endpoint('EPLIVE', 600_000);
    const goneIp = await endpoint('EPGONE', 600_000);
    const youngIp = await endpoint('EPYOUNG', 1_000);
    engine.add({ id: 'N1', name: 'blue.web', subnets: [{ subnet: '10.1.0.0/24', auxAddresses: {} }], endpoints: [{ containerId: 'c1', name: 'c1', endpointId: 'EPLIVE', macAddress: '', ipv4Address: `${liveIp}/24` }] });

    const r = await cleanupOnce(opts);
    expect(r).toEqual({ detached: ['EPGONE'], released: [`blue/web/${goneIp}`], unbound: [] });
    expect(api.list('docker').map((a) => a.key).sort()).toEqual(['EPLIVE', 'EPYOUNG']);
    expect(await claimed(goneIp)).toBe(false);
    expect(await claimed(liveIp)).toBe(true);
    expect(await claimed(youngIp)).toBe(true);
  });

  it('leaves an old endpoint alone while Docker is still calling about it (a slow Join)', async () => {
    await endpoint('EPSLOW', 600_000);
    engine.add({ id: 'N1', name: 'blue.web' });
    const touched = new Map([['EPSLOW', Date.now() - 1_000]]);
    expect((await cleanupOnce({ ...opts, lastActivity: (k) => touched.get(k) })).detached).toEqual([]);
    touched.set('EPSLOW', Date.now() - 120_000);
    expect((await cleanupOnce({ ...opts, lastActivity: (k) => touched.get(k) })).detached).toEqual(['EPSLOW']);
  });

  it('frees old IPAM claims nobody uses, keeps aux addresses, fresh claims and claims of others', async () => {
    const orphan = (await api.claimAddress('blue', 'web', newClaimOwner('host1', Date.now() - 600_000))).ip;
    const fresh = (await api.claimAddress('blue', 'web', newClaimOwner('host1'))).ip;
    const aux = (await api.claimAddress('blue', 'web', newClaimOwner('host1', Date.now() - 600_000), '10.1.0.200')).ip;
    const otherHost = (await api.claimAddress('blue', 'web', newClaimOwner('host2', Date.now() - 600_000))).ip;
    const cni = (await api.claimAddress('blue', 'web', 'cni:host1:abc/eth0')).ip;
    engine.add({ id: 'N1', name: 'blue.web', subnets: [{ subnet: '10.1.0.0/24', auxAddresses: { router: '10.1.0.200' } }] });

    const r = await cleanupOnce(opts);
    expect(r.released).toEqual([`blue/web/${orphan}`]);
    for (const ip of [fresh, aux, otherHost, cni]) expect(await claimed(ip)).toBe(true);
  });

  it('unbinds networks Docker dropped and drops their pool reference', async () => {
    engine.add({ id: 'OTHER', name: 'blue.other' });
    await state.putBinding({ networkId: 'OTHER', tenant: 'blue', network: 'web', ipam: 'docker', pool: '10.1.0.0/24', createdAt: LONG_AGO });
    const r = await cleanupOnce(opts);
    expect(r.unbound).toEqual(['N1']);
    expect(state.binding('N1')).toBeUndefined();
    expect(state.pool(poolIdOf('blue', 'web'))).toBeUndefined();
  });

  it('does nothing when the engine knows none of our networks (wrong engine), and fails when it is down', async () => {
    await endpoint('EPX', 600_000);
    expect(await cleanupOnce(opts)).toEqual({ detached: [], released: [], unbound: [] });
    expect(api.list('docker')).toHaveLength(1);
    engine.down = true;
    await expect(cleanupOnce(opts)).rejects.toThrow(/ENOENT/);
    const loop = new DockerCleanup(opts, 60_000);
    expect(await loop.runNow()).toBeUndefined();
    await loop.stop();
  });
});
