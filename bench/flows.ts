/**
 * OpenFlow install rate: realistic per-endpoint flows on one fresh netdev bridge, installed through the addon
 * (one pipelined batch, one barrier) versus `ovs-ofctl -O OpenFlow14 --bundle add-flows FILE`, and versus the raw
 * ceiling: the same flow-mods encoded in advance and written on one socket with one barrier.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeBatch, OFP13_VERSION, OpenFlowConnection, type FlowMod, type FlowStats } from '../src/datapath/ovs/openflow/index.js';
import { openflowNative } from '../src/datapath/ovs/openflow/native.js';
import { median, row, type BenchRow } from './lib.js';
import { rawInstallRate } from './openflow-raw.js';
import { ipToInt } from '../src/alloc/ip.js';
import { macFromIp } from '../src/alloc/mac.js';

/** Knobs for tests; the benchmark itself uses the defaults. */
export interface FlowBenchOptions {
  flows?: number;
  runs?: number;
}

const FLOWS_PER_ENDPOINT = 5;

/** One endpoint's classify / anti-spoof (IP and ARP) / L2 / L3 flows, as FlowMods and as ovs-ofctl text. */
function endpointFlows(i: number): { mods: FlowMod[]; text: string[] } {
  const port = 1 + (i % 60000);
  const net = 1 + (i >> 8);
  const ip = `10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}`;
  const mac = macFromIp(ipToInt(ip)!);
  const cookie = (0x5n << 56n) | BigInt(i);
  const c = `0x${cookie.toString(16)}`;
  const meta = BigInt(net);
  const mods: FlowMod[] = [
    { command: 'add', tableId: 0, priority: 100, cookie, match: { inPort: port, ethSrc: mac }, instructions: [{ type: 'writeMetadata', metadata: meta, mask: 0xffffffffn }, { type: 'gotoTable', tableId: 1 }] },
    { command: 'add', tableId: 1, priority: 200, cookie, match: { inPort: port, ethSrc: mac, ethType: 0x0800, ipv4Src: ip }, instructions: [{ type: 'gotoTable', tableId: 2 }] },
    { command: 'add', tableId: 1, priority: 200, cookie, match: { inPort: port, ethSrc: mac, ethType: 0x0806, arpSpa: ip, arpSha: mac }, instructions: [{ type: 'gotoTable', tableId: 2 }] },
    { command: 'add', tableId: 2, priority: 100, cookie, match: { metadata: meta, metadataMask: 0xffffffffn, ethDst: mac }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port }] }] },
    { command: 'add', tableId: 3, priority: 100, cookie, match: { metadata: meta, metadataMask: 0xffffffffn, ethType: 0x0800, ipv4Dst: ip }, instructions: [{ type: 'applyActions', actions: [{ type: 'setField', field: 'ethDst', value: mac }, { type: 'output', port }] }] },
  ];
  const m = `0x${meta.toString(16)}/0xffffffff`;
  const text = [
    `table=0,priority=100,cookie=${c},in_port=${port},dl_src=${mac},actions=write_metadata:${m},goto_table:1`,
    `table=1,priority=200,cookie=${c},ip,in_port=${port},dl_src=${mac},nw_src=${ip},actions=goto_table:2`,
    `table=1,priority=200,cookie=${c},arp,in_port=${port},dl_src=${mac},arp_spa=${ip},arp_sha=${mac},actions=goto_table:2`,
    `table=2,priority=100,cookie=${c},metadata=${m},dl_dst=${mac},actions=output:${port}`,
    `table=3,priority=100,cookie=${c},ip,metadata=${m},nw_dst=${ip},actions=set_field:${mac}->eth_dst,output:${port}`,
  ];
  return { mods, text };
}

/** CPU time a process's threads ran, and waited runnable for a CPU, so far (ms; /proc/PID/task/TID/schedstat). */
function schedMs(pid: number): { run: number; wait: number } {
  let run = 0;
  let wait = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [r, w] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      run += r / 1e6;
      wait += w / 1e6;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return { run, wait };
}

/** Runs `fn` and returns what vswitchd and this process spent meanwhile (CPU run and runnable-wait ms). */
async function withCpu(fn: () => Promise<unknown>): Promise<{ vswitchd: { run: number; wait: number }; self: { run: number; wait: number } }> {
  const vs = Number(readFileSync('/var/run/openvswitch/ovs-vswitchd.pid', 'utf8'));
  const v0 = schedMs(vs);
  const s0 = schedMs(process.pid);
  await fn();
  const v1 = schedMs(vs);
  const s1 = schedMs(process.pid);
  return { vswitchd: { run: v1.run - v0.run, wait: v1.wait - v0.wait }, self: { run: s1.run - s0.run, wait: s1.wait - s0.wait } };
}

