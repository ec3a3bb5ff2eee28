import { describe, expect, it } from 'vitest';
import { ensureHostGateway, hostGatewayAddrs, removeHostGateway, routeOps, RTPROT_NETPLUGIN, type HostGatewayDeps } from './host-gateway.js';
import { removeScript, snatScript } from './host-gateway-nft.js';
import { FakeKernel } from '../../test/fakes/fake-kernel.js';
import { FakeVswitch } from '../../test/fakes/fake-vswitch.js';
import { FakeNft, FakeSysctl } from '../../test/fakes/fake-host-system.js';
import { BRIDGE } from '../../test/fakes/round-harness.js';

const A = hostGatewayAddrs(BRIDGE);
const PORT = A.portName;
const TABLE = `netplugin_${BRIDGE}`;
const FORWARD = 'net/ipv4/ip_forward';
const PORT_FORWARD = `net/ipv4/conf/${PORT}/forwarding`;

function setup() {
  const kernel = new FakeKernel();
  const vswitch = new FakeVswitch(kernel);
  vswitch.addBridge(BRIDGE);
  kernel.addLink('eth0', { up: true, addrs: ['192.168.1.10/24'] });
  kernel.addRoute({ dst: 'default', gateway: '192.168.1.1', dev: 'eth0', table: 254, protocol: 3 });
  const sysctl = new FakeSysctl({ [FORWARD]: '0' });
  const nft = new FakeNft();
  const deps: HostGatewayDeps = { vswitch, kernel, sysctl, nft };
  // The per-port sysctl appears with the port's netdev.
  const clearLogs = () => {
    kernel.clearLog();
    vswitch.clearLog();
    nft.clearLog();
    sysctl.writes.length = 0;
  };
  return { kernel, vswitch, sysctl, nft, deps, clearLogs };
}

const ROUTE = (dst: string) => ({ dst, gateway: A.routerIp, dev: PORT, table: 254, protocol: RTPROT_NETPLUGIN });

