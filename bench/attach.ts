/**
 * Endpoint attach: 100 containers (network namespaces) attached through the agent's own
 * reconcile round — netlink batches, one OVSDB transaction, flow sync — against the CNI
 * reference `bridge` plugin with `host-local` IPAM, in the same run.
 *
 * Two figures for the agent: one container at a time (each arrival is its own round, the
 * latency a `docker run` sees) and all 100 arriving at once (one round, amortized).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, percentile, row, type BenchRow } from './lib.js';
import { reconcileRound } from '../src/agent/reconcile.js';
import type { DesiredSnapshot } from '../src/agent/desired.js';
import type { LocalContainer } from '../src/agent/containers.js';
import { OvsdbClient, ReplicaVswitch, ensureBridge, deleteBridge } from '../src/datapath/ovs/ovsdb/index.js';
import { nativeKernel } from '../src/datapath/kernel/index.js';
import { HostLinks } from '../src/agent/host-links.js';
import { FlowMemo } from '../src/datapath/ovs/pipeline/index.js';
import { OpenFlowConnection } from '../src/datapath/ovs/openflow/index.js';
import { FlowSyncer } from '../src/datapath/ovs/flow-sync.js';
import type { EndpointState, NetworkState } from '../src/intent/types.js';
import { ipToInt } from '../src/alloc/ip.js';
import { macFromIp } from '../src/alloc/mac.js';

const N = 100;
const OVS_RUNDIR = '/var/run/openvswitch';

function sh(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: 'ignore' });
}

function desiredFor(names: string[]): DesiredSnapshot {
  const net: NetworkState = { id: 'bench/net', tenant: 'bench', name: 'net', pktTagType: 'vlan', pktTag: 42, subnet: '198.18.0.0/24', gateway: '198.18.0.1', mtu: 1500, gatewayMode: 'distributed', external: 'snat', routeId: 1 };
  const endpoints = new Map<string, EndpointState>();
  names.forEach((c, i) => {
    const ip = `198.18.0.${i + 2}`;
    const mac = macFromIp(ipToInt(ip)!);
    endpoints.set(`bench/net/${c}`, { id: `bench/net/${c}`, tenant: 'bench', network: 'net', container: c, host: 'bench', ip, prefixLen: 24, mac });
  });
  return { revision: 1, networks: new Map([[net.id, net]]), endpoints, hosts: new Map(), policies: new Map(), metaRevision: 0 };
}

async function agentRounds(id: string, netns: string[]): Promise<{ oneAtATime: number[]; batchPerContainer: number }> {
  const bridge = `npbn${id}`;
  const ovsdb = await OvsdbClient.connect(join(OVS_RUNDIR, 'db.sock'));
  let conn: OpenFlowConnection | undefined;
  try {
    await ensureBridge(ovsdb, { name: bridge, datapathType: 'netdev', protocols: ['OpenFlow10', 'OpenFlow13', 'OpenFlow14'], failMode: 'secure' });
    for (let i = 0; i < 100 && !conn; i++) {
      conn = await OpenFlowConnection.connect(join(OVS_RUNDIR, `${bridge}.mgmt`)).catch(async () => {
        await new Promise((r) => setTimeout(r, 50));
        return undefined;
      });
    }
    const names = netns.map((_, i) => `c${i}`);
    const desired = desiredFor(names);
    // As the agent runs by default: not waiting for vswitchd to open each port (netagent --wait-ofport would).
    const plumb = { vswitch: await ReplicaVswitch.start(ovsdb), kernel: nativeKernel, bridge, ofportTimeoutMs: 10_000, awaitOfports: false };
    const hostLinks = new HostLinks(30_000);
    const memo = new FlowMemo();
    // As in the agent: the bridge is read back on the first round, then rounds trust memory.
    const flows = new FlowSyncer(30_000);
    const run = async (count: number) => {
      const containers = new Map<string, LocalContainer>();
      for (let i = 0; i < count; i++) containers.set(names[i], { id: `cid-${i}`, name: names[i], pid: 0, netns: `/run/netns/${netns[i]}`, source: 'netns' });
      const t0 = process.hrtime.bigint();
      const r = await reconcileRound({ host: 'bench', desired, containers, sourceKnown: () => true, plumb, openflow: conn!, flows, hostLinks, memo, round: 1 });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const errors = [...r.statuses.values()].filter((s) => s.status !== 'attached');
      if (errors.length) throw new Error(`attach failed: ${errors[0].error}`);
      if (process.env.NP_BENCH_VERBOSE) process.stderr.write(`round(${count}): ${ms.toFixed(1)} ms ${JSON.stringify(r.timings)}\n`);
      return ms;
    };
    const oneAtATime: number[] = [];
    for (let k = 1; k <= netns.length; k++) oneAtATime.push(await run(k));
    // Detach everything (round with no containers), then all at once.
    await run(0);
    const batch = await run(netns.length);
    await run(0);
    return { oneAtATime, batchPerContainer: batch / netns.length };
  } finally {
    conn?.close();
    await deleteBridge(ovsdb, bridge).catch(() => undefined);
    ovsdb.close();
  }
}

function cniBridge(id: string, netns: string[]): { add: number[]; del: number[] } {
  const dataDir = mkdtempSync(join(tmpdir(), 'np-bench-cni-'));
  const conf = JSON.stringify({
    cniVersion: '1.0.0',
    name: `npbench${id}`,
    type: 'bridge',
    bridge: `npcb${id}`,
    isGateway: false,
    ipMasq: false,
    ipam: { type: 'host-local', subnet: '198.19.0.0/24', dataDir },
  });
  const call = (cmd: 'ADD' | 'DEL', ns: string, i: number) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('/usr/lib/cni/bridge', [], {
      input: conf,
      env: { CNI_COMMAND: cmd, CNI_CONTAINERID: `bench-${id}-${i}`, CNI_NETNS: `/run/netns/${ns}`, CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni', PATH: process.env.PATH },
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`cni bridge ${cmd} failed: ${r.stdout}${r.stderr}`);
    return ms;
  };
  try {
    const add = netns.map((ns, i) => call('ADD', ns, i));
    const del = netns.map((ns, i) => call('DEL', ns, i));
    return { add, del };
  } finally {
    spawnSync('ip', ['link', 'del', `npcb${id}`]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs both sides and returns the rows. */
export async function runAttachBench(): Promise<BenchRow[]> {
  const id = randomBytes(3).toString('hex');
  const agentNs = Array.from({ length: N }, (_, i) => `npba-${id}-${i}`);
  const cniNs = Array.from({ length: N }, (_, i) => `npbc-${id}-${i}`);
  try {
    for (const ns of [...agentNs, ...cniNs]) sh('ip', ['netns', 'add', ns]);
    const cni = cniBridge(id, cniNs);
    const agent = await agentRounds(id, agentNs);
    const cniMedian = median(cni.add);
    return [
      row('attach: one container at a time (agent round), median', 'ms', median(agent.oneAtATime), 'CNI bridge+host-local ADD, median', cniMedian, '<= 1.0x'),
      row('attach: one container at a time (agent round), p90', 'ms', percentile(agent.oneAtATime, 90), 'CNI bridge+host-local ADD, p90', percentile(cni.add, 90), '<= 1.0x'),
      row('attach: 100 containers at once (one round), per container', 'ms', agent.batchPerContainer, 'CNI bridge+host-local ADD, median', cniMedian, '<= 1.0x'),
    ];
  } finally {
    for (const ns of [...agentNs, ...cniNs]) spawnSync('ip', ['netns', 'del', ns]);
  }
}
