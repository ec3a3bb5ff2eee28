/**
 * Which VXLAN path a host uses (docs/datapath.md, "Choosing the VXLAN path"), decided from
 * the agent's flags, the host's `Hosts[]` entry and the addresses the host namespace holds:
 *
 * - `kernel`: kernel `vxlan` devices over the NIC that carries the VTEP address. Chosen by
 *   `--vxlan-dev`, or automatically when the VTEP address already sits on a kernel NIC (the
 *   usual one-NIC server): OVS's userspace tunnel cannot send from an address the kernel owns
 *   on another interface, so that combination lost every VXLAN packet without an error.
 * - `ovs`: OVS's userspace tunnel, the VTEP address put on `<bridge>-phy`, which holds an
 *   uplink NIC that carries no address of its own.
 * - `none`: no VTEP known (yet): VLAN only.
 *
 * A combination that cannot carry traffic is refused with the flag or field to change.
 */
import { NetpluginError } from '../common/errors.js';
import type { AddrInfo } from '../datapath/kernel/index.js';
import type { HostIntent } from '../intent/types.js';
import { underlayNames } from './underlay.js';

/** The two ways VXLAN leaves a host; every host of a cluster must use the same one. */
export type VxlanPath = 'kernel' | 'ovs';

/** What the decision reads. */
export interface VxlanPathInput {
  /** The integration bridge (its `-phy` port is OVS's, never a kernel NIC of the host). */
  bridge: string;
  /** Agent flags. */
  flags: { uplink?: string; vtepIp?: string; vxlanDev?: string };
  /** This host's `Hosts[]` entry, if the intent has one. */
  self?: HostIntent;
  /** Names of the links in the host namespace. */
  links: readonly string[];
  /** Addresses in the host namespace. */
  addrs: readonly AddrInfo[];
}

/** The chosen path and what the underlay setup gets. */
export interface VxlanPlan {
  path: VxlanPath | 'none';
  /** Uplink NIC put into `<bridge>-phy` (VLAN trunk; with `ovs`, the tunnel underlay too). */
  uplink?: string;
  /** Address put on `<bridge>-phy` (with an OVS tunnel port), `IP[/PREFIX]`. */
  phyVtep?: string;
  /** With `kernel`: the NIC the VXLAN devices send through and its address. */
  kernelDev?: { dev: string; vtepIp: string };
  /** This host's VTEP as peers must send to it. */
  vtepIp?: string;
  /** One sentence on why this path (logged at start and on every change). */
  reason: string;
}

const ipOf = (cidr: string): string => cidr.split('/')[0];

