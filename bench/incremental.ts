/**
 * Incremental change at scale: a bridge already holding ~100,000 flows (one local endpoint
 * and 50,000 endpoints on another host, VXLAN), then one more local container. Timed from
 * the desired state holding the new endpoint to its port committed and its flows on the
 * bridge (the agent's reconcile round, with the agent's own FlowSyncer, replica and host
 * links), and the flow-mods that round sent, which must be only that endpoint's. Baseline,
 * same run: the same step on a bridge holding only the one local endpoint's flows.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { median, row, type BenchRow } from './lib.js';
import { reconcileRound, type RoundResult } from '../src/agent/reconcile.js';
import { HostLinks } from '../src/agent/host-links.js';
import type { DesiredSnapshot } from '../src/agent/desired.js';
import type { LocalContainer } from '../src/agent/containers.js';
import type { PeerSnapshot } from '../src/agent/peers.js';
import { OvsdbClient, ReplicaVswitch, deleteBridge, ensureBridge } from '../src/datapath/ovs/ovsdb/index.js';
import { OpenFlowConnection } from '../src/datapath/ovs/openflow/index.js';
import { FlowSyncer } from '../src/datapath/ovs/flow-sync.js';
import { FlowMemo } from '../src/datapath/ovs/pipeline/index.js';
import { nativeKernel } from '../src/datapath/kernel/index.js';
import { intToIp, ipToInt } from '../src/alloc/ip.js';
import { macFromIp } from '../src/alloc/mac.js';
import type { EndpointState, NetworkState } from '../src/intent/types.js';

const OVS_RUNDIR = '/var/run/openvswitch';
const REMOTES = Number(process.env.NP_BENCH_INCR_REMOTES ?? 50_000);
const STEPS = Number(process.env.NP_BENCH_INCR_STEPS ?? 9);

const NET: NetworkState = { id: 'b/net', tenant: 'b', name: 'net', pktTagType: 'vxlan', pktTag: 7001, subnet: '10.200.0.0/16', gateway: '10.200.0.1', mtu: 1450, gatewayMode: 'distributed', external: 'snat', routeId: 1 };

function ep(container: string, n: number, host: string): EndpointState {
  const ipInt = ipToInt('10.200.0.0')! + n;
  return { id: `b/net/${container}`, tenant: 'b', network: 'net', container, host, ip: intToIp(ipInt), prefixLen: 16, mac: macFromIp(ipInt) };
}

interface Side {
  /** ms per step, and flow-mods (adds + deletes) and group changes per step. */
  ms: number[];
  flowMods: number[];
  groupMods: number[];
  flowsOnBridge: number;
}

