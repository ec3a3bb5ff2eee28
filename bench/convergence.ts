/**
 * Convergence on a 3-host lab: 1,000 endpoints whose containers (network namespaces) already
 * exist, one intent applied through netmaster and etcd; measured from `netdcli -cfg` to every
 * endpoint reported `attached` AND a sample of cross-host same-network pairs answering ping.
 * Also: etcd write transactions (revisions) and keys written, flows per host, agent and
 * vswitchd CPU. Baseline, same run: `ip -batch` + one `ovs-vsctl` transaction adding the same
 * number of ports to one host-like namespace with its own OVS (plumbing only: no flows, no
 * store, no reachability check — the cheapest hand-made way to get the ports in place).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runAsync } from '../test/helpers/lab.js';
import { Lab } from '../test/helpers/lab.js';
import { addContainersBulk, etcdRevision, labCpu } from './lab-containers.js';
import { HandHost, delNetns } from './lab-ovs.js';
import { median, row, type BenchRow } from './lib.js';

const ENDPOINTS = Number(process.env.NP_BENCH_CONV_ENDPOINTS ?? 1000);
const HOSTS = 3;
const NETWORKS = 4;
const RUNS = Number(process.env.NP_BENCH_RUNS ?? 2);
const SAMPLE_PAIRS = 30;

interface Placement {
  name: string;
  host: string;
  network: string;
}

/** One measured apply. */
interface ConvergenceRun {
  applyMs: number;
  attachedMs: number;
  reachableMs: number;
  revisions: number;
  keysChanged: number;
  flowsPerHost: number[];
  cpu: { host: string; agent: number; vswitchd: number }[];
  reconciled: string[];
}

function now(): number {
  return performance.now();
}

function log(msg: string): void {
  process.stderr.write(`convergence: ${msg}\n`);
}

/** Endpoints round-robin over hosts; networks alternate VXLAN and VLAN. */
function placements(id: string): Placement[] {
  return Array.from({ length: ENDPOINTS }, (_, i) => ({ name: `cv${id}-${i}`, host: `host${(i % HOSTS) + 1}`, network: `net${i % NETWORKS}` }));
}

function intentFor(ps: Placement[]): object {
  const networks = Array.from({ length: NETWORKS }, (_, n) => ({
    Name: `net${n}`,
    PktTagType: n % 2 === 0 ? 'vxlan' : 'vlan',
    Endpoints: ps.filter((p) => p.network === `net${n}`).map((p) => ({ Container: p.name, Host: p.host })),
  }));
  return {
    Hosts: Array.from({ length: HOSTS }, (_, i) => ({ Name: `host${i + 1}`, Intf: 'up0', VtepIp: `198.18.100.${i + 1}` })),
    Tenants: [{ Name: 'bench', DefaultNetType: 'vxlan', SubnetPool: '11.1.0.0/16', AllocSubnetLen: 24, Vlans: '11-28', Vxlans: '10001-14000', Networks: networks }],
  };
}

/** `count` random ordered pairs on the same network and different hosts. */
function samplePairs(ps: Placement[], count: number): [Placement, Placement][] {
  const pairs: [Placement, Placement][] = [];
  while (pairs.length < count) {
    const a = ps[Math.floor(Math.random() * ps.length)];
    const b = ps[Math.floor(Math.random() * ps.length)];
    if (a.network === b.network && a.host !== b.host) pairs.push([a, b]);
  }
  return pairs;
}

function countFlows(lab: Lab, host: string): number {
  return lab.dumpFlows(host).split('\n').filter((l) => l.includes('cookie=')).length;
}

