/**
 * The kernel half of the host gateway (src/agent/host-gateway.ts) for real, without OVS: in a
 * throwaway namespace `np-hgw<rand>h` standing in for the host, a veth named like the gateway port
 * (its peer in `np-hgw<rand>p` plays the OVS side: the router address, a transit address and one
 * "endpoint" address) and a veth to `np-hgw<rand>o`, an "outside" server. The agent's code runs
 * with its netlink, sysctl and nft seams pointed into the host namespace; the OVSDB seam is a stub
 * that reports the port as made. Checks addresses, routes with our protocol, stale route removal,
 * sysctls, the nft table present/absent, and that traffic is really forwarded and masqueraded.
 * Needs root and nft; traffic only between 169.254.64.0/20, 10.1.0.0/24 and 203.0.113.0/24
 * addresses inside these namespaces, all deleted in afterAll (also on failure).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureHostGateway, execIptables, execNft, hostGatewayAddrs, removeHostGateway, RTPROT_NETPLUGIN, type HostGatewayDeps, type SysctlAccess } from '../../src/agent/host-gateway.js';
import { runBatch, type Kernel, type NetlinkOp } from '../../src/datapath/kernel/index.js';
import type { PortInfo } from '../../src/datapath/ovs/ovsdb/index.js';

const rand = randomBytes(3).toString('hex');
const ns = { host: `np-hgw${rand}h`, peer: `np-hgw${rand}p`, out: `np-hgw${rand}o` };
const HOST = `/run/netns/${ns.host}`;
const BRIDGE = `hgw${rand}`;
const A = hostGatewayAddrs(BRIDGE);
const TABLE = `netplugin_${BRIDGE}`;
const TRANSIT = A.transitIp(1);
const ENDPOINT = '10.1.0.5';
const OUTSIDE = { host: '203.0.113.1', server: '203.0.113.2' };

function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] }).trim();
}
const inNs = (n: string, args: string[], input?: string) => sh('ip', ['netns', 'exec', n, ...args], input);
/** Two pings from `n` (optionally from source `src`); true when a reply came back. */
function ping(n: string, dst: string, src?: string): boolean {
  const args = ['netns', 'exec', n, 'ping', '-c', '2', '-i', '0.2', '-W', '1', ...(src ? ['-I', src] : []), dst];
  return spawnSync('ip', args, { stdio: 'ignore' }).status === 0;
}
const routesOfProto = (proto: number) => JSON.parse(inNs(ns.host, ['ip', '-j', 'route', 'show', 'proto', String(proto)])) as Array<{ dst: string; gateway?: string; dev: string }>;
const tableExists = () => spawnSync('ip', ['netns', 'exec', ns.host, 'nft', '-j', 'list', 'table', 'ip', TABLE], { stdio: 'ignore' }).status === 0;

