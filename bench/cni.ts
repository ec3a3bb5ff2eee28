/**
 * CNI ADD and DEL latency as a runtime sees it — the whole exec of the plugin binary, one
 * container at a time, over 100 containers (network namespaces) — through `netplugin-cni`
 * backed by a real netmaster + netagent (embedded store, its own OVS bridge), against the
 * reference `bridge` plugin with `host-local` IPAM, in the same run. Also the shim's bare
 * round trip (STATUS: exec + relay + agent answer) against a Go plugin's bare exec (VERSION).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, percentile, row, type BenchRow, startBenchDaemon, stopChild } from './lib.js';
import { freePort } from '../test/helpers/cluster.js';

const N = Number(process.env.NP_BENCH_CNI_CONTAINERS ?? 100);
const REPO = join(fileURLToPath(import.meta.url), '../../../..');
const SHIM = join(REPO, 'build/Release/netplugin-cni');
const REF = '/usr/lib/cni';

function log(msg: string): void {
  process.stderr.write(`cni: ${msg}\n`);
}



function agentStatus(socketPath: string): Promise<{ ready?: boolean } | undefined> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/v1/status', method: 'GET', agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

async function until(what: string, ms: number, fn: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`cni bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One plugin exec, timed from spawn to exit, as a runtime pays it. */
function exec(plugin: string, env: Record<string, string>, stdin: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(plugin, [], { input: stdin, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${plugin} ${env.CNI_COMMAND} failed: ${r.stdout}${r.stderr}`);
  return ms;
}

/** ADD then DEL of every container through one plugin configuration. */
function addDel(plugin: string, conf: string, netns: string[], prefix: string): { add: number[]; del: number[] } {
  const env = (cmd: string, i: number) => ({ CNI_COMMAND: cmd, CNI_CONTAINERID: `${prefix}-${i}`, CNI_NETNS: `/run/netns/${netns[i]}`, CNI_IFNAME: 'eth0', CNI_PATH: REF });
  const add = netns.map((_, i) => exec(plugin, env('ADD', i), conf));
  const del = netns.map((_, i) => exec(plugin, env('DEL', i), conf));
  return { add, del };
}

/** Runs both sides and returns the rows. */
export async function runCniBench(): Promise<BenchRow[]> {
  const id = randomBytes(3).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'np-bench-cni-'));
  const sock = join(dir, 'agent.sock');
  const bridge = `npbk${id}`;
  const refBridge = `npkr${id}`;
  const oursNs = Array.from({ length: N }, (_, i) => `npko-${id}-${i}`);
  const refNs = Array.from({ length: N }, (_, i) => `npkb-${id}-${i}`);
  let master: ChildProcess | undefined;
  let agent: ChildProcess | undefined;
  try {
    for (const ns of [...oursNs, ...refNs]) spawnSync('ip', ['netns', 'add', ns]);
    const storeUrl = `embedded:${join(dir, 'store')}`;
    const port = await freePort();
    master = startBenchDaemon(REPO, dir, 'netmaster', ['--listen', `127.0.0.1:${port}`, '--token-file', join(dir, 'api-token'), '--store', storeUrl]);
    await until('netmaster', 20_000, async () => (await fetch(`http://127.0.0.1:${port}/api/v1/health`).catch(() => undefined))?.ok === true);
    const intent = { Tenants: [{ Name: 'bench', SubnetPool: '198.18.104.0/22', AllocSubnetLen: 24, Vlans: '380-390', Networks: [{ Name: 'pods', SubnetCIDR: '198.18.104.0/24' }] }] };
    writeFileSync(join(dir, 'intent.json'), JSON.stringify(intent));
    const apply = spawnSync(process.execPath, [join(REPO, 'dist/cli/netdcli.js'), '--master', `http://127.0.0.1:${port}`, '--token-file', join(dir, 'api-token'), '-cfg', join(dir, 'intent.json')], { encoding: 'utf8' });
    if (apply.status !== 0) throw new Error(`netdcli -cfg failed: ${apply.stderr}`);
    agent = startBenchDaemon(REPO, dir, 'netagent', ['--host-label', 'bench', '--store', storeUrl, '--bridge', bridge, '--docker-socket', 'none', '--docker-plugin-socket', 'none', '--api-socket', sock]);
    await until('netagent ready', 30_000, async () => (await agentStatus(sock))?.ready === true);

    const ours = JSON.stringify({ cniVersion: '1.0.0', name: `npbench${id}`, type: 'netplugin-cni', tenant: 'bench', network: 'pods', agentSocket: sock });
    const ref = JSON.stringify({ cniVersion: '1.0.0', name: `npref${id}`, type: 'bridge', bridge: refBridge, isGateway: false, ipMasq: false, ipam: { type: 'host-local', subnet: '198.19.0.0/24', dataDir: join(dir, 'host-local') } });

    // Warm both paths once (page cache, first OVS port, Go runtime pages), then measure.
    exec(SHIM, { CNI_COMMAND: 'STATUS' }, JSON.stringify({ ...JSON.parse(ours), cniVersion: '1.1.0' }));
    log(`reference bridge + host-local, ${N} containers`);
    const b = addDel(`${REF}/bridge`, ref, refNs, `ref-${id}`);
    log(`netplugin-cni, ${N} containers`);
    const o = addDel(SHIM, ours, oursNs, `np-${id}`);
    const statusConf = JSON.stringify({ ...JSON.parse(ours), cniVersion: '1.1.0' });
    const status = Array.from({ length: 50 }, () => exec(SHIM, { CNI_COMMAND: 'STATUS' }, statusConf));
    const version = Array.from({ length: 50 }, () => exec(`${REF}/bridge`, { CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}'));

    return [
      row('cni: ADD via netplugin-cni, median', 'ms', median(o.add), 'CNI bridge+host-local ADD, median', median(b.add), '<= 1.0x (stretch 0.5x)'),
      row('cni: ADD via netplugin-cni, p90', 'ms', percentile(o.add, 90), 'CNI bridge+host-local ADD, p90', percentile(b.add, 90), '<= 1.0x'),
      row('cni: DEL via netplugin-cni, median', 'ms', median(o.del), 'CNI bridge+host-local DEL, median', median(b.del), '<= 1.0x'),
      row('cni: DEL via netplugin-cni, p90', 'ms', percentile(o.del, 90), 'CNI bridge+host-local DEL, p90', percentile(b.del, 90), '<= 1.0x'),
      row('cni: shim round trip (STATUS: exec + relay + agent), median', 'ms', median(status), 'CNI bridge VERSION (bare Go plugin exec), median', median(version), '<= 1.0x'),
    ];
  } finally {
    await stopChild(agent);
    await stopChild(master);
    spawnSync('ovs-vsctl', ['--if-exists', 'del-br', bridge]);
    spawnSync('ip', ['link', 'del', refBridge]);
    for (const ns of [...oursNs, ...refNs]) spawnSync('ip', ['netns', 'del', ns]);
    if (process.env.NP_BENCH_KEEP) log(`kept ${dir} (daemon logs)`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

// `node build/bench-dist/bench/cni.js` runs this bench alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { printTable } = await import('./lib.js');
  printTable(await runCniBench());
}