/** Decides the VXLAN path; throws NP_UNDERLAY_CONFIG naming the flag or Hosts[] field when nothing could work. Pure. */
export function chooseVxlanPath(input: VxlanPathInput): VxlanPlan {
  const { flags, self } = input;
  const phy = underlayNames(input.bridge).phy;
  const links = new Set(input.links);
  const v4 = input.addrs.filter((a) => a.family === 4);
  const field = (name: 'Intf' | 'VtepIp') => `Hosts[].${name} of ${self?.name ?? 'this host'}`;
  const uplink = flags.uplink ?? self?.intf;
  const uplinkFrom = flags.uplink ? `--uplink ${flags.uplink}` : `${field('Intf')} (${uplink})`;
  const vtep = flags.vtepIp ?? self?.vtepIp;
  const vtepFrom = flags.vtepIp ? `--vtep-ip ${flags.vtepIp}` : `${field('VtepIp')} (${vtep})`;

  if (uplink !== undefined && !links.has(uplink)) {
    throw refuse(`${uplinkFrom}: no interface ${uplink} on this host; name the NIC toward the other hosts`, { uplink });
  }
  if (uplink === phy) throw refuse(`${uplinkFrom}: ${phy} is netplugin's own OVS port, not a NIC`, { uplink });

  if (flags.vxlanDev !== undefined) {
    const dev = flags.vxlanDev;
    if (!links.has(dev)) throw refuse(`--vxlan-dev ${dev}: no interface ${dev} on this host`, { vxlanDev: dev });
    if (dev === phy) throw refuse(`--vxlan-dev ${dev}: ${phy} is netplugin's own OVS port; name the NIC that carries the host's address`, { vxlanDev: dev });
    const addr = v4.find((a) => a.name === dev);
    if (!addr) throw refuse(`--vxlan-dev ${dev} has no IPv4 address to use as the VTEP`, { vxlanDev: dev });
    const vtepIp = ipOf(addr.cidr);
    // An explicit --vxlan-dev keeps the OVS side as configured (VTEP on <bridge>-phy for those who also set one).
    return { path: 'kernel', uplink, phyVtep: vtep, kernelDev: { dev, vtepIp }, vtepIp, reason: `--vxlan-dev ${dev}: kernel VXLAN devices from ${vtepIp}` };
  }

  if (vtep === undefined) return { path: 'none', uplink, reason: 'no VTEP address (--vtep-ip or Hosts[].VtepIp): VLAN only' };
  const vtepIp = ipOf(vtep);
  const holder = v4.find((a) => ipOf(a.cidr) === vtepIp && a.name !== phy);
  if (holder) {
    return {
      path: 'kernel',
      uplink,
      kernelDev: { dev: holder.name, vtepIp },
      vtepIp,
      reason: `${vtepFrom} is an address of ${holder.name}: kernel VXLAN devices over ${holder.name}`,
    };
  }
  if (uplink === undefined) {
    throw refuse(`${vtepFrom} is on no interface of this host and there is no uplink to put it on: set --uplink / ${field('Intf')}, or configure the address on a NIC (then --vxlan-dev is chosen for it)`, { vtepIp });
  }
  const own = v4.find((a) => a.name === uplink);
  if (own) {
    // The kernel owns the uplink's address: OVS's tunnel would route peers' traffic out of the NIC the kernel serves, never its bridge.
    throw refuse(
      `${uplinkFrom} carries its own address ${own.cidr}, so OVS cannot send VXLAN from ${vtepIp} over it: set ${flags.vtepIp ? '--vtep-ip' : field('VtepIp')} to ${ipOf(own.cidr)} (the kernel VXLAN path is then chosen), or use an uplink without an address`,
      { uplink, vtepIp },
    );
  }
  return { path: 'ovs', uplink, phyVtep: vtep, vtepIp, reason: `${vtepFrom} is on no kernel NIC: OVS tunnel, address on ${phy} over ${uplink}` };
}

/** A host's VXLAN path as its registration states it; `since` orders hosts that chose differently. */
export interface PathClaim {
  host: string;
  vxlan?: string;
  /** When that host took its path (ISO time); absent counts as earliest. */
  vxlanSince?: string;
}

/**
 * Refuses `self`'s path when a live peer took the other one first (the two paths do not
 * reach each other's VTEPs the same way: docs/datapath.md). Every agent computes the same
 * verdict for a pair — the later one (on a tie, the greater host name) is refused — so agents
 * that decided at the same moment (the intent arrived after they started) still end with one
 * path. Returns the message, or undefined. Pure.
 */
export function pathConflict(self: PathClaim, peers: Iterable<PathClaim>): string | undefined {
  if (self.vxlan === undefined) return undefined;
  const mine = self.vxlanSince ?? '';
  const first = (p: PathClaim) => (p.vxlanSince ?? '') < mine || ((p.vxlanSince ?? '') === mine && p.host < self.host);
  const other = [...peers].filter((p) => p.host !== self.host && p.vxlan !== undefined && p.vxlan !== self.vxlan && first(p)).map((p) => `${p.host} (${p.vxlan})`);
  if (other.length === 0) return undefined;
  return `this host would use the ${self.vxlan} VXLAN path but ${other.sort().join(', ')} use${other.length === 1 ? 's' : ''} the other one; every host of a cluster must use the same path: put each host's VtepIp on its NIC (kernel) or on none (ovs), or set --vxlan-dev on all of them`;
}

function refuse(message: string, details: Record<string, unknown>): NetpluginError {
  return new NetpluginError('NP_UNDERLAY_CONFIG', message, details);
}