async function side(id: string, remotes: number, netns: string[]): Promise<Side> {
  const bridge = `npbi${id}${remotes ? 'r' : 'b'}`;
  const ovsdb = await OvsdbClient.connect(join(OVS_RUNDIR, 'db.sock'));
  let conn: OpenFlowConnection | undefined;
  try {
    await ensureBridge(ovsdb, { name: bridge, datapathType: 'netdev', protocols: ['OpenFlow10', 'OpenFlow13', 'OpenFlow14'], failMode: 'secure' });
    const vswitch = await ReplicaVswitch.start(ovsdb);
    for (let i = 0; i < 100 && !conn; i++) {
      conn = await OpenFlowConnection.connect(join(OVS_RUNDIR, `${bridge}.mgmt`), { timeoutMs: 120_000 }).catch(async () => {
        await new Promise((r) => setTimeout(r, 50));
        return undefined;
      });
    }
    const endpoints = new Map<string, EndpointState>();
    const attachments = new Map<string, string>();
    for (let i = 0; i < remotes; i++) {
      const e = ep(`r${i}`, 1000 + i, 'host2');
      endpoints.set(e.id, e);
      attachments.set(e.id, 'host2');
    }
    const locals = netns.map((_, i) => ep(`c${i}`, 10 + i, 'bench'));
    const peers: PeerSnapshot = { hosts: new Map([['host2', { host: 'host2', vtepIp: '198.18.0.2' }]]), attachments, runtime: new Map(), claims: new Map() };
    const flows = new FlowSyncer(600_000);
    const memo = new FlowMemo();
    const hostLinks = new HostLinks(600_000);
    const plumb = { vswitch, kernel: nativeKernel, bridge, ofportTimeoutMs: 10_000, awaitOfports: false };
    const round = (count: number): Promise<RoundResult> => {
      const eps = new Map(endpoints);
      for (const e of locals.slice(0, count)) eps.set(e.id, e);
      const desired: DesiredSnapshot = { revision: count, networks: new Map([[NET.id, NET]]), endpoints: eps, hosts: new Map(), policies: new Map(), metaRevision: 1 };
      const containers = new Map<string, LocalContainer>(netns.slice(0, count).map((ns, i) => [`c${i}`, { id: `cid-${i}`, name: `c${i}`, pid: 0, netns: `/run/netns/${ns}`, source: 'netns' }]));
      return reconcileRound({ host: 'bench', desired, containers, sourceKnown: () => true, plumb, openflow: conn!, flows, hostLinks, memo, round: 1, peers, fabric: async () => ({ tunnelOfport: 65000 }) });
    };
    await round(1); // the bridge fills (not timed)
    const out: Side = { ms: [], flowMods: [], groupMods: [], flowsOnBridge: (await conn!.dumpFlows()).length };
    for (let k = 2; k <= netns.length; k++) {
      const t0 = process.hrtime.bigint();
      const r = await round(k);
      out.ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const bad = [...r.statuses.values()].find((s) => s.status !== 'attached');
      if (bad) throw new Error(`incremental bench: ${bad.endpoint} not attached: ${bad.error}`);
      if (r.flows.full) throw new Error('incremental bench: a step read the whole bridge back');
      out.flowMods.push(r.flows.flowsAdded + r.flows.flowsDeleted);
      out.groupMods.push(r.flows.groupsAdded + r.flows.groupsModified + r.flows.groupsDeleted);
    }
    await vswitch.replica.close();
    return out;
  } finally {
    conn?.close();
    await deleteBridge(ovsdb, bridge).catch(() => undefined);
    ovsdb.close();
  }
}

/** Runs both sides and returns the rows. */
export async function runIncrementalBench(): Promise<BenchRow[]> {
  const id = randomBytes(2).toString('hex');
  const nsScale = Array.from({ length: STEPS + 1 }, (_, i) => `npbis-${id}-${i}`);
  const nsBase = Array.from({ length: STEPS + 1 }, (_, i) => `npbib-${id}-${i}`);
  try {
    for (const ns of [...nsScale, ...nsBase]) execFileSync('ip', ['netns', 'add', ns]);
    const base = await side(id, 0, nsBase);
    const scale = await side(id, REMOTES, nsScale);
    process.stderr.write(`incremental: ${scale.flowsOnBridge} flows on the bridge (baseline ${base.flowsOnBridge}); flow-mods per step ${scale.flowMods.join(',')} (baseline ${base.flowMods.join(',')})\n`);
    const same = scale.flowMods.every((n, i) => n === base.flowMods[i]);
    if (!same) throw new Error(`incremental bench: the step at scale sent other flow-mods than the same step on a small bridge: ${scale.flowMods} vs ${base.flowMods}`);
    return [
      row(`incremental: one endpoint added beside ${Math.round(scale.flowsOnBridge / 1000)}k flows, round to flows in place, median`, 'ms', median(scale.ms), `the same step on a bridge of ${base.flowsOnBridge} flows`, median(base.ms), 'report: the issue sets no ratio'),
      row(`incremental: flow-mods sent for that endpoint`, 'flow-mods', median(scale.flowMods), 'the same step on the small bridge', median(base.flowMods), '= 1.0x (only its own)'),
    ];
  } finally {
    for (const ns of [...nsScale, ...nsBase]) execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  }
}
