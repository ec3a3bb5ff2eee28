/** One promise-returning function per kernel operation; each rejects with a NetpluginError. */
import { runOne } from './batch.js';
import type { AddrInfo, FdbEntry, FeatureState, LinkInfo, NetlinkOp, RouteInfo } from './types.js';

/** The arguments of the op named K (the NetlinkOp member without its `op` tag). */
export type OpArgs<K extends NetlinkOp['op']> = Omit<Extract<NetlinkOp, { op: K }>, 'op'>;

/** Creates a veth pair; the peer may be created straight into `peerNetns`. */
export async function createVeth(a: OpArgs<'createVeth'>): Promise<void> {
  await runOne({ op: 'createVeth', ...a });
}

/** Changes a link's state, MTU, MAC or name, or moves it to another namespace, in one request. */
export async function linkSet(a: OpArgs<'linkSet'>): Promise<void> {
  await runOne({ op: 'linkSet', ...a });
}

/** Deletes a link (with `ignoreMissing`, a missing link is success). */
export async function linkDel(a: OpArgs<'linkDel'>): Promise<void> {
  await runOne({ op: 'linkDel', ...a });
}

/** Reads one link by name; undefined when it does not exist. */
export async function linkGet(a: OpArgs<'linkGet'>): Promise<LinkInfo | undefined> {
  return (await runOne({ op: 'linkGet', ...a })) as LinkInfo | undefined;
}

/** Lists every link of a namespace. */
export async function linkList(a: OpArgs<'linkList'> = {}): Promise<LinkInfo[]> {
  return (await runOne({ op: 'linkList', ...a })) as LinkInfo[];
}

/** Adds an address with replace semantics, so repeating it is harmless. */
export async function addrAdd(a: OpArgs<'addrAdd'>): Promise<void> {
  await runOne({ op: 'addrAdd', ...a });
}

/** Removes an address (with `ignoreMissing`, a missing address or link is success). */
export async function addrDel(a: OpArgs<'addrDel'>): Promise<void> {
  await runOne({ op: 'addrDel', ...a });
}

/** Lists addresses of a namespace, or of one link. */
export async function addrList(a: OpArgs<'addrList'> = {}): Promise<AddrInfo[]> {
  return (await runOne({ op: 'addrList', ...a })) as AddrInfo[];
}

/** Creates or replaces a main-table route (rtm_protocol `protocol`, default 3 = boot, as `ip route` does). */
export async function routeReplace(a: OpArgs<'routeReplace'>): Promise<void> {
  await runOne({ op: 'routeReplace', ...a });
}

/** Deletes a main-table route matching every field given (with `ignoreMissing`, no such route is success). */
export async function routeDel(a: OpArgs<'routeDel'>): Promise<void> {
  await runOne({ op: 'routeDel', ...a });
}

/** Lists the unicast routes of the main table (IPv4 and IPv6), with the protocol that installed each. */
export async function routeList(a: OpArgs<'routeList'> = {}): Promise<RouteInfo[]> {
  return (await runOne({ op: 'routeList', ...a })) as RouteInfo[];
}

/** Reads every ethtool feature of a link, by its `ethtool -k` name. */
export async function featuresGet(a: OpArgs<'featuresGet'>): Promise<Record<string, FeatureState>> {
  return (await runOne({ op: 'featuresGet', ...a })) as Record<string, FeatureState>;
}

/** Sets ethtool features by name or by ethtool alias ('tx', 'tso', 'gso', 'gro', 'sg', 'rx', 'lro'). */
export async function featuresSet(a: OpArgs<'featuresSet'>): Promise<void> {
  await runOne({ op: 'featuresSet', ...a });
}

/**
 * Creates a vxlan device (dstPort defaults to 4789, learning to off); fails with EEXIST when the
 * name is taken, so callers check with linkGet first.
 */
export async function createVxlan(a: OpArgs<'createVxlan'>): Promise<void> {
  await runOne({ op: 'createVxlan', ...a });
}

/** Adds a static FDB entry MAC -> remote `dst` on a device (`bridge fdb append`); repeating it is harmless. */
export async function fdbAppend(a: OpArgs<'fdbAppend'>): Promise<void> {
  await runOne({ op: 'fdbAppend', ...a });
}

/** Removes one MAC -> `dst` FDB entry (with `ignoreMissing`, a missing device or MAC is success). */
export async function fdbDel(a: OpArgs<'fdbDel'>): Promise<void> {
  await runOne({ op: 'fdbDel', ...a });
}

/** Lists the FDB entries of one device. */
export async function fdbList(a: OpArgs<'fdbList'>): Promise<FdbEntry[]> {
  return (await runOne({ op: 'fdbList', ...a })) as FdbEntry[];
}

/**
 * Sets the given settings of one SR-IOV VF on its PF in one RTM_NEWLINK; fails with EOPNOTSUPP
 * when the PF's driver has no VF support (every veth, for instance).
 */
export async function vfSet(a: OpArgs<'vfSet'>): Promise<void> {
  await runOne({ op: 'vfSet', ...a });
}
