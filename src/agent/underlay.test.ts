import { describe, expect, it } from 'vitest';
import { ensureUnderlay, TUNNEL_OFPORT, underlayNames, UPLINK_OFPORT, type UnderlaySpec } from './underlay.js';
import { FakeKernel } from '../../test/fakes/fake-kernel.js';
import { FakeVswitch } from '../../test/fakes/fake-vswitch.js';
import { BRIDGE } from '../../test/fakes/round-harness.js';

function setup() {
  const kernel = new FakeKernel();
  const vswitch = new FakeVswitch(kernel);
  vswitch.addBridge(BRIDGE);
  kernel.addLink('up0', { mac: '52:54:00:00:00:01' });
  return { kernel, vswitch, ctx: { vswitch, kernel } };
}

const SPEC: UnderlaySpec = { bridge: BRIDGE, datapathType: 'netdev', uplink: 'up0', vtep: '198.18.100.1', vlans: [12, 11, 12] };
const names = underlayNames(BRIDGE);

describe('ensureUnderlay', () => {
  it('builds the phy bridge with the trunk uplink, the patch pair and the tunnel port, and puts the VTEP on the phy bridge', async () => {
    const { kernel, vswitch, ctx } = setup();
    const fabric = await ensureUnderlay(ctx, SPEC, await vswitch.listPorts(BRIDGE));
    expect(fabric).toEqual({ uplinkOfport: UPLINK_OFPORT, tunnelOfport: TUNNEL_OFPORT });
    expect(vswitch.writes).toEqual([
      { op: 'ensureBridge', spec: { name: names.phy, datapathType: 'netdev', failMode: 'standalone', otherConfig: { hwaddr: '52:54:00:00:00:01' }, externalIds: { 'netplugin-owner': BRIDGE } } },
      {
        op: 'addPorts',
        bridge: names.phy,
        ports: [
          { name: 'up0', trunks: [0, 11, 12] },
          { name: names.patchDown, type: 'patch', options: { peer: names.patchUp } },
        ],
      },
      {
        op: 'addPorts',
        bridge: BRIDGE,
        ports: [
          { name: names.patchUp, type: 'patch', options: { peer: names.patchDown }, ofportRequest: UPLINK_OFPORT },
          { name: names.tunnel, type: 'vxlan', options: { remote_ip: 'flow', key: 'flow', tos: 'inherit' }, ofportRequest: TUNNEL_OFPORT },
        ],
      },
    ]);
    expect(kernel.batches.at(-1)).toEqual([
      { op: 'addrAdd', name: names.phy, cidr: '198.18.100.1/24' },
      { op: 'linkSet', name: names.phy, up: true },
    ]);
    expect(kernel.link(names.phy)?.addrs).toEqual(['198.18.100.1/24']);
  });

  it('writes nothing when all is in place, and only the trunks (then waits for vswitchd) when the VLANs change', async () => {
    const { vswitch, ctx } = setup();
    await ensureUnderlay(ctx, SPEC, await vswitch.listPorts(BRIDGE));
    vswitch.clearLog();
    await ensureUnderlay(ctx, SPEC, await vswitch.listPorts(BRIDGE));
    expect(vswitch.writes).toEqual([{ op: 'ensureBridge', spec: expect.objectContaining({ name: names.phy }) }]);
    vswitch.clearLog();
    await ensureUnderlay(ctx, { ...SPEC, vlans: [11] }, await vswitch.listPorts(BRIDGE));
    expect(vswitch.writes.slice(1)).toEqual([{ op: 'setPortTrunks', port: 'up0', trunks: [0, 11] }, { op: 'waitForVswitchd' }]);
  });

  it('adds no tunnel port without a VTEP, and nothing at all without an uplink', async () => {
    const { vswitch, ctx } = setup();
    expect(await ensureUnderlay(ctx, { ...SPEC, uplink: undefined }, [])).toEqual({});
    expect(vswitch.calls).toEqual([]);
    const fabric = await ensureUnderlay(ctx, { ...SPEC, vtep: undefined }, await vswitch.listPorts(BRIDGE));
    expect(fabric).toEqual({ uplinkOfport: UPLINK_OFPORT, tunnelOfport: undefined });
    expect(vswitch.portNames(BRIDGE)).toEqual([names.patchUp]);
  });

  it('fails with NP_NOT_FOUND, changing nothing, when the uplink does not exist', async () => {
    const { vswitch, ctx } = setup();
    await expect(ensureUnderlay(ctx, { ...SPEC, uplink: 'nope0' }, [])).rejects.toMatchObject({ code: 'NP_NOT_FOUND', message: 'uplink interface nope0 does not exist on this host' });
    expect(vswitch.writes).toEqual([]);
  });
});