describe('ensureHostGateway', () => {
  it('first run: adds the internal port, brings it up with the address, routes the subnets, installs the table, turns on forwarding', async () => {
    const { kernel, vswitch, sysctl, nft, deps } = setup();
    const report = await ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24', '10.2.0.0/16'], snat: true });
    expect(report.changed).toEqual(['ovsdb port', 'link and address', 'routes', 'nftables', 'sysctl']);
    expect(vswitch.writes).toEqual([
      { op: 'addPorts', bridge: BRIDGE, ports: [{ name: PORT, type: 'internal', ofportRequest: 65002, mac: '02:02:a9:fe:40:01' }] },
      { op: 'waitForOfports', bridge: BRIDGE, names: [PORT] },
    ]);
    expect(kernel.batches).toEqual([
      [{ op: 'linkGet', name: PORT }, { op: 'addrList', name: PORT }, { op: 'routeList' }],
      [
        { op: 'linkSet', name: PORT, up: true },
        { op: 'addrAdd', name: PORT, cidr: '169.254.64.1/20' },
      ],
      [
        { op: 'routeReplace', dst: '10.1.0.0/24', gateway: '169.254.64.2', dev: PORT, protocol: 158 },
        { op: 'routeReplace', dst: '10.2.0.0/16', gateway: '169.254.64.2', dev: PORT, protocol: 158 },
      ],
    ]);
    expect(nft.calls).toEqual([{ args: ['-j', 'list', 'table', 'ip', TABLE] }, { args: ['-f', '-'], stdin: snatScript(A) }]);
    expect(sysctl.writes).toEqual([
      [FORWARD, '1'],
      [PORT_FORWARD, '1'],
    ]);
    expect(kernel.link(PORT)).toMatchObject({ up: true, mac: '02:02:a9:fe:40:01', addrs: ['169.254.64.1/20'] });
    expect([...nft.tables.keys()]).toEqual([TABLE]);
  });

  it('second run: reads, and writes nothing', async () => {
    const { kernel, vswitch, sysctl, nft, deps, clearLogs } = setup();
    const want = { hostRoutes: ['10.1.0.0/24'], snat: true };
    await ensureHostGateway(deps, A, want);
    clearLogs();
    expect(await ensureHostGateway(deps, A, want)).toEqual({ changed: [] });
    expect(vswitch.writes).toEqual([]);
    expect(kernel.batches).toEqual([[{ op: 'linkGet', name: PORT }, { op: 'addrList', name: PORT }, { op: 'routeList' }]]);
    expect(nft.writes).toEqual([]);
    expect(sysctl.writes).toEqual([]);
  });

  it("takes the caller's port listing instead of listing the bridge again", async () => {
    const { vswitch, deps, clearLogs } = setup();
    await ensureHostGateway(deps, A, { hostRoutes: [], snat: false });
    const ports = await vswitch.listPorts(BRIDGE);
    clearLogs();
    expect(await ensureHostGateway(deps, A, { hostRoutes: [], snat: false, ports })).toEqual({ changed: [] });
    expect(vswitch.calls).toEqual([]);
    // A listing without the port may predate it: the bridge is listed again before anything is added.
    expect(await ensureHostGateway(deps, A, { hostRoutes: [], snat: false, ports: [] })).toEqual({ changed: [] });
    expect(vswitch.calls).toEqual([{ op: 'listPorts', bridge: BRIDGE }]);
  });

  it('removes a stale route of ours, and leaves routes of other protocols or other ports alone', async () => {
    const { kernel, deps, clearLogs } = setup();
    await ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24', '10.2.0.0/16'], snat: true });
    kernel.addRoute({ dst: '10.7.0.0/24', gateway: A.routerIp, dev: PORT, table: 254, protocol: 4 });
    kernel.addRoute({ dst: '10.8.0.0/24', gateway: '192.168.1.1', dev: 'eth0', table: 254, protocol: RTPROT_NETPLUGIN });
    clearLogs();
    const report = await ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24'], snat: true });
    expect(report.changed).toEqual(['routes']);
    expect(kernel.batches[1]).toEqual([{ op: 'routeDel', dst: '10.2.0.0/16', gateway: '169.254.64.2', dev: PORT, protocol: 158, ignoreMissing: true }]);
    expect(kernel.routesOf().map((r) => r.dst)).toEqual(['default', '10.1.0.0/24', '10.7.0.0/24', '10.8.0.0/24']);
  });

  it('removes another IPv4 address from the port and corrects a route of ours through another router address', async () => {
    const { kernel, deps, clearLogs } = setup();
    await ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24'], snat: false });
    kernel.link(PORT)!.addrs.push('10.250.0.1/20', 'fe80::1/64');
    kernel.routesOf().find((r) => r.dst === '10.1.0.0/24')!.gateway = '10.250.0.2';
    clearLogs();
    expect((await ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24'], snat: false })).changed).toEqual(['link and address', 'routes']);
    expect(kernel.batches.slice(1)).toEqual([
      [{ op: 'addrDel', name: PORT, cidr: '10.250.0.1/20', ignoreMissing: true }],
      [{ op: 'routeReplace', dst: '10.1.0.0/24', gateway: '169.254.64.2', dev: PORT, protocol: 158 }],
    ]);
    expect(kernel.link(PORT)!.addrs).toEqual(['169.254.64.1/20', 'fe80::1/64']);
    expect(kernel.routesOf().filter((r) => r.dev === PORT)).toEqual([ROUTE('10.1.0.0/24')]);
  });

  it('makes the port again when the gateway cidr (so its MAC) changed, and sets it up from scratch', async () => {
    const { kernel, vswitch, deps, clearLogs } = setup();
    await ensureHostGateway(deps, hostGatewayAddrs(BRIDGE, '10.250.0.0/20'), { hostRoutes: ['10.1.0.0/24'], snat: false });
    clearLogs();
    await ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24'], snat: false });
    expect(vswitch.writes).toEqual([
      { op: 'deletePorts', bridge: BRIDGE, names: [PORT] },
      { op: 'addPorts', bridge: BRIDGE, ports: [{ name: PORT, type: 'internal', ofportRequest: 65002, mac: A.hostMac }] },
      { op: 'waitForOfports', bridge: BRIDGE, names: [PORT] },
    ]);
    expect(kernel.link(PORT)).toMatchObject({ up: true, mac: A.hostMac, addrs: ['169.254.64.1/20'] });
    expect(kernel.routesOf().filter((r) => r.dev === PORT)).toEqual([ROUTE('10.1.0.0/24')]);
  });

  it('snat toggled off: deletes our table in one transaction; toggled on again: installs it', async () => {
    const { nft, deps, clearLogs } = setup();
    await ensureHostGateway(deps, A, { hostRoutes: [], snat: true });
    clearLogs();
    expect((await ensureHostGateway(deps, A, { hostRoutes: [], snat: false })).changed).toEqual(['nftables']);
    expect(nft.calls).toEqual([{ args: ['-j', 'list', 'table', 'ip', TABLE] }, { args: ['-f', '-'], stdin: removeScript(BRIDGE) }]);
    expect(nft.tables.size).toBe(0);
    clearLogs();
    expect((await ensureHostGateway(deps, A, { hostRoutes: [], snat: false })).changed).toEqual([]);
    expect(nft.writes).toEqual([]);
    await ensureHostGateway(deps, A, { hostRoutes: [], snat: true });
    expect([...nft.tables.keys()]).toEqual([TABLE]);
  });

  it('rewrites a table of ours that holds something else (an older agent, a crash between two edits by hand)', async () => {
    const { nft, deps } = setup();
    nft.seed(TABLE, { postrouting: [{ saddr: A.cidr, notOif: PORT }, { saddr: A.cidr, notOif: PORT }] });
    expect((await ensureHostGateway(deps, A, { hostRoutes: [], snat: true })).changed).toContain('nftables');
    expect(nft.tables.get(TABLE)!.chains.get('postrouting')).toEqual([{ saddr: A.cidr, notOif: PORT }]);
  });

  it('makes again a port of that name that is not ours (wrong type or ofport), then carries on', async () => {
    const { vswitch, deps } = setup();
    vswitch.seedPort(BRIDGE, { name: PORT, type: '', ofport: 7 });
    await ensureHostGateway(deps, A, { hostRoutes: [], snat: false });
    expect(vswitch.writes.slice(0, 2)).toEqual([
      { op: 'deletePorts', bridge: BRIDGE, names: [PORT] },
      { op: 'addPorts', bridge: BRIDGE, ports: [{ name: PORT, type: 'internal', ofportRequest: 65002, mac: A.hostMac }] },
    ]);
    expect(vswitch.port(BRIDGE, PORT)).toMatchObject({ type: 'internal', ofport: 65002, mac: A.hostMac });
  });

  it('converges after a crash at any point: each prefix of the first run, then a full run, ends in the same state', async () => {
    const want = { hostRoutes: ['10.1.0.0/24'], snat: true };
    const done = setup();
    await ensureHostGateway(done.deps, A, want);
    const final = (s: ReturnType<typeof setup>) => ({
      link: s.kernel.link(PORT),
      routes: s.kernel.routesOf(),
      tables: [...s.nft.tables.keys()],
      sysctl: Object.fromEntries(s.sysctl.values),
      ports: s.vswitch.portNames(BRIDGE),
    });
    // Interrupt the first run at each of its write steps (as kill -9 would), then run again.
    const crashes: Array<[string, (s: ReturnType<typeof setup>) => void]> = [
      ['after the port', (s) => s.kernel.failWhen((op) => op.op === 'linkGet', 4, 'Interrupted system call')],
      ['after the address', (s) => s.kernel.failWhen((op) => op.op === 'routeReplace', 4, 'Interrupted system call')],
      ['after the routes', (s) => s.nft.failWhen((c) => (c.args[0] === '-f' ? 'Interrupted' : undefined))],
      ['after the table', (s) => s.sysctl.failWrite(FORWARD, 'Interrupted')],
    ];
    for (const [when, crash] of crashes) {
      const s = setup();
      crash(s);
      await expect(ensureHostGateway(s.deps, A, want), when).rejects.toMatchObject({ code: 'NP_HOST_GATEWAY' });
      s.kernel.clearFailures();
      s.nft.clearFailures();
      s.sysctl.clearFailures();
      await ensureHostGateway(s.deps, A, want);
      expect(final(s), when).toEqual(final(done));
      s.clearLogs();
      expect(await ensureHostGateway(s.deps, A, want), when).toEqual({ changed: [] });
    }
  });

  it('reports a failing step by name, with the cause, and stops there', async () => {
    const { kernel, sysctl, nft, deps } = setup();
    kernel.failWhen((op) => op.op === 'routeReplace', 101, 'Network is unreachable');
    await expect(ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24'], snat: true })).rejects.toMatchObject({
      code: 'NP_HOST_GATEWAY',
      message: `host gateway ${PORT}: routes failed: Network is unreachable`,
      details: { step: 'routes', port: PORT, cause: 'NP_NETLINK' },
    });
    expect(nft.calls).toEqual([]);
    expect(sysctl.writes).toEqual([]);
  });

  it('names the nftables step when nft is missing, and the ovsdb step when vswitchd cannot open the port', async () => {
    const s = setup();
    s.nft.failWhen(() => 'spawn nft ENOENT');
    await expect(ensureHostGateway(s.deps, A, { hostRoutes: [], snat: true })).rejects.toThrow(`host gateway ${PORT}: nftables failed: nft -j list table ip ${TABLE}: spawn nft ENOENT`);
    const t = setup();
    t.vswitch.seedPort(BRIDGE, { name: PORT, type: 'internal', ofport: -1, ofportRequest: 65002, error: 'could not open network device' });
    await expect(ensureHostGateway(t.deps, A, { hostRoutes: [], snat: true })).rejects.toThrow(`host gateway ${PORT}: ovsdb port failed: vswitchd could not open it: could not open network device`);
  });

  it('refuses a route that is not an IPv4 network cidr before changing anything', async () => {
    const { kernel, vswitch, nft, sysctl, deps } = setup();
    await expect(ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24', '10.2.0.1/24'], snat: true })).rejects.toMatchObject({
      code: 'NP_INVALID_ARGUMENT',
      message: 'hostRoutes[1]: "10.2.0.1/24" has host bits set (network address is 10.2.0.0/24)',
    });
    expect([vswitch.calls, kernel.batches, nft.calls, sysctl.writes]).toEqual([[], [], [], []]);
  });
});

