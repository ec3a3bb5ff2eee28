/**
 * The host's connection to other hosts (docs/platform.md, userspace datapath): a second bridge
 * `<bridge>-phy` (a plain learning switch) holds the uplink NIC and carries the VTEP
 * address on its internal port; the integration bridge reaches it through a patch pair
 * (VLAN networks, tagged) and holds one flow-based VXLAN port (VXLAN networks). The uplink
 * is a trunk carrying untagged underlay traffic (VLAN 0) and exactly the allocated VLANs.
 */
import { addrAdd, linkGet, linkSet } from '../datapath/kernel/index.js';
import { addPorts, ensureBridge, listPorts, waitForVswitchd, type OvsdbClient } from '../datapath/ovs/ovsdb/index.js';
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

/** Creates or repairs the underlay (idempotent); returns the fabric ports' ofports. */
export async function ensureUnderlay(ovsdb: OvsdbClient, spec: UnderlaySpec): Promise<Fabric> {
  if (!spec.uplink) return {};
  const names = underlayNames(spec.bridge);
  const uplink = await linkGet({ name: spec.uplink });
  if (!uplink) throw new NetpluginError('NP_NOT_FOUND', `uplink interface ${spec.uplink} does not exist on this host`);
  await ensureBridge(ovsdb, {
    name: names.phy,
    datapathType: spec.datapathType,
    failMode: 'standalone',
    // The VTEP answers with the uplink's MAC, as the NIC's own address would.
    otherConfig: { hwaddr: uplink.mac },
    externalIds: { 'netplugin-owner': spec.bridge },
  });
  const trunks = [0, ...[...new Set(spec.vlans)].sort((a, b) => a - b)];
  const phyPorts = new Map((await listPorts(ovsdb, names.phy)).map((p) => [p.name, p]));
  const addPhy = [];
  if (!phyPorts.has(spec.uplink)) addPhy.push({ name: spec.uplink, trunks });
  if (!phyPorts.has(names.patchDown)) addPhy.push({ name: names.patchDown, type: 'patch', options: { peer: names.patchUp } });
  if (addPhy.length) await addPorts(ovsdb, names.phy, addPhy);
  else await setTrunks(ovsdb, spec.uplink, trunks);

  const intPorts = new Map((await listPorts(ovsdb, spec.bridge)).map((p) => [p.name, p]));
  const addInt = [];
  if (!intPorts.has(names.patchUp)) addInt.push({ name: names.patchUp, type: 'patch', options: { peer: names.patchDown }, ofportRequest: UPLINK_OFPORT });
  if (spec.vtep && !intPorts.has(names.tunnel)) {
    addInt.push({ name: names.tunnel, type: 'vxlan', options: { remote_ip: 'flow', key: 'flow' }, ofportRequest: TUNNEL_OFPORT });
  }
  if (addInt.length) await addPorts(ovsdb, spec.bridge, addInt);

  if (spec.vtep) {
    const cidr = spec.vtep.includes('/') ? spec.vtep : `${spec.vtep}/24`;
    // The phy bridge's internal port appears once vswitchd has created it.
    for (let i = 0; i < 100 && !(await linkGet({ name: names.phy })); i++) await new Promise((r) => setTimeout(r, 50));
    await addrAdd({ name: names.phy, cidr });
    await linkSet({ name: names.phy, up: true });
  }
  return { uplinkOfport: UPLINK_OFPORT, tunnelOfport: spec.vtep ? TUNNEL_OFPORT : undefined };
}

async function setTrunks(ovsdb: OvsdbClient, port: string, trunks: number[]): Promise<void> {
  const [res] = (await ovsdb.transact([{ op: 'select', table: 'Port', where: [['name', '==', port]], columns: ['trunks'] }])) as { rows: { trunks: unknown }[] }[];
  const cur = res.rows[0]?.trunks;
  const current = Array.isArray(cur) && cur[0] === 'set' ? (cur[1] as number[]) : typeof cur === 'number' ? [cur] : [];
  if (JSON.stringify([...current].sort((a, b) => a - b)) === JSON.stringify(trunks)) return;
  await ovsdb.transact([{ op: 'update', table: 'Port', where: [['name', '==', port]], row: { trunks: ['set', trunks] } }]);
  // Measured here: vswitchd applied a trunks change only once next_cfg moved (as ovs-vsctl does).
  await waitForVswitchd(ovsdb, 10_000);
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
