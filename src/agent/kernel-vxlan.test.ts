import { describe, expect, it } from 'vitest';
import { fdbChanges, syncKernelVxlan, VXLAN_DEVICE_OFPORT_BASE, type VxlanContext, type VxlanNeeds } from './kernel-vxlan.js';
import { FakeKernel } from '../../test/fakes/fake-kernel.js';
import { FakeVswitch } from '../../test/fakes/fake-vswitch.js';
import { BRIDGE } from '../../test/fakes/round-harness.js';

const ZERO = '00:00:00:00:00:00';

function setup() {
  const kernel = new FakeKernel();
  const vswitch = new FakeVswitch(kernel);
  vswitch.addBridge(BRIDGE);
  kernel.addLink('up0', { up: true });
  const ctx: VxlanContext = { vswitch, kernel, bridge: BRIDGE, underlay: { dev: 'up0', vtepIp: '198.18.0.1' } };
  return { kernel, vswitch, ctx };
}

const need = (vni: number, macs: Record<string, string>): VxlanNeeds => ({ key: 0x1000000 + vni, vni, macs: new Map(Object.entries(macs)) });

describe('syncKernelVxlan', () => {
  it('creates a device per VNI, attaches it at a fixed ofport, and fills its forwarding entries in one batch', async () => {
    const { kernel, vswitch, ctx } = setup();
    const out = await syncKernelVxlan(ctx, await vswitch.listPorts(BRIDGE), [need(5001, { '02:02:0b:02:00:03': '198.18.0.2' })]);
    expect(out).toEqual(new Map([[0x1000000 + 5001, VXLAN_DEVICE_OFPORT_BASE]]));
    expect(kernel.batches).toEqual([
      [
        { op: 'linkGet', name: 'npx5001' },
        { op: 'fdbList', dev: 'npx5001' },
      ],
      [
        { op: 'createVxlan', name: 'npx5001', vni: 5001, local: '198.18.0.1', dev: 'up0', learning: false, tosInherit: true },
        { op: 'linkSet', name: 'npx5001', up: true },
      ],
      [
        { op: 'fdbAppend', dev: 'npx5001', mac: '02:02:0b:02:00:03', dst: '198.18.0.2' },
        { op: 'fdbAppend', dev: 'npx5001', mac: ZERO, dst: '198.18.0.2' },
      ],
    ]);
    expect(vswitch.writes).toEqual([
      { op: 'addPorts', bridge: BRIDGE, ports: [{ name: 'npx5001', ofportRequest: VXLAN_DEVICE_OFPORT_BASE, externalIds: { 'netplugin-vni': '5001' } }] },
      { op: 'waitForOfports', bridge: BRIDGE, names: ['npx5001'] },
    ]);
  });

  it('changes nothing but reads when the devices already match', async () => {
    const { kernel, vswitch, ctx } = setup();
    const needs = [need(5001, { '02:02:0b:02:00:03': '198.18.0.2' })];
    await syncKernelVxlan(ctx, await vswitch.listPorts(BRIDGE), needs);
    kernel.clearLog();
    vswitch.clearLog();
    await syncKernelVxlan(ctx, await vswitch.listPorts(BRIDGE), needs);
    expect(kernel.batches).toEqual([
      [
        { op: 'linkGet', name: 'npx5001' },
        { op: 'fdbList', dev: 'npx5001' },
      ],
      [],
    ]);
    expect(vswitch.writes).toEqual([]);
  });

  it('moves an entry whose endpoint changed host and removes a VNI no longer needed', async () => {
    const { kernel, vswitch, ctx } = setup();
    await syncKernelVxlan(ctx, await vswitch.listPorts(BRIDGE), [need(5001, { '02:00:00:00:00:01': '198.18.0.2' }), need(5002, {})]);
    kernel.clearLog();
    vswitch.clearLog();
    await syncKernelVxlan(ctx, await vswitch.listPorts(BRIDGE), [need(5001, { '02:00:00:00:00:01': '198.18.0.3' })]);
    expect(vswitch.writes).toEqual([{ op: 'deletePorts', bridge: BRIDGE, names: ['npx5002'] }]);
    expect(kernel.batches[0]).toEqual([{ op: 'linkDel', name: 'npx5002', ignoreMissing: true }]);
    expect(kernel.fdbOf('npx5001').map((e) => `${e.mac}>${e.dst}`).sort()).toEqual([`${ZERO}>198.18.0.3`, `02:00:00:00:00:01>198.18.0.3`]);
    expect(kernel.link('npx5002')).toBeUndefined();
  });

  it('fails the sync, naming the device, when the kernel refuses to create it', async () => {
    const { kernel, vswitch, ctx } = setup();
    kernel.failWhen((op) => op.op === 'createVxlan', 22, 'Invalid argument');
    await expect(syncKernelVxlan(ctx, await vswitch.listPorts(BRIDGE), [need(7, {})])).rejects.toThrow('setting up VXLAN device npx7 failed: Invalid argument');
    expect(vswitch.writes).toEqual([]);
  });
});

describe('fdbChanges', () => {
  it('appends missing entries, deletes stale ones, ignores entries without a remote and compares MACs case-insensitively', () => {
    const n = need(1, { '02:aa:00:00:00:01': '10.0.0.2' });
    const ops = fdbChanges('npx1', n, [
      { mac: '02:AA:00:00:00:01', dst: '10.0.0.2', permanent: true },
      { mac: ZERO, dst: '10.0.0.9', permanent: true },
      { mac: '33:33:00:00:00:01', permanent: true },
    ]);
    expect(ops).toEqual([
      { op: 'fdbAppend', dev: 'npx1', mac: ZERO, dst: '10.0.0.2' },
      { op: 'fdbDel', dev: 'npx1', mac: ZERO, dst: '10.0.0.9', ignoreMissing: true },
    ]);
  });
});
