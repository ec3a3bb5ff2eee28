/**
 * The fast VXLAN path (docs/platform.md: ~9 Gbit/s against ~1 for OVS's userspace tunnel): one
 * kernel `vxlan` device per VNI on the host's underlay NIC, attached to the integration
 * bridge as an ordinary port, so container offloads stay on and the kernel encapsulates.
 * The device is told where each remote MAC lives (a static forwarding entry MAC → VTEP)
 * and which peers to flood to (all-zero MAC → each peer VTEP with endpoints in the VNI).
 */
import { createVxlan, fdbList, linkDel, linkGet, linkSet, runBatch, type NetlinkOp } from '../datapath/kernel/index.js';
import { NetpluginError } from '../common/errors.js';
import { addPorts, deletePorts, listPorts, waitForOfports, type OvsdbClient, type PortInfo } from '../datapath/ovs/ovsdb/index.js';

/** ofports of kernel VXLAN devices on the integration bridge. */
export const VXLAN_DEVICE_OFPORT_BASE = 60000;
const VNI_KEY = 'netplugin-vni';
const ZERO_MAC = '00:00:00:00:00:00';

/** One VNI that has local ports: its remote MACs and the peers to flood to. */
export interface VxlanNeeds {
  key: number;
  vni: number;
  /** remote endpoint MAC → its host's VTEP. */
  macs: Map<string, string>;
}

/** Device name of a VNI (fits IFNAMSIZ for any 24-bit VNI). */
export function vxlanDeviceName(vni: number): string {
  return `npx${vni}`;
}

/** Makes devices, their OVS ports and forwarding entries match `needs`; returns network key → ofport. */
export async function syncKernelVxlan(ovsdb: OvsdbClient, bridge: string, underlay: { dev: string; vtepIp: string }, needs: VxlanNeeds[]): Promise<Map<number, number>> {
  const ports = (await listPorts(ovsdb, bridge)).filter((p) => p.externalIds[VNI_KEY] !== undefined);
  const wanted = new Map(needs.map((n) => [vxlanDeviceName(n.vni), n]));

  // Devices and ports no longer needed go first (their VNI has no local port any more).
  const stale = ports.filter((p) => !wanted.has(p.name));
  if (stale.length) {
    await deletePorts(ovsdb, bridge, stale.map((p) => p.name));
    for (const p of stale) await linkDel({ name: p.name, ignoreMissing: true });
  }

  const have = new Map(ports.map((p) => [p.name, p]));
  const fresh: { name: string; ofportRequest: number; vni: number }[] = [];
  const used = new Set(ports.map((p) => p.ofportRequest ?? p.ofport));
  let next = VXLAN_DEVICE_OFPORT_BASE;
  for (const [name, n] of wanted) {
    const link = await linkGet({ name });
    if (!link) await createVxlan({ name, vni: n.vni, local: underlay.vtepIp, dev: underlay.dev, learning: false });
    if (!link?.up) await linkSet({ name, up: true });
    if (!have.has(name)) {
      while (used.has(next)) next++;
      used.add(next);
      fresh.push({ name, ofportRequest: next, vni: n.vni });
    }
  }
  if (fresh.length) {
    await addPorts(ovsdb, bridge, fresh.map((f) => ({ name: f.name, ofportRequest: f.ofportRequest, externalIds: { [VNI_KEY]: String(f.vni) } })));
    await waitForOfports(ovsdb, bridge, fresh.map((f) => f.name), 10_000);
  }

  const fdbOps: NetlinkOp[] = [];
  for (const [name, n] of wanted) fdbOps.push(...(await fdbChanges(name, n)));
  // Every entry change of every device in one netlink batch (thousands at convergence).
  const failed = (await runBatch(fdbOps)).find((r) => !r.ok);
  if (failed && !failed.ok) throw new NetpluginError('NP_NETLINK', `updating VXLAN forwarding entries failed: ${failed.error.message}`);

  const byName = new Map<string, PortInfo | { ofport: number }>(have);
  for (const f of fresh) byName.set(f.name, { ofport: f.ofportRequest });
  return new Map(needs.map((n) => [n.key, byName.get(vxlanDeviceName(n.vni))!.ofport]));
}

/** The appends and deletes that make one device's forwarding entries match `n`. */
async function fdbChanges(dev: string, n: VxlanNeeds): Promise<NetlinkOp[]> {
  const want = new Set<string>();
  for (const [mac, vtep] of n.macs) {
    want.add(`${mac}|${vtep}`);
    want.add(`${ZERO_MAC}|${vtep}`);
  }
  const have = new Set((await fdbList({ dev })).filter((e) => e.dst).map((e) => `${e.mac.toLowerCase()}|${e.dst}`));
  const ops: NetlinkOp[] = [];
  for (const k of want) {
    if (have.has(k)) continue;
    const [mac, dst] = k.split('|');
    ops.push({ op: 'fdbAppend', dev, mac, dst });
  }
  for (const k of have) {
    if (want.has(k)) continue;
    const [mac, dst] = k.split('|');
    ops.push({ op: 'fdbDel', dev, mac, dst, ignoreMissing: true });
  }
  return ops;
}
