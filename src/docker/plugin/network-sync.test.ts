import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { FakeEngine } from '../../../test/helpers/fake-engine.js';
import { DockerNetworkSync, dockerNetworkName, type SyncNetwork } from './network-sync.js';

const log = pino({ level: 'silent' });

function setup(nets: SyncNetwork[]) {
  const engine = new FakeEngine();
  const source = { nets };
  const sync = new DockerNetworkSync({ engine: engine.asEngine(), source: () => source.nets, log, driver: 'np-x' });
  return { engine, source, sync };
}

describe('DockerNetworkSync', () => {
  it('creates <tenant>.<network> with our drivers, IPAM options and the managed label; a second pass does nothing', async () => {
    const { engine, sync } = setup([{ tenant: 'blue', name: 'web', subnet: '10.1.0.0/24' }]);
    expect(await sync.syncOnce()).toEqual({ created: ['blue.web'], removed: [], kept: [], skipped: [], failed: 0 });
    const n = [...engine.nets.values()][0];
    expect(n).toMatchObject({
      name: 'blue.web', driver: 'np-x', ipamDriver: 'np-x',
      ipamOptions: { tenant: 'blue', network: 'web' }, options: { tenant: 'blue', network: 'web' },
      labels: { 'netplugin.managed': 'true', 'netplugin.tenant': 'blue', 'netplugin.network': 'web' },
    });
    // The fake keeps no subnet; the real engine reports the pool the IPAM answered.
    n.subnets = [{ subnet: '10.1.0.0/24', auxAddresses: {} }];
    expect((await sync.syncOnce()).created).toEqual([]);
  });

  it('removes managed networks gone from the intent unless containers are attached; never touches unmanaged ones', async () => {
    const { engine, source, sync } = setup([]);
    engine.add({ id: 'm1', name: 'blue.old', driver: 'np-x', labels: { 'netplugin.managed': 'true' } });
    engine.add({ id: 'm2', name: 'blue.busy', driver: 'np-x', labels: { 'netplugin.managed': 'true' }, endpoints: [{ containerId: 'c', name: 'c', endpointId: 'e', macAddress: '', ipv4Address: '' }] });
    engine.add({ id: 'u1', name: 'blue.mine', driver: 'np-x' });
    source.nets = [{ tenant: 'blue', name: 'mine', subnet: '10.3.0.0/24' }];
    const r = await sync.syncOnce();
    expect(r.removed).toEqual(['blue.old']);
    expect(r.kept).toEqual([{ name: 'blue.busy', reason: 'no longer in the intent, but 1 container(s) attached' }]);
    expect(r.skipped).toEqual([{ name: 'blue.mine', reason: 'a Docker network of that name exists and is not managed by netplugin' }]);
    expect([...engine.nets.keys()].sort()).toEqual(['m2', 'u1']);
  });

  it('re-creates a managed network whose subnet changed in the intent', async () => {
    const { engine, sync } = setup([{ tenant: 'blue', name: 'web', subnet: '10.9.0.0/24' }]);
    engine.add({ id: 'm1', name: 'blue.web', driver: 'np-x', labels: { 'netplugin.managed': 'true', 'netplugin.tenant': 'blue', 'netplugin.network': 'web' }, subnets: [{ subnet: '10.1.0.0/24', auxAddresses: {} }] });
    const r = await sync.syncOnce();
    expect(r.removed).toEqual(['blue.web']);
    expect(r.created).toEqual(['blue.web']);
  });

  it('skips names Docker would refuse and reports creations that fail', async () => {
    const { engine, sync } = setup([{ tenant: 'Blue Team', name: 'web', subnet: '10.1.0.0/24' }, { tenant: 'blue', name: 'db', subnet: '10.2.0.0/24' }]);
    engine.createNetwork = async () => {
      throw new Error('plugin "np-x" not found');
    };
    const r = await sync.syncOnce();
    expect(r.skipped).toEqual([
      { name: 'Blue Team.web', reason: 'not a valid Docker network name' },
      { name: 'blue.db', reason: 'plugin "np-x" not found' },
    ]);
    expect(r.failed).toBe(1);
    expect(dockerNetworkName('a', 'b')).toBe('a.b');
  });

  it('runs passes on poke and stops cleanly', async () => {
    const { engine, sync } = setup([{ tenant: 'blue', name: 'web', subnet: '10.1.0.0/24' }]);
    sync.start();
    for (let i = 0; i < 50 && engine.nets.size === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await sync.stop();
    expect([...engine.nets.values()].map((n) => n.name)).toEqual(['blue.web']);
  });
});
