import { describe, expect, it } from 'vitest';
import { attachEndpoints, detachPorts, type AttachItem, type PlumbContext } from './plumb.js';
import { hostVethName } from './names.js';
import { FakeKernel } from '../../test/fakes/fake-kernel.js';
import { FakeVswitch } from '../../test/fakes/fake-vswitch.js';
import { BLUE, BRIDGE, ORANGE, container, endpoint } from '../../test/fakes/round-harness.js';

function setup(offloads?: Record<string, boolean>) {
  const kernel = new FakeKernel();
  const vswitch = new FakeVswitch(kernel);
  vswitch.addBridge(BRIDGE);
  const ctx: PlumbContext = { vswitch, kernel, bridge: BRIDGE, ofportTimeoutMs: 1000, containerOffloads: offloads ? () => offloads : undefined };
  return { kernel, vswitch, ctx };
}

function item(name: string, n: number, net = ORANGE, init = {}): AttachItem {
  const c = container(name, init);
  return { endpoint: endpoint(net, name, n, 'host1'), network: net, container: c };
}

describe('attachEndpoints', () => {
  it('picks the first free ethN, sets offloads, and adds no default route where the container has one', async () => {
    const { kernel, ctx } = setup({ tx: false });
    const it1 = item('c1', 2, BLUE);
    kernel.addNamespace(it1.container.netns);
    kernel.addLink('eth0', { netns: it1.container.netns });
    await kernel.run([{ op: 'routeReplace', netns: it1.container.netns, dst: 'default', gateway: '10.0.0.1', dev: 'eth0' }]);
    kernel.clearLog();
    const out = await attachEndpoints(ctx, [it1], [], undefined, new Set());
    const veth = hostVethName(BRIDGE, it1.endpoint.id);
    expect(out.get(it1.endpoint.id)).toEqual({ ok: true, ofport: 1, portName: veth, ifName: 'eth1' });
    expect(kernel.batches).toEqual([
      [
        { op: 'linkList', netns: it1.container.netns },
        { op: 'routeList', netns: it1.container.netns },
      ],
      [
        { op: 'createVeth', name: veth, peerName: 'eth1', peerNetns: it1.container.netns, mtu: 1450, peerMac: it1.endpoint.mac },
        { op: 'linkSet', name: veth, up: true },
        { op: 'addrAdd', netns: it1.container.netns, name: 'eth1', cidr: '11.2.0.2/24' },
        { op: 'linkSet', netns: it1.container.netns, name: 'eth1', up: true },
        { op: 'featuresSet', netns: it1.container.netns, name: 'eth1', features: { tx: false } },
      ],
    ]);
  });

  it('deletes a leftover veth only when the host has it, before looking inside', async () => {
    const { kernel, ctx } = setup();
    const it1 = item('c1', 2);
    kernel.addNamespace(it1.container.netns);
    const veth = hostVethName(BRIDGE, it1.endpoint.id);
    kernel.addLink(veth, { kind: 'veth' });
    await attachEndpoints(ctx, [it1], [], undefined, new Set([veth]));
    expect(kernel.batches[0][0]).toEqual({ op: 'linkDel', name: veth, ignoreMissing: true });
    expect(kernel.ops.filter((o) => o.op === 'linkDel')).toHaveLength(1);
  });

  it('makes a Docker hand-off pair in the host namespace without looking into the sandbox', async () => {
    const { kernel, vswitch, ctx } = setup();
    const it1 = item('c1', 2, ORANGE, { handoffPeer: 'npp1', source: 'docker-driver' });
    const out = await attachEndpoints(ctx, [it1], [], undefined, new Set());
    const veth = hostVethName(BRIDGE, it1.endpoint.id);
    expect(kernel.batches).toEqual([[{ op: 'createVeth', name: veth, peerName: 'npp1', mtu: 1500, peerMac: it1.endpoint.mac }, { op: 'linkSet', name: veth, up: true }]]);
    expect(out.get(it1.endpoint.id)).toMatchObject({ ok: true, ifName: 'npp1' });
    expect(vswitch.port(BRIDGE, veth)?.externalIds['netplugin-source']).toBe('docker-driver');
  });

  it('fails only the item whose step failed, removing what was made for it', async () => {
    const { kernel, vswitch, ctx } = setup();
    const a = item('c1', 2);
    const b = item('c2', 3);
    kernel.addNamespace(a.container.netns);
    kernel.addNamespace(b.container.netns);
    kernel.failWhen((op) => op.op === 'addrAdd' && op.netns === b.container.netns, 13, 'Permission denied');
    const out = await attachEndpoints(ctx, [a, b], [], undefined, new Set());
    expect(out.get(a.endpoint.id)).toMatchObject({ ok: true, ofport: 1 });
    expect(out.get(b.endpoint.id)).toEqual({ ok: false, error: 'Permission denied' });
    const vethB = hostVethName(BRIDGE, b.endpoint.id);
    expect(kernel.batches[2]).toEqual([{ op: 'linkDel', name: vethB, ignoreMissing: true }]);
    expect(kernel.link(vethB)).toBeUndefined();
    expect(vswitch.portNames(BRIDGE)).toEqual([hostVethName(BRIDGE, a.endpoint.id)]);
  });

  it('refuses an interface name the container already has, and a namespace that is gone', async () => {
    const { kernel, vswitch, ctx } = setup();
    const a = item('c1', 2, ORANGE, { ifName: 'net1' });
    const b = item('c2', 3);
    kernel.addNamespace(a.container.netns);
    kernel.addLink('net1', { netns: a.container.netns });
    const out = await attachEndpoints(ctx, [a, b], [], undefined, new Set());
    expect(out.get(a.endpoint.id)).toEqual({ ok: false, error: 'container c1: interface net1 already exists in /run/netns/c1' });
    expect(out.get(b.endpoint.id)).toMatchObject({ ok: false, error: expect.stringMatching(/^container c2: opening network namespace \/run\/netns\/c2/) });
    expect(vswitch.writes).toEqual([]);
    expect(kernel.batches).toHaveLength(2);
  });

  it('requests the lowest ofports free of ports and of pending requests', async () => {
    const { kernel, vswitch, ctx } = setup();
    const a = item('c1', 2);
    kernel.addNamespace(a.container.netns);
    const existing = [
      { name: 'x', type: '', ofport: 1, externalIds: {}, options: {} },
      { name: 'y', type: '', ofport: 0, ofportRequest: 2, externalIds: {}, options: {} },
    ];
    await attachEndpoints(ctx, [a], existing, undefined, new Set());
    expect(vswitch.writes[0]).toMatchObject({ op: 'addPorts', ports: [{ ofportRequest: 3 }] });
  });

  it('runs the flow work while vswitchd adds the ports, with the requested ofports', async () => {
    const { kernel, ctx } = setup();
    const a = item('c1', 2);
    kernel.addNamespace(a.container.netns);
    const seen: unknown[] = [];
    await attachEndpoints(ctx, [a], [], async (planned) => void seen.push([...planned]), new Set());
    expect(seen).toEqual([[[a.endpoint.id, { ofport: 1, portName: hostVethName(BRIDGE, a.endpoint.id), ifName: 'eth0' }]]]);
  });

  it('rolls the whole batch back when vswitchd cannot open a port', async () => {
    const { kernel, vswitch, ctx } = setup();
    const a = item('c1', 2);
    kernel.addNamespace(a.container.netns);
    const veth = hostVethName(BRIDGE, a.endpoint.id);
    // The veth vanishes before vswitchd opens it: the port gets ofport -1.
    const orig = vswitch.addPorts.bind(vswitch);
    vswitch.addPorts = async (bridge, ports) => {
      await kernel.run([{ op: 'linkDel', name: veth }]);
      return orig(bridge, ports);
    };
    const out = await attachEndpoints(ctx, [a], [], undefined, new Set());
    expect(out.get(a.endpoint.id)).toEqual({ ok: false, error: `interface ${veth} on ${BRIDGE} failed: could not open network device ${veth} (No such device)` });
    expect(vswitch.writes.map((c) => c.op)).toEqual(['addPorts', 'waitForOfports', 'deletePorts']);
    expect(vswitch.portNames(BRIDGE)).toEqual([]);
  });
});

