/**
 * The kernel side of the host gateway (docs/datapath.md, "Host gateway"): an OVS internal port
 * `<bridge>-gw` in the host namespace with the host's gateway address, kernel routes to the local
 * networks through it, IPv4 forwarding, and the nftables masquerade rule for SNAT to the outside.
 * Idempotent and crash-safe: every call reads what is there and writes only the difference, each
 * write leaves a state the next call converges from, and the routes it owns carry their own
 * rtm_protocol so it never touches anybody else's.
 */
import { NetpluginError } from '../common/errors.js';
import { parseCidr } from '../alloc/ip.js';
import type { AddrInfo, Kernel, LinkInfo, NetlinkOp, OpResult, RouteInfo } from '../datapath/kernel/index.js';
import type { PortInfo, Vswitch } from '../datapath/ovs/ovsdb/index.js';
import { RTPROT_NETPLUGIN, type HostGatewayAddrs } from './host-gateway-addrs.js';
import { isMissingTable, nftTableName, NFT_FAMILY, removeScript, snatScript, snatTableMatches, type NftRunner } from './host-gateway-nft.js';
import type { SysctlAccess } from './host-gateway-system.js';

import { ensureForwardAccept, removeForwardAccept, type IptablesRunner } from './host-gateway-forward.js';
export { DEFAULT_GATEWAY_CIDR, HOST_GATEWAY_OFPORT, RTPROT_NETPLUGIN, gatewayCidrProblem, hostGatewayAddrs, hostGatewayPortName, type HostGatewayAddrs } from './host-gateway-addrs.js';
export { hostRouteSubnets, type HostRoutePlan, type LocalSubnet, type SkippedSubnet } from './host-route-subnets.js';
export { execIptables, execNft, procSysctl, type SysctlAccess } from './host-gateway-system.js';
export type { IptablesRunner } from './host-gateway-forward.js';
export type { NftRunner } from './host-gateway-nft.js';

/** What the host gateway is built with: the OVSDB port operations, netlink, sysctls and nft. */
export interface HostGatewayDeps {
  vswitch: Pick<Vswitch, 'listPorts' | 'addPorts' | 'deletePorts' | 'waitForOfports'>;
  kernel: Kernel;
  sysctl: SysctlAccess;
  nft: NftRunner;
  /** The iptables tool, for Docker's DOCKER-USER chain (absent: that firewall is not looked at). */
  iptables?: IptablesRunner;
}

/** What the round wants of the gateway. */
export interface HostGatewayWant {
  /** IPv4 subnets to route to the gateway port (hostRouteSubnets' `routed`). */
  hostRoutes: string[];
  /** Whether our masquerade table should exist. */
  snat: boolean;
  /** The integration bridge's ports as the caller just listed them; listed here when absent. */
  ports?: readonly PortInfo[];
}

/** The steps of a call that wrote something (empty when all was in place). */
export interface HostGatewayReport {
  changed: string[];
}

/** How long to wait for vswitchd to open a port just added. */
const OFPORT_WAIT_MS = 10_000;

/**
 * The sysctls forwarding through the port needs. IPv4 forwards a packet only if its input device
 * has forwarding on: `ip_forward` turns it on for every device (and the default for new ones), and
 * the port's own key covers a port made while someone had set the default to 0. rp_filter needs
 * nothing: what arrives on the port comes from a transit address (connected /20 on the port) or
 * from a subnet routed to the port, so even strict reverse-path checking accepts it.
 */
function forwardingSysctls(port: string): Array<[string, string]> {
  return [
    ['net/ipv4/ip_forward', '1'],
    [`net/ipv4/conf/${port}/forwarding`, '1'],
  ];
}

/** Runs `fn` as the step `name`: any failure becomes NP_HOST_GATEWAY naming the port and the step. */
async function step<T>(a: HostGatewayAddrs, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const err = e as Error & { code?: string };
    throw new NetpluginError('NP_HOST_GATEWAY', `host gateway ${a.portName}: ${name} failed: ${err.message}`, { step: name, port: a.portName, cause: err.code });
  }
}

/** Throws the first failed result's error. */
function firstFailure(results: OpResult[]): void {
  const bad = results.find((r) => !r.ok);
  if (bad && !bad.ok) throw bad.error;
}

