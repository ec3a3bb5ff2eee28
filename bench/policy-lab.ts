/**
 * Policy (issue 12) on a 2-host lab (suite `policy-tcp`; root, Open vSwitch): the generated
 * tenant of bench/policy-intent.ts (1,000 endpoints, 50 groups, 500 rules, now on two hosts)
 * plus one container per host that belongs to ten of its groups and a `bench` group, and a
 * second tenant without policy with one container per host.
 * - vswitchd and agent memory on each host with the 500 rules, beside the same endpoints and
 *   groups before any policy (the step before, same lab);
 * - TCP, one iperf3 stream host1 -> host2, through the policy tables (the policy tenant's
 *   containers) beside the tenant without policy, same run, alternating;
 * - the time from `netdcli -cfg` (a rule denying ICMP out of the bench group) to enforcement on
 *   both hosts: each host's container pings the other, one new connection per ping, and the
 *   figure is the first failed ping of the slower host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTROL_IP, Lab, ROOT, runAsync } from '../test/helpers/lab.js';
import { iperf, waitAttached, type Path } from './dataplane.js';
import { median, row, type BenchRow } from './lib.js';
import { ISSUE_SHAPE, groupName, policyTenant, type RuleJson } from './policy-intent.js';

const RUNS = Number(process.env.NP_BENCH_RUNS ?? 3);
const HOSTS = ['host1', 'host2'];
const BENCH_GROUP = 'bench';
/** Generated groups the bench containers also join, so their rules are in their hosts' tables. */
const JOINED_GROUPS = 10;
/** Consecutive answered pings each prober must show before the change (the positive control). */
const PROBE_OK_BEFORE = 5;

function log(msg: string): void {
  process.stderr.write(`policy-tcp: ${msg}\n`);
}

/** Rules letting the bench containers reach each other (ping, iperf3 on 5201), above every generated rule. */
function benchRules(): RuleJson[] {
  return [
    { Priority: 9999, Direction: 'in', Action: 'allow', From: BENCH_GROUP, Protocol: 'tcp', Port: 5201 },
    { Priority: 9998, Direction: 'out', Action: 'allow', To: BENCH_GROUP, Protocol: 'tcp', Port: 5201 },
    { Priority: 9997, Direction: 'in', Action: 'allow', From: BENCH_GROUP, Protocol: 'icmp' },
    { Priority: 9996, Direction: 'out', Action: 'allow', To: BENCH_GROUP, Protocol: 'icmp' },
  ];
}

/** The lab's intent: `policies` off gives the same groups and endpoints with no policy at all. */
export function labIntent(policies: boolean, extraRule?: RuleJson): Record<string, unknown> {
  const tenant = policyTenant({ ...ISSUE_SHAPE, hosts: HOSTS });
  const nets = tenant.Networks as { Endpoints: Record<string, unknown>[] }[];
  const groups = [...Array.from({ length: JOINED_GROUPS }, (_, i) => groupName(i)), BENCH_GROUP];
  nets[0].Endpoints.push({ Container: 'pt1', Host: 'host1', Groups: groups }, { Container: 'pt2', Host: 'host2', Groups: groups });
  const groupList = tenant.Groups as { Name: string; Policies: string[] }[];
  groupList.push({ Name: BENCH_GROUP, Policies: ['bench'] });
  (tenant.Policies as unknown[]).push({ Name: 'bench', Rules: [...(extraRule ? [extraRule] : []), ...benchRules()] });
  if (!policies) {
    for (const g of groupList) g.Policies = [];
    delete tenant.Policies;
  }
  return {
    Hosts: HOSTS.map((h, i) => ({ Name: h, Intf: 'up0', VtepIp: `198.18.100.${i + 1}` })),
    Tenants: [
      tenant,
      {
        Name: 'np', DefaultNetType: 'vxlan', SubnetPool: '10.65.0.0/16', AllocSubnetLen: 24, Vxlans: '20101-20200',
        Networks: [{ Name: 'm0', PktTagType: 'vxlan', Endpoints: [{ Container: 'nt1', Host: 'host1' }, { Container: 'nt2', Host: 'host2' }] }],
      },
    ],
  };
}