/** The kernel seam with every op sent into the host namespace. */
const kernel: Kernel = { run: (ops: NetlinkOp[]) => runBatch(ops.map((o) => ({ ...o, netns: HOST }) as NetlinkOp)) };
/** Sysctls of the host namespace (/proc/sys/net shows the namespace of the process reading it). */
const sysctl: SysctlAccess = {
  read: async (key) => {
    const r = spawnSync('ip', ['netns', 'exec', ns.host, 'cat', `/proc/sys/${key}`], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : undefined;
  },
  write: async (key, value) => void inNs(ns.host, ['tee', `/proc/sys/${key}`], value),
};
/** OVSDB stands in as if vswitchd had made the port (the veth below plays it). */
const port: PortInfo = { name: A.portName, type: 'internal', ofport: A.ofport, ofportRequest: A.ofport, mac: A.hostMac, externalIds: {}, options: {} };
const deps: HostGatewayDeps = {
  vswitch: {
    listPorts: async () => [port],
    addPorts: async () => {
      throw new Error('the port exists: nothing should add it');
    },
    deletePorts: async () => {},
    waitForOfports: async () => new Map([[A.portName, A.ofport]]),
  },
  kernel,
  sysctl,
  nft: execNft(['ip', 'netns', 'exec', ns.host, 'nft']),
};

beforeAll(() => {
  for (const n of Object.values(ns)) sh('ip', ['netns', 'add', n]);
  // The gateway port (left down: ensureHostGateway brings it up) and the OVS side.
  sh('ip', ['-n', ns.host, 'link', 'add', A.portName, 'address', A.hostMac, 'type', 'veth', 'peer', 'name', 'ovs0', 'netns', ns.peer]);
  inNs(ns.peer, ['ip', 'addr', 'add', `${A.routerIp}/20`, 'dev', 'ovs0']);
  inNs(ns.peer, ['ip', 'addr', 'add', `${TRANSIT}/20`, 'dev', 'ovs0']);
  inNs(ns.peer, ['ip', 'addr', 'add', `${ENDPOINT}/32`, 'dev', 'lo']);
  inNs(ns.peer, ['ip', 'link', 'set', 'lo', 'up']);
  inNs(ns.peer, ['ip', 'link', 'set', 'ovs0', 'up']);
  inNs(ns.peer, ['ip', 'route', 'add', 'default', 'via', A.hostIp]);
  // The egress interface and a server outside that knows no route back to the gateway cidr.
  sh('ip', ['-n', ns.host, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.out]);
  inNs(ns.host, ['ip', 'addr', 'add', `${OUTSIDE.host}/24`, 'dev', 'eth0']);
  inNs(ns.host, ['ip', 'link', 'set', 'eth0', 'up']);
  inNs(ns.out, ['ip', 'addr', 'add', `${OUTSIDE.server}/24`, 'dev', 'eth0']);
  inNs(ns.out, ['ip', 'link', 'set', 'eth0', 'up']);
  // Some kernels give a new namespace the initial one's forwarding: start from off, so turning it on is seen.
  inNs(ns.host, ['tee', '/proc/sys/net/ipv4/ip_forward'], '0');
});

afterAll(() => {
  for (const n of Object.values(ns)) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
});

describe('host gateway, kernel half, in a namespace', () => {
  it('starts from a namespace that forwards nothing and routes nothing of ours (the controls)', () => {
    expect(inNs(ns.host, ['cat', '/proc/sys/net/ipv4/ip_forward'])).toBe('0');
    expect(inNs(ns.host, ['cat', `/proc/sys/net/ipv4/conf/${A.portName}/forwarding`])).toBe('0');
    expect(routesOfProto(RTPROT_NETPLUGIN)).toEqual([]);
    expect(tableExists()).toBe(false);
    expect(ping(ns.host, ENDPOINT)).toBe(false);
    expect(ping(ns.peer, OUTSIDE.server, TRANSIT)).toBe(false);
  });

  it('first run: port up with the address, routes with our protocol, forwarding on, table in; traffic flows both ways', async () => {
    const report = await ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24', '10.99.0.0/24'], snat: true });
    expect(report.changed).toEqual(['link and address', 'routes', 'nftables', 'sysctl']);
    const link = JSON.parse(inNs(ns.host, ['ip', '-j', 'addr', 'show', 'dev', A.portName]))[0] as { flags: string[]; address: string; addr_info: Array<{ family: string; local: string; prefixlen: number }> };
    expect(link.flags).toContain('UP');
    expect(link.address).toBe(A.hostMac);
    expect(link.addr_info.filter((x) => x.family === 'inet').map((x) => `${x.local}/${x.prefixlen}`)).toEqual([A.hostCidr]);
    expect(routesOfProto(RTPROT_NETPLUGIN)).toEqual([
      expect.objectContaining({ dst: '10.1.0.0/24', gateway: A.routerIp, dev: A.portName }),
      expect.objectContaining({ dst: '10.99.0.0/24', gateway: A.routerIp, dev: A.portName }),
    ]);
    expect(inNs(ns.host, ['cat', '/proc/sys/net/ipv4/ip_forward'])).toBe('1');
    expect(inNs(ns.host, ['cat', `/proc/sys/net/ipv4/conf/${A.portName}/forwarding`])).toBe('1');
    const rules = (JSON.parse(inNs(ns.host, ['nft', '-j', 'list', 'table', 'ip', TABLE])) as { nftables: Array<{ rule?: unknown }> }).nftables.filter((i) => i.rule);
    expect(rules).toHaveLength(1);
    // Host -> "endpoint" through the router address, and transit -> outside masqueraded to the
    // host's egress address (the server has no route back to the transit address).
    expect(ping(ns.host, ENDPOINT)).toBe(true);
    expect(ping(ns.peer, OUTSIDE.server, TRANSIT)).toBe(true);
  });

  it('second run changes nothing', async () => {
    expect(await ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24', '10.99.0.0/24'], snat: true })).toEqual({ changed: [] });
  });

  it('removes a stale route of ours and leaves a route of another protocol through the same port alone', async () => {
    inNs(ns.host, ['ip', 'route', 'add', '10.98.0.0/24', 'via', A.routerIp, 'dev', A.portName, 'proto', 'static']);
    const report = await ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24'], snat: true });
    expect(report.changed).toEqual(['routes']);
    expect(routesOfProto(RTPROT_NETPLUGIN).map((r) => r.dst)).toEqual(['10.1.0.0/24']);
    expect(routesOfProto(4).map((r) => r.dst)).toEqual(['10.98.0.0/24']);
  });

  it('snat off removes the table and the outside is unreachable again; on puts it back', async () => {
    expect((await ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24'], snat: false })).changed).toEqual(['nftables']);
    expect(tableExists()).toBe(false);
    expect(ping(ns.peer, OUTSIDE.server, TRANSIT)).toBe(false);
    expect(ping(ns.host, ENDPOINT)).toBe(true);
    expect((await ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24'], snat: true })).changed).toEqual(['nftables']);
    expect(tableExists()).toBe(true);
    expect(ping(ns.peer, OUTSIDE.server, TRANSIT)).toBe(true);
  });

  it('a table of ours left with a duplicate rule is replaced by exactly one', async () => {
    inNs(ns.host, ['nft', 'add', 'rule', 'ip', TABLE, 'postrouting', 'ip', 'saddr', A.cidr, 'oifname', '!=', A.portName, 'masquerade']);
    expect((await ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24'], snat: true })).changed).toEqual(['nftables']);
    const rules = (JSON.parse(inNs(ns.host, ['nft', '-j', 'list', 'table', 'ip', TABLE])) as { nftables: Array<{ rule?: unknown }> }).nftables.filter((i) => i.rule);
    expect(rules).toHaveLength(1);
  });

  it('behind Docker\'s firewall (FORWARD policy DROP, DOCKER-USER first) SNAT flows once our accept rules are in', async () => {
    const ipt = (...args: string[]) => inNs(ns.host, ['iptables', '-w', '5', ...args]);
    ipt('-N', 'DOCKER-USER');
    ipt('-A', 'DOCKER-USER', '-j', 'RETURN');
    ipt('-A', 'FORWARD', '-j', 'DOCKER-USER');
    ipt('-P', 'FORWARD', 'DROP');
    // The control: the firewall drops what the gateway forwards.
    expect(ping(ns.peer, OUTSIDE.server, TRANSIT)).toBe(false);
    const withIptables: HostGatewayDeps = { ...deps, iptables: execIptables(['ip', 'netns', 'exec', ns.host, 'iptables']) };
    expect((await ensureHostGateway(withIptables, A, { hostRoutes: ['10.1.0.0/24'], snat: true })).changed).toEqual(['docker-user accept']);
    expect(ping(ns.peer, OUTSIDE.server, TRANSIT)).toBe(true);
    expect((await ensureHostGateway(withIptables, A, { hostRoutes: ['10.1.0.0/24'], snat: true })).changed).toEqual([]);
    expect(ipt('-S', 'DOCKER-USER').trim().split('\n')).toEqual([
      '-N DOCKER-USER',
      `-A DOCKER-USER -i ${A.portName} -j ACCEPT`,
      `-A DOCKER-USER -o ${A.portName} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      '-A DOCKER-USER -j RETURN',
    ]);
    await removeHostGateway(withIptables, A);
    expect(ipt('-S', 'DOCKER-USER').trim().split('\n')).toEqual(['-N DOCKER-USER', '-A DOCKER-USER -j RETURN']);
    // Put the gateway back for the removal test below.
    await ensureHostGateway(deps, A, { hostRoutes: ['10.1.0.0/24'], snat: true });
  });

  it('removeHostGateway takes our routes and table away and leaves the other route and ip_forward', async () => {
    await removeHostGateway(deps, A);
    expect(routesOfProto(RTPROT_NETPLUGIN)).toEqual([]);
    expect(routesOfProto(4).map((r) => r.dst)).toEqual(['10.98.0.0/24']);
    expect(tableExists()).toBe(false);
    expect(inNs(ns.host, ['cat', '/proc/sys/net/ipv4/ip_forward'])).toBe('1');
  });
});
