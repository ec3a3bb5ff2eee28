/**
 * The host's connection to other hosts (docs/platform.md, userspace datapath): a second bridge
 * `<bridge>-phy` (a plain learning switch) holds the uplink NIC and carries the VTEP
 * address on its internal port; the integration bridge reaches it through a patch pair
 * (VLAN networks, tagged) and holds one flow-based VXLAN port (VXLAN networks). The uplink
 * is a trunk carrying untagged underlay traffic (VLAN 0) and exactly the allocated VLANs.
 */
import { runOneOn, type Kernel, type LinkInfo } from '../datapath/kernel/index.js';
import type { PortInfo, PortSpec, Vswitch } from '../datapath/ovs/ovsdb/index.js';
import { createSocket } from 'node:dgram';
import { NetpluginError } from '../common/errors.js';

/** Fixed ofports of the fabric ports on the integration bridge (endpoints use 1 and up). */
export const TUNNEL_OFPORT = 65000;
export const UPLINK_OFPORT = 65001;

/** What the underlay needs. */
export interface UnderlaySpec {
  bridge: string;
  datapathType: 'netdev' | 'system';
  /** Host NIC toward the physical network (VLAN trunk, VXLAN underlay). */
  uplink?: string;
  /** VTEP address, `IP` or `IP/PREFIX` (default prefix 24). */
  vtep?: string;
  /** VLAN ids allocated cluster-wide: the trunk carries exactly these (plus untagged). */
  vlans: number[];
}

/** ofports of what was set up. */
export interface Fabric {
  tunnelOfport?: number;
  uplinkOfport?: number;
}

/** Names derived from the integration bridge's name (kept within IFNAMSIZ for kernel-visible ones). */
export function underlayNames(bridge: string): { phy: string; patchUp: string; patchDown: string; tunnel: string } {
  return { phy: `${bridge}-phy`, patchUp: `${bridge}-up`, patchDown: `${bridge}-dn`, tunnel: `${bridge}-tun` };
}

/** What setting up the underlay needs. */
export interface UnderlayContext {
  vswitch: Vswitch;
  kernel: Kernel;
}

/**
 * Creates or repairs the underlay (idempotent); returns the fabric ports' ofports.
 * `intPorts` are the integration bridge's ports as the caller just listed them.
 */
export async function ensureUnderlay(ctx: UnderlayContext, spec: UnderlaySpec, intPorts: readonly PortInfo[]): Promise<Fabric> {
  if (!spec.uplink) return {};
  const { vswitch, kernel } = ctx;
  const names = underlayNames(spec.bridge);
  const uplink = (await runOneOn(kernel, { op: 'linkGet', name: spec.uplink })) as LinkInfo | undefined;
  if (!uplink) throw new NetpluginError('NP_NOT_FOUND', `uplink interface ${spec.uplink} does not exist on this host`);
  await vswitch.ensureBridge({
    name: names.phy,
    datapathType: spec.datapathType,
    failMode: 'standalone',
    // The VTEP answers with the uplink's MAC, as the NIC's own address would.
    otherConfig: { hwaddr: uplink.mac },
    externalIds: { 'netplugin-owner': spec.bridge },
  });
  const trunks = [0, ...[...new Set(spec.vlans)].sort((a, b) => a - b)];
  const phyPorts = new Set((await vswitch.listPorts(names.phy)).map((p) => p.name));
  const addPhy: PortSpec[] = [];
  if (!phyPorts.has(spec.uplink)) addPhy.push({ name: spec.uplink, trunks });
  if (!phyPorts.has(names.patchDown)) addPhy.push({ name: names.patchDown, type: 'patch', options: { peer: names.patchUp } });
  if (addPhy.length) await vswitch.addPorts(names.phy, addPhy);
  else await setTrunks(vswitch, spec.uplink, trunks);

  const have = new Set(intPorts.map((p) => p.name));
  const addInt: PortSpec[] = [];
  if (!have.has(names.patchUp)) addInt.push({ name: names.patchUp, type: 'patch', options: { peer: names.patchDown }, ofportRequest: UPLINK_OFPORT });
  if (spec.vtep && !have.has(names.tunnel)) {
    addInt.push({ name: names.tunnel, type: 'vxlan', options: { remote_ip: 'flow', key: 'flow', tos: 'inherit' }, ofportRequest: TUNNEL_OFPORT });
  }
  if (addInt.length) await vswitch.addPorts(spec.bridge, addInt);

  if (spec.vtep) {
    const cidr = spec.vtep.includes('/') ? spec.vtep : `${spec.vtep}/24`;
    // The phy bridge's internal port appears once vswitchd has created it.
    for (let i = 0; i < 100 && !(await runOneOn(kernel, { op: 'linkGet', name: names.phy })); i++) await new Promise((r) => setTimeout(r, 50));
    const [addr, up] = await kernel.run([
      { op: 'addrAdd', name: names.phy, cidr },
      { op: 'linkSet', name: names.phy, up: true },
    ]);
    if (!addr.ok) throw addr.error;
    if (!up.ok) throw up.error;
  }
  return { uplinkOfport: UPLINK_OFPORT, tunnelOfport: spec.vtep ? TUNNEL_OFPORT : undefined };
}

/** Makes the uplink carry exactly `trunks`; writes (and waits for vswitchd) only on a change. */
async function setTrunks(vswitch: Vswitch, port: string, trunks: number[]): Promise<void> {
  const current = await vswitch.portTrunks(port);
  if (current && current.length === trunks.length && current.every((v, i) => v === trunks[i])) return;
  await vswitch.setPortTrunks(port, trunks);
  // Measured here: vswitchd applied a trunks change only once next_cfg moved (as ovs-vsctl does).
  await vswitch.waitForVswitchd(10_000);
}

/**
 * Userspace tunnels resolve a peer VTEP's MAC by snooping ARP on the phy bridge, so the
 * first packet toward a new peer is lost while that happens. Sending one UDP datagram to
 * each new peer (discard port) from this host makes the kernel ARP for it first.
 */
export class TunnelNeighborWarmer {
  private warmed = new Set<string>();

  /** Sends one datagram to each VTEP not warmed before. */
  warm(vteps: Iterable<string>): void {
    const fresh = [...vteps].filter((ip) => !this.warmed.has(ip));
    if (fresh.length === 0) return;
    const sock = createSocket('udp4');
    sock.on('error', () => sock.close());
    let left = fresh.length;
    for (const ip of fresh) {
      this.warmed.add(ip);
      sock.send(Buffer.alloc(1), UDP_DISCARD_PORT, ip, () => {
        if (--left === 0) sock.close();
      });
    }
  }

  /** Forgets everything (after the underlay was rebuilt). */
  reset(): void {
    this.warmed.clear();
  }
}

const UDP_DISCARD_PORT = 9;