/** `netdcli -cfg` without blocking the event loop (the probes' timing must not stall behind it). */
async function applyAsync(lab: Lab, intent: object): Promise<void> {
  const dir = join(lab.dir, 'intents');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `policy-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(intent) + '\n');
  const auth = ['--cacert', join(lab.dir, 'ul', 'api-tls.crt'), '--token-file', join(lab.dir, 'ul', 'api-token')];
  const r = await runAsync('ip', ['netns', 'exec', lab.netnsName('ul'), process.execPath, join(ROOT, 'dist/cli/netdcli.js'), '--master', `https://${CONTROL_IP}:9999`, ...auth, '-cfg', file], 120_000);
  if (r.code !== 0) throw new Error(`netdcli -cfg ${file} failed (exit ${r.code}): ${r.out}`);
}

/** Resident memory (MiB) of the process whose PID is in `pidfile`. */
function rssMiB(pidfile: string): number {
  const pid = readFileSync(pidfile, 'utf8').trim();
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid} (${pidfile})`);
  return Number(m[1]) / 1024;
}

/** vswitchd and agent RSS of each host. */
function memory(lab: Lab): { vswitchd: number[]; agent: number[] } {
  return {
    vswitchd: HOSTS.map((h) => rssMiB(join(lab.ovsRundir(h), 'ovs-vswitchd.pid'))),
    agent: HOSTS.map((h) => rssMiB(join(lab.dir, h, 'netagent.pid'))),
  };
}

/** Waits until every host's flow count has moved away from `before` and held still for 2 s. */
async function waitFlowsSettled(lab: Lab, before: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let last = HOSTS.map(() => -1);
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const now = HOSTS.map((h) => lab.dumpFlows(h).split('\n').filter((l) => l.includes('cookie=')).length);
    if (now.some((n, i) => n !== last[i])) stableSince = Date.now();
    last = now;
    if (now.every((n, i) => n !== before[i]) && Date.now() - stableSince >= 2000) return now;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`policy flows did not settle in ${timeoutMs} ms: ${last.join(', ')} flows (before ${before.join(', ')})`);
}

/** A shell loop in `netns` pinging `ip` (one new ICMP connection per ping), printing `ok|fail <ns since epoch>` per ping. */
function prober(netns: string, ip: string): { proc: ChildProcess; lines: string[] } {
  const loop = `while :; do t=$(date +%s%N); if ping -c 1 -W 0.3 ${ip} >/dev/null 2>&1; then echo "ok $t"; else echo "fail $t"; fi; done`;
  const proc = spawn('nsenter', [`--net=${netns}`, 'sh', '-c', loop], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines: string[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  return { proc, lines };
}

/** Ms from `t0Ms` to the first failed ping started after it, or undefined while none failed. */
function firstFailure(lines: readonly string[], t0Ms: number): number | undefined {
  for (const l of lines) {
    const [status, ns] = l.split(' ');
    const ms = Number(BigInt(ns) / 1_000_000n);
    if (ms >= t0Ms && status === 'fail') return ms - t0Ms;
  }
  return undefined;
}

/** Whether the last `n` pings all answered. */
function answering(lines: readonly string[], n: number): boolean {
  return lines.length >= n && lines.slice(-n).every((l) => l.startsWith('ok '));
}

/** Runs the lab measurements and returns their rows. */
export async function runPolicyLabBench(): Promise<BenchRow[]> {
  const lab = await Lab.up({ hosts: 2 });
  const probes: ChildProcess[] = [];
  try {
    const containers: [string, string][] = [['pt1', 'host1'], ['pt2', 'host2'], ['nt1', 'host1'], ['nt2', 'host2']];
    await applyAsync(lab, labIntent(false));
    for (const [c, h] of containers) lab.addContainer(h, c);
    const eps = await waitAttached(lab, containers.map(([c]) => c), 120_000);
    const ip = (c: string) => eps.find((e) => e.container === c)!.ip.split('/')[0];
    const ns = (c: string) => lab.netnsPath(c);
    const flowsBefore = HOSTS.map((h) => lab.dumpFlows(h).split('\n').filter((l) => l.includes('cookie=')).length);
    const memBefore = memory(lab);

    await applyAsync(lab, labIntent(true));
    const flowsAfter = await waitFlowsSettled(lab, flowsBefore, 120_000);
    const memAfter = memory(lab);
    log(`flows per host ${flowsBefore.join(', ')} without policy, ${flowsAfter.join(', ')} with it`);
    log(`vswitchd RSS ${memBefore.vswitchd.map((m) => m.toFixed(1)).join(', ')} -> ${memAfter.vswitchd.map((m) => m.toFixed(1)).join(', ')} MiB; agent ${memBefore.agent.map((m) => m.toFixed(1)).join(', ')} -> ${memAfter.agent.map((m) => m.toFixed(1)).join(', ')} MiB`);

    const withPolicy: Path = { client: ns('pt1'), server: ns('pt2'), serverIp: ip('pt2') };
    const without: Path = { client: ns('nt1'), server: ns('nt2'), serverIp: ip('nt2') };
    const res = { policy: [] as number[], none: [] as number[] };
    for (let k = 0; k < RUNS; k++) {
      const pairs: [number[], Path][] = k % 2 ? [[res.none, without], [res.policy, withPolicy]] : [[res.policy, withPolicy], [res.none, without]];
      for (const [out, path] of pairs) out.push(await iperf(path));
      log(`run ${k + 1}: through 500 rules ${res.policy[k].toFixed(2)} / no policy ${res.none[k].toFixed(2)} Gbit/s`);
    }

    // Enforcement: both containers ping each other; a rule denying ICMP out of `bench` must stop both.
    const p1 = prober(ns('pt1'), ip('pt2'));
    const p2 = prober(ns('pt2'), ip('pt1'));
    probes.push(p1.proc, p2.proc);
    for (let i = 0; i < 100 && !(answering(p1.lines, PROBE_OK_BEFORE) && answering(p2.lines, PROBE_OK_BEFORE)); i++) await new Promise((r) => setTimeout(r, 100));
    if (!answering(p1.lines, PROBE_OK_BEFORE) || !answering(p2.lines, PROBE_OK_BEFORE)) throw new Error(`the probes do not answer before the change: ${p1.lines.slice(-3)} / ${p2.lines.slice(-3)}`);
    const t0 = Date.now();
    await applyAsync(lab, labIntent(true, { Priority: 10000, Direction: 'out', Action: 'deny', Protocol: 'icmp' }));
    const hostMs: (number | undefined)[] = [undefined, undefined];
    for (let i = 0; i < 300 && hostMs.some((m) => m === undefined); i++) {
      hostMs[0] = firstFailure(p1.lines, t0);
      hostMs[1] = firstFailure(p2.lines, t0);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (hostMs.some((m) => m === undefined)) throw new Error(`pings still answered 30 s after netdcli -cfg: host1 ${p1.lines.slice(-2)}, host2 ${p2.lines.slice(-2)}`);
    // A failure that is not the rule (a lost ping) would end the wait early: the pings must stay failed.
    const settled = [p1.lines.length, p2.lines.length];
    await new Promise((r) => setTimeout(r, 2000));
    const stillFailing = [p1.lines.slice(settled[0]), p2.lines.slice(settled[1])].every((ls) => ls.length > 0 && ls.every((l) => l.startsWith('fail ')));
    if (!stillFailing) throw new Error('a ping failed after netdcli -cfg but later ones answered: not the rule (a lost packet?)');
    const enforcement = Math.max(...(hostMs as number[]));
    log(`enforcement: host1 ${hostMs[0]} ms, host2 ${hostMs[1]} ms after netdcli -cfg started`);

    return [
      row('policy-tcp: TCP host1 -> host2 through the policy tables, 500 rules (one stream)', 'Gbit/s', median(res.policy), 'a tenant without policy, same hosts, same run', median(res.none), '>= 0.8x'),
      row('policy-tcp: netdcli -cfg (one rule) to enforcement on every host (first failed ping, slower host)', 'ms', enforcement, 'the target, 1 s', 1000, '<= 1.0x'),
      row('policy-tcp: vswitchd RSS on host1 with 500 rules', 'MiB', memAfter.vswitchd[0], 'the same endpoints and groups without policy', memBefore.vswitchd[0], 'report'),
      row('policy-tcp: agent RSS on host1 with 500 rules', 'MiB', memAfter.agent[0], 'the same endpoints and groups without policy', memBefore.agent[0], 'report'),
    ];
  } finally {
    for (const p of probes) if (p.exitCode === null && p.pid) p.kill('SIGTERM');
    await lab.down();
  }
}
