/**
 * OpenFlow install rate: realistic per-endpoint flows on one fresh netdev bridge, installed through the addon
 * (one pipelined batch, one barrier) versus `ovs-ofctl -O OpenFlow14 --bundle add-flows FILE`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OpenFlowConnection, type FlowMod } from '../src/datapath/ovs/openflow/index.js';
import { median, row, type BenchRow } from './lib.js';
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

function ofctl(args: string[]): string {
  return execFileSync('ovs-ofctl', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

function flowCount(bridge: string): number {
  const m = /flow_count=(\d+)/.exec(ofctl(['-O', 'OpenFlow13', 'dump-aggregate', bridge]));
  if (!m) throw new Error('dump-aggregate printed no flow_count');
  return Number(m[1]);
}

function expectCount(bridge: string, n: number, what: string): void {
  const got = flowCount(bridge);
  if (got !== n) throw new Error(`${what}: bridge holds ${got} flows, expected ${n}`);
}

/** Runs the benchmark on a bridge it creates and deletes; returns the install-rate rows. */
export async function runFlowBench(opts: FlowBenchOptions = {}): Promise<BenchRow[]> {
  const total = opts.flows ?? 50_000;
  const runs = opts.runs ?? 3;
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
    for (let r = 0; r < runs; r++) {
      let t0 = performance.now();
      await conn.flowMods(mods);
      addon.push(total / ((performance.now() - t0) / 1000));
      expectCount(bridge, total, 'addon pipelined install');

      t0 = performance.now();
      const dumped = await conn.dumpFlows();
      dumpAddon.push(total / ((performance.now() - t0) / 1000));
      if (dumped.length !== total) throw new Error(`addon dump returned ${dumped.length} flows, expected ${total}`);
      t0 = performance.now();
      ofctl(['-O', 'OpenFlow13', 'dump-flows', bridge]);
      dumpOfctl.push(total / ((performance.now() - t0) / 1000));

      ofctl(['del-flows', bridge]);
      expectCount(bridge, 0, 'delete after addon install');

      t0 = performance.now();
      await conn.bundle({ flowMods: mods });
      bundled.push(total / ((performance.now() - t0) / 1000));
      expectCount(bridge, total, 'addon bundle install');
      ofctl(['del-flows', bridge]);

      t0 = performance.now();
      ofctl(['-O', 'OpenFlow14', '--bundle', 'add-flows', bridge, file]);
      baseline.push(total / ((performance.now() - t0) / 1000));
      expectCount(bridge, total, 'ovs-ofctl --bundle add-flows');
      ofctl(['del-flows', bridge]);
    }
    const base = median(baseline);
    return [
      row(`openflow: install ${total / 1000}k flows`, 'flows/s', median(addon), 'ovs-ofctl --bundle add-flows', base, '>= 3x'),
      row(`openflow: install ${total / 1000}k flows (addon OF1.4 bundle)`, 'flows/s', median(bundled), 'ovs-ofctl --bundle add-flows', base, '>= 1.5x'),
      row(`openflow: dump ${total / 1000}k flows`, 'flows/s', median(dumpAddon), 'ovs-ofctl dump-flows', median(dumpOfctl), '>= 1x'),
    ];
  } finally {
    conn?.close();
    execFileSync('ovs-vsctl', ['--if-exists', 'del-br', bridge]);
    rmSync(dir, { recursive: true, force: true });
  }
}
