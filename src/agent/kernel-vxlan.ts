/**
 * The fast VXLAN path (docs/platform.md: ~9 Gbit/s against ~1 for OVS's userspace tunnel): one
 * kernel `vxlan` device per VNI on the host's underlay NIC, attached to the integration
 * bridge as an ordinary port, so container offloads stay on and the kernel encapsulates.
 * The device is told where each remote MAC lives (a static forwarding entry MAC → VTEP)
 * and which peers to flood to (all-zero MAC → each peer VTEP with endpoints in the VNI).
 */
import type { FdbEntry, Kernel, LinkInfo, NetlinkOp, OpResult } from '../datapath/kernel/index.js';
import { NetpluginError } from '../common/errors.js';
import type { PortInfo, Vswitch } from '../datapath/ovs/ovsdb/index.js';

/** ofports of kernel VXLAN devices on the integration bridge. */
export const VXLAN_DEVICE_OFPORT_BASE = 60000;
/** external_ids key that marks a port as the kernel VXLAN device of a VNI. */
export const VNI_KEY = 'netplugin-vni';
const ZERO_MAC = '00:00:00:00:00:00';

/** One VNI that has local ports: its remote MACs and the peers to flood to. */
export interface VxlanNeeds {
  key: number;
  vni: number;
  /** remote endpoint MAC → its host's VTEP. */
  macs: Map<string, string>;
}

/** Where kernel VXLAN devices live. */
export interface VxlanContext {
  vswitch: Vswitch;
  kernel: Kernel;
  bridge: string;
  /** The underlay NIC the devices send through, and its address (the VTEP). */
  underlay: { dev: string; vtepIp: string };
}

/** Device name of a VNI (fits IFNAMSIZ for any 24-bit VNI). */
export function vxlanDeviceName(vni: number): string {
  return `npx${vni}`;
}

function failed(r: OpResult | undefined, what: string): never {
  const message = r && !r.ok ? r.error.message : 'no result';
  throw new NetpluginError('NP_NETLINK', `${what} failed: ${message}`);
}

/**
 * Makes devices, their OVS ports and forwarding entries match `needs`; returns network
 * key → ofport. `ports` are the integration bridge's ports as the caller just listed them.
 */
export async function syncKernelVxlan(ctx: VxlanContext, ports: readonly PortInfo[], needs: VxlanNeeds[]): Promise<Map<number, number>> {
  const { vswitch, kernel, bridge } = ctx;
  const mine = ports.filter((p) => p.externalIds[VNI_KEY] !== undefined);
  const wanted = new Map(needs.map((n) => [vxlanDeviceName(n.vni), n]));

  // Devices and ports no longer needed go first (their VNI has no local port any more).
  const stale = mine.filter((p) => !wanted.has(p.name));
  if (stale.length) {
    await vswitch.deletePorts(bridge, stale.map((p) => p.name));
    await kernel.run(stale.map((p): NetlinkOp => ({ op: 'linkDel', name: p.name, ignoreMissing: true })));
  }
  if (wanted.size === 0) return new Map();

  // One batch reads every wanted device and its forwarding entries.
  const names = [...wanted.keys()];
  const read = await kernel.run(names.flatMap((name): NetlinkOp[] => [{ op: 'linkGet', name }, { op: 'fdbList', dev: name }]));
  const links = new Map<string, LinkInfo | undefined>();
  const fdbs = new Map<string, FdbEntry[]>();
  names.forEach((name, i) => {
    const link = read[2 * i];
    if (!link.ok) failed(link, `reading VXLAN device ${name}`);
    links.set(name, link.value as LinkInfo | undefined);
    const fdb = read[2 * i + 1];
    fdbs.set(name, fdb.ok ? (fdb.value as FdbEntry[]) : []);
  });

  const setup: NetlinkOp[] = [];
  const have = new Map(mine.map((p) => [p.name, p]));
  const fresh: { name: string; ofportRequest: number; vni: number }[] = [];
  const used = new Set(mine.map((p) => p.ofportRequest ?? p.ofport));
  let next = VXLAN_DEVICE_OFPORT_BASE;
  for (const [name, n] of wanted) {
    const link = links.get(name);
    // The outer header carries the inner DSCP (docs/qos.md): the underlay sees each endpoint's class.
    if (!link) setup.push({ op: 'createVxlan', name, vni: n.vni, local: ctx.underlay.vtepIp, dev: ctx.underlay.dev, learning: false, tosInherit: true });
    if (!link?.up) setup.push({ op: 'linkSet', name, up: true });
    if (!have.has(name)) {
      while (used.has(next)) next++;
      used.add(next);
      fresh.push({ name, ofportRequest: next, vni: n.vni });
    }
  }
  if (setup.length) {
    const results = await kernel.run(setup);
    const bad = results.findIndex((r) => !r.ok);
    if (bad >= 0) failed(results[bad], `setting up VXLAN device ${(setup[bad] as { name: string }).name}`);
  }
  if (fresh.length) {
    await vswitch.addPorts(bridge, fresh.map((f) => ({ name: f.name, ofportRequest: f.ofportRequest, externalIds: { [VNI_KEY]: String(f.vni) } })));
    await vswitch.waitForOfports(bridge, fresh.map((f) => f.name), 10_000);
  }

  // Every entry change of every device in one netlink batch (thousands at convergence).
  const fdbOps = [...wanted].flatMap(([name, n]) => fdbChanges(name, n, links.get(name) ? fdbs.get(name)! : []));
  const bad = (await kernel.run(fdbOps)).find((r) => !r.ok);
  if (bad) failed(bad, 'updating VXLAN forwarding entries');

  const byName = new Map<string, { ofport: number }>(have);
  for (const f of fresh) byName.set(f.name, { ofport: f.ofportRequest });
  return new Map(needs.map((n) => [n.key, byName.get(vxlanDeviceName(n.vni))!.ofport]));
}

/** The appends and deletes that make one device's forwarding entries (`current`) match `n`. Pure. */
export function fdbChanges(dev: string, n: VxlanNeeds, current: readonly FdbEntry[]): NetlinkOp[] {
  const want = new Set<string>();
  for (const [mac, vtep] of n.macs) {
    want.add(`${mac}|${vtep}`);
    want.add(`${ZERO_MAC}|${vtep}`);
  }
  const have = new Set(current.filter((e) => e.dst).map((e) => `${e.mac.toLowerCase()}|${e.dst}`));
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