/** Refuses a route list with anything but IPv4 network cidrs, before anything is changed. */
function checkRoutes(routes: readonly string[]): void {
  routes.forEach((r, i) => {
    const p = parseCidr(r);
    if (!p.ok) throw new NetpluginError('NP_INVALID_ARGUMENT', `hostRoutes[${i}]: ${p.reason}`, { field: `hostRoutes[${i}]`, value: r });
  });
}

/** Makes the OVSDB port exist as ours: internal, at the fixed ofport, with the gateway MAC. */
async function ensurePort(deps: HostGatewayDeps, a: HostGatewayAddrs, listed: readonly PortInfo[] | undefined): Promise<boolean> {
  const find = (ports: readonly PortInfo[]) => ports.find((p) => p.name === a.portName);
  // A caller's listing without the port may predate it: only a fresh one decides to add it.
  const port = (listed && find(listed)) || find(await deps.vswitch.listPorts(a.bridge));
  if (port && port.ofport === -1) throw new Error(`vswitchd could not open it: ${port.error ?? 'no reason given'}`);
  // mac is mac_in_use: absent until vswitchd has opened the port, so only a present one can differ.
  const ours = port && port.type === 'internal' && port.ofportRequest === a.ofport && (port.mac === undefined || port.mac.toLowerCase() === a.hostMac);
  if (ours) return false;
  // Someone else's port by that name, or one of an older config: made again (two transactions; a
  // crash between them leaves no port, which the next call adds).
  if (port) await deps.vswitch.deletePorts(a.bridge, [a.portName]);
  await deps.vswitch.addPorts(a.bridge, [{ name: a.portName, type: 'internal', ofportRequest: a.ofport, mac: a.hostMac }]);
  await deps.vswitch.waitForOfports(a.bridge, [a.portName], OFPORT_WAIT_MS);
  return true;
}

/** The port's link, its addresses and the main table, in one batch. */
async function readKernel(kernel: Kernel, a: HostGatewayAddrs): Promise<{ link: LinkInfo; addrs: AddrInfo[]; routes: RouteInfo[] }> {
  const [link, addrs, routes] = await kernel.run([
    { op: 'linkGet', name: a.portName },
    { op: 'addrList', name: a.portName },
    { op: 'routeList' },
  ]);
  if (link.ok && link.value === undefined) throw new Error(`link ${a.portName} does not exist (vswitchd has not made it yet)`);
  firstFailure([link, addrs, routes]);
  return { link: (link as { value: LinkInfo }).value, addrs: (addrs as { value: AddrInfo[] }).value, routes: (routes as { value: RouteInfo[] }).value };
}

/** The link up with exactly the gateway's IPv4 address (IPv6 link-local ones are the kernel's). */
function linkOps(a: HostGatewayAddrs, link: LinkInfo, addrs: AddrInfo[]): NetlinkOp[] {
  const ops: NetlinkOp[] = [];
  if (!link.up) ops.push({ op: 'linkSet', name: a.portName, up: true });
  const v4 = addrs.filter((x) => x.family === 4);
  for (const x of v4) if (x.cidr !== a.hostCidr) ops.push({ op: 'addrDel', name: a.portName, cidr: x.cidr, ignoreMissing: true });
  if (!v4.some((x) => x.cidr === a.hostCidr)) ops.push({ op: 'addrAdd', name: a.portName, cidr: a.hostCidr });
  return ops;
}

/** Our routes (protocol RTPROT_NETPLUGIN on our port) of a main-table listing. */
function ourRoutes(a: HostGatewayAddrs, routes: RouteInfo[]): RouteInfo[] {
  return routes.filter((r) => r.protocol === RTPROT_NETPLUGIN && r.dev === a.portName);
}