/** Polls until every endpoint of `ps` is attached; returns the IP of each container. */
async function waitAllAttached(lab: Lab, ps: Placement[], timeoutMs: number): Promise<Map<string, string>> {
  const deadline = now() + timeoutMs;
  const want = new Set(ps.map((p) => p.name));
  for (;;) {
    let attached = 0;
    let seen = 0;
    try {
      const eps = lab.endpoints().filter((e) => want.has(e.container));
      seen = eps.length;
      attached = eps.filter((e) => e.status === 'attached').length;
      if (seen === want.size && attached === seen) return new Map(eps.map((e) => [e.container, e.ip.split('/')[0]]));
    } catch {
      // netmaster busy; poll again
    }
    if (now() > deadline) throw new Error(`only ${attached}/${want.size} endpoints attached (${seen} listed) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Pings every pair (a probe every 50 ms) until each has answered once; resolves when the last one has. */
async function waitReachable(lab: Lab, pairs: [Placement, Placement][], ips: Map<string, string>, timeoutMs: number): Promise<void> {
  const deadline = now() + timeoutMs;
  let pending = pairs;
  while (pending.length) {
    const results = await Promise.all(pending.map(([a, b]) => runAsync('nsenter', [`--net=${join(lab.dir, a.host, 'netns', a.name)}`, 'ping', '-c', '1', '-i', '0.05', '-w', '5', ips.get(b.name)!], 10_000)));
    pending = pending.filter((_, i) => results[i].code !== 0);
    if (pending.length && now() > deadline) throw new Error(`${pending.length} sample pairs unreachable after ${timeoutMs} ms: ${pending.map(([a, b]) => `${a.name}@${a.host} -> ${b.name}@${b.host}`).join(', ')}`);
  }
}

/** The agents' "reconciled" log lines written since `offsets` (ms, phases), for the report. */
function reconciledSince(lab: Lab, offsets: Map<string, number>): string[] {
  const out: string[] = [];
  for (const h of lab.hosts) {
    const text = lab.agentLog(h).slice(offsets.get(h) ?? 0);
    for (const line of text.split('\n')) {
      if (!line.includes('reconciled')) continue;
      try {
        const j = JSON.parse(line) as { attached?: number; detached?: number; flows?: unknown; statusWrites?: number; ms?: number; phases?: unknown };
        if (j.attached || j.detached) out.push(`${h}: attached=${j.attached} detached=${j.detached} ms=${j.ms} statusWrites=${j.statusWrites} flows=${JSON.stringify(j.flows)} phases=${JSON.stringify(j.phases)}`);
      } catch {
        out.push(`${h}: ${line.slice(0, 300)}`);
      }
    }
  }
  return out;
}

async function measureOnce(lab: Lab, ps: Placement[], intent: object): Promise<ConvergenceRun> {
  const offsets = new Map(lab.hosts.map((h) => [h, lab.agentLog(h).length]));
  const cpu0 = labCpu(lab);
  const rev0 = etcdRevision(lab).revision;
  const pairs = samplePairs(ps, SAMPLE_PAIRS);
  const t0 = now();
  await lab.applyIntent(intent);
  const tApply = now();
  const ips = await waitAllAttached(lab, ps, 240_000);
  const tAttached = now();
  await waitReachable(lab, pairs, ips, 60_000);
  const tReach = now();
  const rev = etcdRevision(lab, rev0);
  const cpu1 = labCpu(lab);
  return {
    applyMs: tApply - t0,
    attachedMs: tAttached - t0,
    reachableMs: tReach - t0,
    revisions: rev.revision - rev0,
    keysChanged: rev.keysChanged ?? 0,
    flowsPerHost: lab.hosts.map((h) => countFlows(lab, h)),
    cpu: lab.hosts.map((h) => ({ host: h, agent: cpu1.get(h)!.agent - cpu0.get(h)!.agent, vswitchd: cpu1.get(h)!.vswitchd - cpu0.get(h)!.vswitchd })),
    reconciled: reconciledSince(lab, offsets),
  };
}

/** Sum of `field` over the agents' "reconciled" log lines written since `offsets`. */
function reconciledSum(lab: Lab, offsets: Map<string, number>, field: 'attached' | 'detached'): number {
  let n = 0;
  for (const h of lab.hosts) {
    for (const line of lab.agentLog(h).slice(offsets.get(h) ?? 0).split('\n')) {
      if (!line.includes('reconciled')) continue;
      try {
        n += Number((JSON.parse(line) as Record<string, unknown>)[field] ?? 0);
      } catch {
        // a line cut mid-write; read again next poll
      }
    }
  }
  return n;
}

/** Applies an empty intent and waits until the agents have detached every endpoint. */
async function reset(lab: Lab): Promise<void> {
  const offsets = new Map(lab.hosts.map((h) => [h, lab.agentLog(h).length]));
  const t0 = now();
  await lab.applyIntent({ Tenants: [] });
  while (reconciledSum(lab, offsets, 'detached') < ENDPOINTS) {
    if (now() - t0 > 240_000) throw new Error(`only ${reconciledSum(lab, offsets, 'detached')}/${ENDPOINTS} endpoints detached after the empty intent`);
    await new Promise((r) => setTimeout(r, 250));
  }
  log(`reset: all ${ENDPOINTS} endpoints detached ${(now() - t0).toFixed(0)} ms after the empty intent`);
}

async function agentSide(id: string): Promise<ConvergenceRun[]> {
  const lab = await Lab.up({ hosts: HOSTS });
  try {
    const ps = placements(id);
    const tSetup = now();
    for (const h of lab.hosts) addContainersBulk(lab, h, ps.filter((p) => p.host === h).map((p) => p.name));
    log(`setup: ${ENDPOINTS} container namespaces in ${(now() - tSetup).toFixed(0)} ms (not measured)`);
    const intent = intentFor(ps);
    const runs: ConvergenceRun[] = [];
    for (let k = 0; k < RUNS; k++) {
      if (k > 0) await reset(lab);
      const r = await measureOnce(lab, ps, intent);
      log(`agent run ${k + 1}: apply ${r.applyMs.toFixed(0)} ms, all attached ${r.attachedMs.toFixed(0)} ms, sample reachable ${r.reachableMs.toFixed(0)} ms, etcd revisions +${r.revisions}, keys written ${r.keysChanged}, flows/host ${r.flowsPerHost.join('/')}`);
      log(`  cpu s: ${r.cpu.map((c) => `${c.host} agent ${c.agent.toFixed(2)} vswitchd ${c.vswitchd.toFixed(2)}`).join('; ')}`);
      for (const l of r.reconciled) log(`  ${l}`);
      runs.push(r);
    }
    return runs;
  } finally {
    await lab.down();
  }
}

/** Baseline: per container, host-side veths by one `ip -batch`, each container's address by one `ip -n C -batch`, all ports by one ovs-vsctl transaction. */
function baselineOnce(host: HandHost, id: string, k: number): number {
  const names = Array.from({ length: ENDPOINTS }, (_, i) => `npbv${id}-${k}-${i}`);
  execFileSync('ip', ['-batch', '-'], { input: names.map((n) => `netns add ${n}\n`).join(''), stdio: ['pipe', 'ignore', 'pipe'] });
  try {
    host.vsctl(['--may-exist', 'add-br', 'br-int', '--', 'set', 'Bridge', 'br-int', 'datapath_type=netdev']);
    const t0 = now();
    const hostBatch = names.map((n, i) => `link add vb${i} type veth peer name eth0 netns ${n}\nlink set vb${i} up\n`).join('');
    execFileSync('ip', ['-n', host.netns, '-batch', '-'], { input: hostBatch, stdio: ['pipe', 'ignore', 'pipe'] });
    const tVeths = now();
    names.forEach((n, i) => {
      const ip = `11.2.${(i + 1) >> 8}.${(i + 1) & 0xff}/16`;
      execFileSync('ip', ['-n', n, '-batch', '-'], { input: `link set lo up\naddr add ${ip} dev eth0\nlink set eth0 up\n`, stdio: ['pipe', 'ignore', 'pipe'] });
    });
    const args: string[] = [];
    names.forEach((_, i) => args.push('--', 'add-port', 'br-int', `vb${i}`, 'tag=10', '--', 'set', 'Interface', `vb${i}`, `ofport_request=${i + 1}`));
    const tAddrs = now();
    host.vsctl(args, 300_000);
    const t1 = now();
    log(`baseline: veths (one ip -batch) ${(tVeths - t0).toFixed(0)} ms, addresses (ip -n C -batch each) ${(tAddrs - tVeths).toFixed(0)} ms, one ovs-vsctl txn ${(t1 - tAddrs).toFixed(0)} ms`);
    return t1 - t0;
  } finally {
    spawnSync('ovs-vsctl', [`--db=unix:${host.dir}/db.sock`, '--timeout=120', '--if-exists', 'del-br', 'br-int'], { env: host.env() });
    delNetns(names);
  }
}

function baselineSide(id: string): number[] {
  const host = HandHost.start(`npbv${id}-h`);
  try {
    const out: number[] = [];
    for (let k = 0; k < RUNS; k++) {
      const ms = baselineOnce(host, id, k);
      log(`baseline run ${k + 1}: ${ENDPOINTS} ports in ${ms.toFixed(0)} ms (${(ms / ENDPOINTS).toFixed(2)} ms per container)`);
      out.push(ms);
    }
    return out;
  } finally {
    host.stop();
  }
}

/** Runs the agent side and the baseline and returns the rows. */
export async function runConvergenceBench(): Promise<BenchRow[]> {
  const id = randomBytes(2).toString('hex');
  const base = baselineSide(id);
  const runs = await agentSide(id);
  const perEp = runs.map((r) => r.reachableMs / ENDPOINTS);
  const basePer = base.map((ms) => ms / ENDPOINTS);
  log(`spread: agent per endpoint ${perEp.map((x) => x.toFixed(2)).join(', ')} ms; baseline per container ${basePer.map((x) => x.toFixed(2)).join(', ')} ms`);
  const baseLabel = `ip -batch + one ovs-vsctl txn, ${ENDPOINTS} ports on one host, per container`;
  return [
    row(`convergence: ${ENDPOINTS} endpoints / ${HOSTS} hosts, apply to attached + sample reachable, per endpoint`, 'ms', median(perEp), baseLabel, median(basePer), '<= 5 ms'),
    row(`convergence: ${ENDPOINTS} endpoints / ${HOSTS} hosts, apply to all attached, per endpoint`, 'ms', median(runs.map((r) => r.attachedMs / ENDPOINTS)), baseLabel, median(basePer), '<= 5 ms'),
    row(`convergence: ${ENDPOINTS} endpoints / ${HOSTS} hosts, apply to sample reachable, total`, 's', median(runs.map((r) => r.reachableMs / 1000)), `ip -batch + one ovs-vsctl txn, ${ENDPOINTS} ports, total`, median(base) / 1000, 'info'),
    row(`convergence: etcd write transactions (revisions) per apply`, 'txns', median(runs.map((r) => r.revisions)), 'one write per endpoint', ENDPOINTS, '<< 1.0x'),
    row(`convergence: etcd keys written per apply`, 'keys', median(runs.map((r) => r.keysChanged)), 'endpoints', ENDPOINTS, 'info'),
    row(`convergence: OpenFlow flows per host (max)`, 'flows', median(runs.map((r) => Math.max(...r.flowsPerHost))), 'endpoints in the cluster', ENDPOINTS, 'info'),
  ];
}

