/**
 * Plumbing of endpoints, in batches: a handful of netlink batches (each one worker-thread
 * call that enters container namespaces with setns, no processes) and one OVSDB
 * transaction for all the ports, whatever the number of endpoints.
 */
import type { EndpointState, NetworkState } from '../intent/types.js';
import type { Kernel, LinkInfo, NetlinkOp, OpResult, RouteInfo } from '../datapath/kernel/index.js';
import type { PortInfo, PortSpec, Vswitch } from '../datapath/ovs/ovsdb/index.js';
import { EXT, freeEthName, hostVethName, linkSignature } from './names.js';
import type { LocalContainer } from './containers.js';

/** One endpoint to attach into a running container. */
export interface AttachItem {
  endpoint: EndpointState;
  network: NetworkState;
  container: LocalContainer;
}

/** Outcome of attaching one endpoint. */
export type AttachOutcome = { ok: true; ofport: number; portName: string; ifName: string } | { ok: false; error: string };

/** Everything plumbing needs from the agent. */
export interface PlumbContext {
  vswitch: Vswitch;
  kernel: Kernel;
  bridge: string;
  /** Features to set on the container-side veth of an endpoint of `network` (undefined: leave as created). */
  containerOffloads?: (network: NetworkState) => Record<string, boolean> | undefined;
  ofportTimeoutMs: number;
  /**
   * Wait for vswitchd to open new ports before the attach resolves (a refused port then
   * rolls its batch back). Off: the attach resolves once the ports are committed and the
   * flows (which name the requested ofports) are in; a port vswitchd refuses shows up with
   * ofport -1 and is repaired by a later round.
   */
  awaitOfports?: boolean;
}

function failure(r: OpResult | undefined): string | undefined {
  return r && !r.ok ? r.error.message : undefined;
}

/** Lowest ofport numbers not used by any existing port, one per new port. */
function freeOfports(existing: PortInfo[], count: number): number[] {
  const used = new Set<number>();
  for (const p of existing) {
    if (p.ofport > 0) used.add(p.ofport);
    if (p.ofportRequest) used.add(p.ofportRequest);
  }
  const out: number[] = [];
  for (let n = 1; out.length < count && n < 0xff00; n++) if (!used.has(n)) out.push(n);
  return out;
}

/** Milliseconds of an attach's steps. */
export interface AttachSteps {
  /** Deleting leftover veths and looking into the containers. */
  look: number;
  /** The batch that makes the veths. */
  netlink: number;
  /** To the OVSDB commit done (not waiting for vswitchd: the flows are computed and sent first). */
  commit: number;
  /** Not waiting for vswitchd: after the commit, until the flows' barrier. */
  flows: number;
  /** Waiting for vswitchd: until it opened the ports (the flows overlapped). */
  ofports: number;
}

/** Where a new endpoint's port will be once vswitchd has added it. */
export interface PlannedPort {
  ofport: number;
  portName: string;
  ifName: string;
}

/**
 * Attaches every item; failures are per item and leave nothing of that item behind.
 * `hostLinks`, when known, names the links of the host namespace: a leftover veth of an
 * item is deleted only if it is there.
 * `whileWaiting` runs once the ports are committed to OVSDB, while vswitchd adds them, with
 * the items that already failed, and
 * the ofports they were requested at — flows can go in meanwhile, as OVS accepts flows for
 * ports it does not have yet.
 */