/** Deletes our routes to subnets no longer wanted, then adds or corrects the wanted ones. Pure. */
export function routeOps(a: HostGatewayAddrs, current: RouteInfo[], wanted: readonly string[]): NetlinkOp[] {
  const want = new Set(wanted);
  const ours = ourRoutes(a, current);
  const ops: NetlinkOp[] = [];
  for (const r of ours) {
    if (want.has(r.dst)) continue;
    ops.push({ op: 'routeDel', dst: r.dst, gateway: r.gateway, dev: a.portName, protocol: RTPROT_NETPLUGIN, ignoreMissing: true });
  }
  for (const dst of want) {
    if (ours.some((r) => r.dst === dst && r.gateway === a.routerIp)) continue;
    ops.push({ op: 'routeReplace', dst, gateway: a.routerIp, dev: a.portName, protocol: RTPROT_NETPLUGIN });
  }
  return ops;
}

/** Whether our nft table exists, and its `nft -j` listing when it does. */
async function readTable(nft: NftRunner, bridge: string): Promise<string | undefined> {
  try {
    return await nft.run(['-j', 'list', 'table', NFT_FAMILY, nftTableName(bridge)]);
  } catch (e) {
    if (isMissingTable(e)) return undefined;
    throw e;
  }
}

/** Writes the sysctls that differ; true when one was written. */
async function ensureSysctls(sysctl: SysctlAccess, want: Array<[string, string]>): Promise<boolean> {
  let wrote = false;
  for (const [key, value] of want) {
    if ((await sysctl.read(key)) === value) continue;
    await sysctl.write(key, value);
    wrote = true;
  }
  return wrote;
}

/**
 * Brings the host gateway in line with `want`; may be called every round (it then only reads).
 * Bad input (a route that is no IPv4 network cidr) is refused before anything changes; a failing
 * step throws NP_HOST_GATEWAY naming it, and the next call picks up from there.
 */
export async function ensureHostGateway(deps: HostGatewayDeps, a: HostGatewayAddrs, want: HostGatewayWant): Promise<HostGatewayReport> {
  checkRoutes(want.hostRoutes);
  const changed: string[] = [];
  if (await step(a, 'ovsdb port', () => ensurePort(deps, a, want.ports))) changed.push('ovsdb port');
  const k = await step(a, 'kernel read', () => readKernel(deps.kernel, a));
  const link = linkOps(a, k.link, k.addrs);
  if (link.length) {
    await step(a, 'link and address', async () => firstFailure(await deps.kernel.run(link)));
    changed.push('link and address');
  }
  const routes = routeOps(a, k.routes, want.hostRoutes);
  if (routes.length) {
    await step(a, 'routes', async () => firstFailure(await deps.kernel.run(routes)));
    changed.push('routes');
  }
  const nftChanged = await step(a, 'nftables', async () => {
    const listing = await readTable(deps.nft, a.bridge);
    if (want.snat && (listing === undefined || !snatTableMatches(listing, a))) await deps.nft.run(['-f', '-'], snatScript(a));
    else if (!want.snat && listing !== undefined) await deps.nft.run(['-f', '-'], removeScript(a.bridge));
    else return false;
    return true;
  });
  if (nftChanged) changed.push('nftables');
  if (await step(a, 'sysctl', () => ensureSysctls(deps.sysctl, forwardingSysctls(a.portName)))) changed.push('sysctl');
  const ipt = deps.iptables;
  if (want.snat && ipt && (await step(a, 'docker-user accept', () => ensureForwardAccept(ipt, a.portName)))) changed.push('docker-user accept');
  return { changed };
}

/**
 * Removes the host gateway: our routes, our nft table and the port. ip_forward stays as it is:
 * the host's other users of forwarding (Docker, other bridges) may rely on it.
 */
export async function removeHostGateway(deps: HostGatewayDeps, a: HostGatewayAddrs): Promise<void> {
  await step(a, 'routes', async () => {
    const [routes] = await deps.kernel.run([{ op: 'routeList' }]);
    firstFailure([routes]);
    const ops = routeOps(a, (routes as { value: RouteInfo[] }).value, []);
    if (ops.length) firstFailure(await deps.kernel.run(ops));
  });
  await step(a, 'nftables', async () => {
    if ((await readTable(deps.nft, a.bridge)) !== undefined) await deps.nft.run(['-f', '-'], removeScript(a.bridge));
  });
  const ipt = deps.iptables;
  if (ipt) await step(a, 'docker-user accept', () => removeForwardAccept(ipt, a.portName));
  await step(a, 'ovsdb port', () => deps.vswitch.deletePorts(a.bridge, [a.portName]));
}