/** Encoding alone, ms for all of `mods` in the connection's chunks: the flat layout the connection uses, and the object path it replaced. */
function encodeMs(mods: FlowMod[]): { flat: number; objects: number } {
  const chunk = 2048;
  let t0 = performance.now();
  for (let s = 0; s < mods.length; s += chunk) encodeBatch({ version: OFP13_VERSION, firstXid: 1 + s, flowMods: mods.slice(s, s + chunk) });
  const flat = performance.now() - t0;
  t0 = performance.now();
  for (let s = 0; s < mods.length; s += chunk) openflowNative().encodeModList('flow', mods.slice(s, s + chunk), { version: OFP13_VERSION, firstXid: 1 + s });
  return { flat, objects: performance.now() - t0 };
}

function ofctl(args: string[]): string {
  return execFileSync('ovs-ofctl', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

function flowCount(bridge: string): number {
  const m = /flow_count=(\d+)/.exec(ofctl(['-O', 'OpenFlow13', 'dump-aggregate', bridge]));
  if (!m) throw new Error('dump-aggregate printed no flow_count');
  return Number(m[1]);
}

/** What a flow is, without its counters: the fields both installers must agree on. */
function flowKey(f: FlowStats): string {
  return JSON.stringify({ t: f.tableId, p: f.priority, c: f.cookie, m: f.match, i: f.instructions }, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
}

/** Keys in `a` and not in `b` (at most `limit`, for a readable failure). */
function missingFrom(a: string[], b: Set<string>, limit = 5): string[] {
  return a.filter((k) => !b.has(k)).slice(0, limit);
}

/** Correctness facts of one benchmark run: the rates mean nothing unless these hold. */
export interface FlowBenchChecks {
  /** Flows asked for. */
  flows: number;
  /** Flow count on the bridge after each install, per run (dump-aggregate, via ovs-ofctl). */
  counts: { addonPipelined: number; addonBundle: number; raw: number; ofctlBundle: number; afterDelete: number }[];
  /** Flows the addon's dump returned after its pipelined install, per run. */
  dumped: number[];
  /** Flows (table, priority, cookie, match, instructions) the addon installed that ovs-ofctl's install lacks, and the reverse (first few). */
  addonOnly: string[];
  ofctlOnly: string[];
}

/** Every check `checks` fails, as sentences; empty when the run is sound. */
export function flowBenchProblems(checks: FlowBenchChecks): string[] {
  const problems: string[] = [];
  checks.counts.forEach((c, run) => {
    for (const [what, got] of Object.entries(c)) {
      const want = what === 'afterDelete' ? 0 : checks.flows;
      if (got !== want) problems.push(`run ${run}: ${what}: bridge holds ${got} flows, expected ${want}`);
    }
  });
  checks.dumped.forEach((n, run) => n !== checks.flows && problems.push(`run ${run}: addon dump returned ${n} flows, expected ${checks.flows}`));
  if (checks.addonOnly.length) problems.push(`flows installed by the addon but not by ovs-ofctl: ${checks.addonOnly.join('; ')}`);
  if (checks.ofctlOnly.length) problems.push(`flows installed by ovs-ofctl but not by the addon: ${checks.ofctlOnly.join('; ')}`);
  return problems;
}

/** Rows whose rates are not positive finite numbers (a clock or arithmetic fault). */
function badRates(rows: BenchRow[]): string[] {
  return rows.filter((r) => !(Number.isFinite(r.value) && r.value > 0 && Number.isFinite(r.baseline_value) && r.baseline_value > 0)).map((r) => `${r.name}: rate ${r.value} vs ${r.baseline_value}`);
}

/** Runs the benchmark; refuses to report rates unless every flow landed and both installers agree. */
export async function runFlowBench(opts: FlowBenchOptions = {}): Promise<BenchRow[]> {
  const { rows, checks } = await runFlowBenchChecked(opts);
  const problems = [...flowBenchProblems(checks), ...badRates(rows)];
  if (problems.length) throw new Error(`flow benchmark is not sound: ${problems.join('; ')}`);
  return rows;
}

/** Runs the benchmark on a bridge it creates and deletes; returns the install-rate rows and the correctness facts. */
export async function runFlowBenchChecked(opts: FlowBenchOptions = {}): Promise<{ rows: BenchRow[]; checks: FlowBenchChecks }> {
  const total = opts.flows ?? 50_000;
  const runs = opts.runs ?? Number(process.env.NP_BENCH_RUNS ?? 3);
  const endpoints = Math.ceil(total / FLOWS_PER_ENDPOINT);
  const mods: FlowMod[] = [];
  const lines: string[] = [];
  for (let i = 0; i < endpoints; i++) {
    const e = endpointFlows(i);
    mods.push(...e.mods);
    lines.push(...e.text);
  }
  mods.length = total;
  lines.length = total;

  const bridge = `npofb${Math.random().toString(36).slice(2, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'npofbench-'));
  const file = join(dir, 'flows.txt');
  writeFileSync(file, lines.join('\n') + '\n');
  execFileSync('ovs-vsctl', ['add-br', bridge, '--', 'set', 'bridge', bridge, 'datapath_type=netdev', 'protocols=OpenFlow10,OpenFlow13,OpenFlow14', 'fail_mode=secure']);
  let conn: OpenFlowConnection | undefined;
  try {
    conn = await OpenFlowConnection.connect(`/var/run/openvswitch/${bridge}.mgmt`, { timeoutMs: 300_000 });
    const addon: number[] = [];
    const bundled: number[] = [];
    const baseline: number[] = [];
    const dumpAddon: number[] = [];
    const dumpOfctl: number[] = [];
    const raw: number[] = [];
    const cpu: string[] = [];
    const checks: FlowBenchChecks = { flows: total, counts: [], dumped: [], addonOnly: [], ofctlOnly: [] };
    for (let r = 0; r < runs; r++) {
      const counts = { addonPipelined: -1, addonBundle: -1, raw: -1, ofctlBundle: -1, afterDelete: -1 };
      checks.counts.push(counts);
      // The raw ceiling runs right beside the addon's install (before it on even runs, after on odd ones),
      // so load from outside this benchmark hits both alike.
      const installRaw = async () => {
        cpu.push(`raw: vswitchd ran ${(await withCpu(async () => raw.push(await rawInstallRate(`/var/run/openvswitch/${bridge}.mgmt`, mods)))).vswitchd.run.toFixed(0)} ms`);
        counts.raw = flowCount(bridge);
        ofctl(['del-flows', bridge]);
      };
      if (r % 2 === 0) await installRaw();
      let t0 = performance.now();
      const c = await withCpu(() => conn!.flowMods(mods));
      addon.push(total / ((performance.now() - t0) / 1000));
      cpu.push(`addon: vswitchd ran ${c.vswitchd.run.toFixed(0)} ms (waited ${c.vswitchd.wait.toFixed(0)}), the addon's process ran ${c.self.run.toFixed(0)} ms (waited ${c.self.wait.toFixed(0)})`);
      counts.addonPipelined = flowCount(bridge);

      t0 = performance.now();
      const dumped = await conn.dumpFlows();
      dumpAddon.push(total / ((performance.now() - t0) / 1000));
      checks.dumped.push(dumped.length);
      t0 = performance.now();
      ofctl(['-O', 'OpenFlow13', 'dump-flows', bridge]);
      dumpOfctl.push(total / ((performance.now() - t0) / 1000));

      ofctl(['del-flows', bridge]);
      counts.afterDelete = flowCount(bridge);
      if (r % 2 === 1) await installRaw();

      t0 = performance.now();
      await conn.bundle({ flowMods: mods });
      bundled.push(total / ((performance.now() - t0) / 1000));
      counts.addonBundle = flowCount(bridge);
      ofctl(['del-flows', bridge]);

      t0 = performance.now();
      ofctl(['-O', 'OpenFlow14', '--bundle', 'add-flows', bridge, file]);
      baseline.push(total / ((performance.now() - t0) / 1000));
      counts.ofctlBundle = flowCount(bridge);
      const e = encodeMs(mods);
      cpu.push(`encode only: flat ${e.flat.toFixed(0)} ms, object path ${e.objects.toFixed(0)} ms`);
      if (r === 0) {
        // The same flows, read back through one decoder: the addon's encoding must equal what ovs-ofctl makes of the text.
        const fromAddon = dumped.map(flowKey);
        const fromOfctl = (await conn.dumpFlows()).map(flowKey);
        checks.addonOnly = missingFrom(fromAddon, new Set(fromOfctl));
        checks.ofctlOnly = missingFrom(fromOfctl, new Set(fromAddon));
      }
      ofctl(['del-flows', bridge]);
    }
    const k = (xs: number[]) => xs.map((x) => `${Math.round(x / 1000)}k`).join(' ');
    process.stderr.write(`flows: per run, flows/s: addon ${k(addon)}; raw ceiling ${k(raw)}; addon/raw ${addon.map((a, i) => (a / raw[i]).toFixed(2)).join(' ')}; ovs-ofctl --bundle ${k(baseline)}; addon bundle ${k(bundled)}\n`);
    process.stderr.write(`flows: CPU per install: ${cpu.join('; ')}\n`);
    const base = median(baseline);
    const rows = [
      row(`openflow: install ${total / 1000}k flows`, 'flows/s', median(addon), 'ovs-ofctl --bundle add-flows', base, '>= 3x'),
      row(`openflow: install ${total / 1000}k flows (addon OF1.4 bundle)`, 'flows/s', median(bundled), 'ovs-ofctl --bundle add-flows', base, '>= 1.5x'),
      row(`openflow: install ${total / 1000}k flows, against the raw ceiling`, 'flows/s', median(addon), 'pre-encoded flow-mods, one socket, one barrier', median(raw), '>= 0.9x'),
      row(`openflow: dump ${total / 1000}k flows`, 'flows/s', median(dumpAddon), 'ovs-ofctl dump-flows', median(dumpOfctl), '>= 1x'),
    ];
    return { rows, checks };
  } finally {
    conn?.close();
    execFileSync('ovs-vsctl', ['--if-exists', 'del-br', bridge]);
    rmSync(dir, { recursive: true, force: true });
  }
}