describe('attachEndpoints without waiting for vswitchd', () => {
  it('deletes the veths of a failed commit once, whether or not the flows asked for it', async () => {
    for (const askedByFlows of [true, false]) {
      const { kernel, vswitch, ctx } = setup();
      const a = item('c1', 2);
      kernel.addNamespace(a.container.netns);
      vswitch.failWhen((c) => c.op === 'addPorts');
      const whileWaiting = async (_p: unknown, _f: unknown, committed?: () => Promise<void>) => {
        if (askedByFlows) await committed!();
      };
      await expect(attachEndpoints({ ...ctx, awaitOfports: false }, [a], [], whileWaiting, new Set())).rejects.toThrow(/transaction failed/);
      const veth = hostVethName(BRIDGE, a.endpoint.id);
      expect(kernel.ops.filter((o) => o.op === 'linkDel' && o.name === veth)).toHaveLength(1);
      expect(kernel.link(veth)).toBeUndefined();
    }
  });

  it('removes the veths when the flows fail before the commit, and commits nothing', async () => {
    const { kernel, vswitch, ctx } = setup();
    const a = item('c1', 2);
    kernel.addNamespace(a.container.netns);
    const boom = async () => {
      throw new Error('switch refused');
    };
    await expect(attachEndpoints({ ...ctx, awaitOfports: false }, [a], [], boom, new Set())).rejects.toThrow('switch refused');
    expect(vswitch.writes).toEqual([]);
    expect(kernel.link(hostVethName(BRIDGE, a.endpoint.id))).toBeUndefined();
  });
});

describe('detachPorts', () => {
  it('removes the ports in one transaction, then their veths in one batch', async () => {
    const { kernel, vswitch, ctx } = setup();
    await detachPorts(ctx, ['np1', 'np2']);
    expect(vswitch.writes).toEqual([{ op: 'deletePorts', bridge: BRIDGE, names: ['np1', 'np2'] }]);
    expect(kernel.batches).toEqual([
      [
        { op: 'linkDel', name: 'np1', ignoreMissing: true },
        { op: 'linkDel', name: 'np2', ignoreMissing: true },
      ],
    ]);
  });

  it('does nothing for no ports', async () => {
    const { kernel, vswitch, ctx } = setup();
    await detachPorts(ctx, []);
    expect(vswitch.calls).toEqual([]);
    expect(kernel.batches).toEqual([]);
  });
});