export async function attachEndpoints(
  ctx: PlumbContext,
  items: AttachItem[],
  existingPorts: PortInfo[],
  whileWaiting?: (planned: Map<string, PlannedPort>, failed: ReadonlyMap<string, string>, committed?: () => Promise<void>) => Promise<void>,
  hostLinks?: ReadonlySet<string>,
  steps?: AttachSteps,
): Promise<Map<string, AttachOutcome>> {
  let mark = performance.now();
  const lap = (k: keyof AttachSteps) => {
    const now = performance.now();
    if (steps) steps[k] += Math.round((now - mark) * 100) / 100;
    mark = now;
  };
  const outcomes = new Map<string, AttachOutcome>();
  if (items.length === 0) return outcomes;

  // 1. Look inside each container once: interface names taken, default route present.
  // Hand-off veths stay in this namespace, so their containers need no look.
  const netnsList = [...new Set(items.filter((i) => !i.container.handoffPeer).map((i) => i.container.netns))];
  // A veth left by a round that was killed half-way goes first (with its container end),
  // so it neither blocks the interface name nor leaves a stale route behind.
  // With the host's links known (`hostLinks`), only those that exist are deleted.
  const mayExist = (name: string) => !hostLinks || hostLinks.has(name);
  const stale: NetlinkOp[] = items
    .flatMap((i) => [hostVethName(ctx.bridge, i.endpoint.id), ...(i.container.handoffPeer ? [i.container.handoffPeer] : [])])
    .filter(mayExist)
    .map((name): NetlinkOp => ({ op: 'linkDel', name, ignoreMissing: true }));
  const look: NetlinkOp[] = netnsList.flatMap((netns) => [
    { op: 'linkList', netns } as NetlinkOp,
    { op: 'routeList', netns } as NetlinkOp,
  ]);
  const first = [...stale, ...look];
  const seen = first.length ? (await ctx.kernel.run(first)).slice(stale.length) : [];
  lap('look');
  const inside = new Map<string, { names: Set<string>; hasDefault: boolean; error?: string }>();
  netnsList.forEach((netns, i) => {
    const links = seen[2 * i];
    const routes = seen[2 * i + 1];
    const error = failure(links) ?? failure(routes);
    inside.set(netns, {
      names: new Set(links.ok ? (links.value as LinkInfo[]).map((l) => l.name) : []),
      hasDefault: routes.ok ? (routes.value as RouteInfo[]).some((r) => r.dst === 'default') : false,
      error,
    });
  });

  // 2. Create and configure the veth pairs, each item's ops contiguous so failures map back.
  const ops: NetlinkOp[] = [];
  const spans: { item: AttachItem; portName: string; ifName: string; from: number; to: number }[] = [];
  for (const item of items) {
    const portName = hostVethName(ctx.bridge, item.endpoint.id);
    const peer = item.container.handoffPeer;
    if (peer) {
      const from = ops.length;
      ops.push(
        { op: 'createVeth', name: portName, peerName: peer, mtu: item.network.mtu, peerMac: item.endpoint.mac },
        { op: 'linkSet', name: portName, up: true },
      );
      const offloads = ctx.containerOffloads?.(item.network);
      if (offloads) ops.push({ op: 'featuresSet', name: peer, features: offloads });
      spans.push({ item, portName, ifName: peer, from, to: ops.length });
      continue;
    }
    const ns = inside.get(item.container.netns)!;
    if (ns.error) {
      outcomes.set(item.endpoint.id, { ok: false, error: `container ${item.container.name}: ${ns.error}` });
      continue;
    }
    const wanted = item.container.ifName;
    if (wanted && ns.names.has(wanted)) {
      outcomes.set(item.endpoint.id, { ok: false, error: `container ${item.container.name}: interface ${wanted} already exists in ${item.container.netns}` });
      continue;
    }
    const ifName = wanted ?? freeEthName(ns.names);
    ns.names.add(ifName);
    const netns = item.container.netns;
    const from = ops.length;
    ops.push(
      { op: 'createVeth', name: portName, peerName: ifName, peerNetns: netns, mtu: item.network.mtu, peerMac: item.endpoint.mac },
      { op: 'linkSet', name: portName, up: true },
      { op: 'addrAdd', netns, name: ifName, cidr: `${item.endpoint.ip}/${item.endpoint.prefixLen}` },
      { op: 'linkSet', netns, name: ifName, up: true },
    );
    const offloads = ctx.containerOffloads?.(item.network);
    if (offloads) ops.push({ op: 'featuresSet', netns, name: ifName, features: offloads });
    if (!ns.hasDefault) {
      ops.push({ op: 'routeReplace', netns, dst: 'default', gateway: item.network.gateway, dev: ifName });
      ns.hasDefault = true;
    }
    spans.push({ item, portName, ifName, from, to: ops.length });
  }
  const results = await ctx.kernel.run(ops);
  const created: typeof spans = [];
  const undo: NetlinkOp[] = [];
  for (const s of spans) {
    const err = results.slice(s.from, s.to).map(failure).find((e) => e !== undefined);
    if (err) {
      outcomes.set(s.item.endpoint.id, { ok: false, error: err });
      undo.push({ op: 'linkDel', name: s.portName, ignoreMissing: true });
      if (s.item.container.handoffPeer) undo.push({ op: 'linkDel', name: s.item.container.handoffPeer, ignoreMissing: true });
    } else created.push(s);
  }
  if (undo.length) await ctx.kernel.run(undo);
  lap('netlink');
  if (created.length === 0) return outcomes;

  // 3. One OVSDB transaction for all new ports, with fixed ofport numbers.
  const numbers = freeOfports(existingPorts, created.length);
  const planned = new Map(created.map((s, i) => [s.item.endpoint.id, { ofport: numbers[i], portName: s.portName, ifName: s.ifName }]));
  const failedEarly = new Map([...outcomes].flatMap(([id, o]) => (o.ok ? [] : [[id, o.error] as [string, string]])));
  const veths = created.map((s) => [s.portName, ...(s.item.container.handoffPeer ? [s.item.container.handoffPeer] : [])]);
  const specs = created.map((s, i) => ({
    name: s.portName,
    ofportRequest: numbers[i],
    externalIds: {
      [EXT.endpoint]: s.item.endpoint.id,
      [EXT.container]: s.item.container.id,
      [EXT.sandbox]: s.item.container.netns,
      [EXT.ifname]: s.ifName,
      [EXT.mac]: s.item.endpoint.mac,
      [EXT.ip]: s.item.endpoint.ip,
      [EXT.source]: s.item.container.source,
      [EXT.link]: linkSignature(s.item.network, ctx.containerOffloads?.(s.item.network)),
    },
  }));
  if (ctx.awaitOfports === false) {
    // Flows first, while vswitchd is idle (its barrier would otherwise wait out its reconfiguring
    // for the new ports): they name the requested ofports, which OVS accepts before the ports
    // exist. The OVSDB commit runs once they are sent (`committed`), beside their barrier.
    let attempted = false;
    const commit = async () => {
      attempted = true;
      await commitPorts(ctx, veths, specs);
      lap('commit');
    };
    try {
      await whileWaiting?.(planned, failedEarly, commit);
      if (!attempted) await commit();
    } catch (err) {
      // A failed commit removed its veths itself; only a failure before it leaves them.
      if (!attempted) await ctx.kernel.run(veths.flat().map((name): NetlinkOp => ({ op: 'linkDel', name, ignoreMissing: true })));
      throw err;
    }
    lap('flows');
    for (const s of created) outcomes.set(s.item.endpoint.id, { ok: true, ...planned.get(s.item.endpoint.id)! });
    return outcomes;
  }
  await commitPorts(ctx, veths, specs);
  lap('commit');
  const [waited, sideWork] = await Promise.allSettled([
    ctx.vswitch.waitForOfports(ctx.bridge, created.map((s) => s.portName), ctx.ofportTimeoutMs),
    whileWaiting?.(planned, failedEarly),
  ]);
  lap('ofports');
  let ofports: Map<string, number>;
  try {
    if (waited.status === 'rejected') throw waited.reason;
    ofports = waited.value;
  } catch (err) {
    // Roll back every port of this batch: a half-attached endpoint is worse than none.
    await detachPorts(ctx, created.map((s) => s.portName));
    for (const s of created) outcomes.set(s.item.endpoint.id, { ok: false, error: (err as Error).message });
    return outcomes;
  }
  for (const s of created) {
    outcomes.set(s.item.endpoint.id, { ok: true, ofport: ofports.get(s.portName)!, portName: s.portName, ifName: s.ifName });
  }
  if (sideWork.status === 'rejected') throw sideWork.reason;
  return outcomes;
}

/**
 * Adds the ports in one transaction; if that fails, the veths made for them (`veths`, per
 * port) are deleted before the error goes up, so a failed attach leaves nothing behind.
 */
async function commitPorts(ctx: PlumbContext, veths: string[][], specs: PortSpec[]): Promise<void> {
  try {
    await ctx.vswitch.addPorts(ctx.bridge, specs);
  } catch (err) {
    await ctx.kernel.run(veths.flat().map((name): NetlinkOp => ({ op: 'linkDel', name, ignoreMissing: true })));
    throw err;
  }
}

/** Removes ports from the bridge (one transaction) and deletes their host-side veths. */
export async function detachPorts(ctx: PlumbContext, names: string[]): Promise<void> {
  if (names.length === 0) return;
  await ctx.vswitch.deletePorts(ctx.bridge, names);
  await ctx.kernel.run(names.map((name): NetlinkOp => ({ op: 'linkDel', name, ignoreMissing: true })));
}