describe('removeHostGateway', () => {
  it('removes our routes, our table and the port; leaves others and ip_forward', async () => {
    const { kernel, vswitch, nft, sysctl, deps, clearLogs } = setup();
    await ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24'], snat: true });
    kernel.addRoute({ dst: '10.9.0.0/24', gateway: '192.168.1.1', dev: 'eth0', table: 254, protocol: 4 });
    nft.seed('someone_else', {});
    clearLogs();
    await removeHostGateway(deps, A);
    expect(kernel.batches[1]).toEqual([{ op: 'routeDel', dst: '10.1.0.0/24', gateway: A.routerIp, dev: PORT, protocol: 158, ignoreMissing: true }]);
    expect(nft.writes).toEqual([{ args: ['-f', '-'], stdin: removeScript(BRIDGE) }]);
    expect(vswitch.writes).toEqual([{ op: 'deletePorts', bridge: BRIDGE, names: [PORT] }]);
    expect(kernel.routesOf().map((r) => r.dst)).toEqual(['default', '10.9.0.0/24']);
    expect([...nft.tables.keys()]).toEqual(['someone_else']);
    expect(kernel.link(PORT)).toBeUndefined();
    expect(sysctl.values.get(FORWARD)).toBe('1');
    // Again: nothing left to remove but the (ignored) port delete.
    clearLogs();
    await removeHostGateway(deps, A);
    expect(nft.writes).toEqual([]);
    expect(kernel.batches).toEqual([[{ op: 'routeList' }]]);
  });
});

describe('routeOps', () => {
  it('only deletes routes of ours that are not wanted, and adds only what is missing or wrong', () => {
    const current = [ROUTE('10.1.0.0/24'), { ...ROUTE('10.2.0.0/24'), gateway: '169.254.64.9' }, ROUTE('10.3.0.0/24'), { ...ROUTE('10.4.0.0/24'), protocol: 4 }];
    expect(routeOps(A, current, ['10.1.0.0/24', '10.2.0.0/24', '10.5.0.0/24'])).toEqual([
      { op: 'routeDel', dst: '10.3.0.0/24', gateway: A.routerIp, dev: PORT, protocol: 158, ignoreMissing: true },
      { op: 'routeReplace', dst: '10.2.0.0/24', gateway: A.routerIp, dev: PORT, protocol: 158 },
      { op: 'routeReplace', dst: '10.5.0.0/24', gateway: A.routerIp, dev: PORT, protocol: 158 },
    ]);
  });
});
