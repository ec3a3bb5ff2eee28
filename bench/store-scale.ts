/**
 * The store at scale (no OVS, no root): netmaster's apply path on the embedded store in
 * a temp directory. Applies 100,000 networks, then the README's one_host_vlan.json (which
 * deletes them all): the small apply's time, and the worst health latency seen while it
 * ran, probed from another thread every few ms through netmaster's own HTTP server.
 * Baseline, same run: the same small apply on an empty store.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { row, type BenchRow } from './lib.js';
import { applyIntent } from '../src/master/apply.js';
import { createMasterServer } from '../src/master/server.js';
import { EmbeddedStore } from '../src/state/embedded.js';


const NETWORKS = Number(process.env.NP_BENCH_STORE_NETWORKS ?? 100_000);
const repo = join(fileURLToPath(import.meta.url), '../../../..');

/** Sequential health probes from a worker thread, so a blocked main loop shows as latency. */
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let stop = false, max = 0, count = 0, failures = 0;
parentPort.on('message', () => { stop = true; });
function probe() {
  if (stop) { parentPort.postMessage({ max, count, failures }); agent.destroy(); return; }
  const t0 = performance.now();
  http.get({ host: '127.0.0.1', port: workerData.port, path: '/api/v1/health', agent }, (res) => {
    res.resume();
    res.on('end', () => {
      if (res.statusCode !== 200) failures++;
      max = Math.max(max, performance.now() - t0); count++;
      setTimeout(probe, 5);
    });
  }).on('error', () => { failures++; setTimeout(probe, 5); });
}
probe();
`;

/** Health latency while `work` runs: the worst probe and how many were answered. */
async function probed<T>(port: number, work: () => Promise<T>): Promise<{ result: T; ms: number; maxHealthMs: number; probes: number; failures: number }> {
  const worker = new Worker(PROBE, { eval: true, workerData: { port } });
  const done = new Promise<{ max: number; count: number; failures: number }>((resolve) => worker.once('message', resolve));
  await new Promise((r) => setTimeout(r, 50)); // the probe is running before the work starts
  const t0 = performance.now();
  const result = await work();
  const ms = performance.now() - t0;
  worker.postMessage('stop');
  const stats = await done;
  await worker.terminate();
  return { result, ms, maxHealthMs: stats.max, probes: stats.count, failures: stats.failures };
}

/** One tenant of `n` VXLAN networks carved as /26 from 10.0.0.0/8. */
function bigIntent(n: number): string {
  const networks = Array.from({ length: n }, (_, i) => ({ Name: `n${i}` }));
  return JSON.stringify({ Tenants: [{ Name: 'big', DefaultNetType: 'vxlan', SubnetPool: '10.0.0.0/8', AllocSubnetLen: 26, Vxlans: `1-${n}`, Networks: networks }] });
}

/** Runs the suite; each run uses fresh temp directories. */
export async function runStoreScaleBench(): Promise<BenchRow[]> {
  const small = readFileSync(join(repo, 'examples/one_host_vlan.json'), 'utf8');
  const log = pino({ level: 'silent' });
  const measure = async (prefill: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), 'np-bench-store-'));
    const store = EmbeddedStore.open(dir);
    const server = createMasterServer(store, log, { token: 'bench-token' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const big = prefill ? await probed(port, () => applyIntent(store, bigIntent(NETWORKS))) : undefined;
      if (big) process.stderr.write(`store: ${NETWORKS} networks applied in ${big.ms.toFixed(0)} ms (health max ${big.maxHealthMs.toFixed(1)} ms over ${big.probes} probes)\n`);
      const run = await probed(port, () => applyIntent(store, small));
      if (run.failures > 0) throw new Error(`${run.failures} health probes failed`);
      process.stderr.write(`store: small apply ${prefill ? `after ${NETWORKS} networks` : 'on an empty store'}: ${run.ms.toFixed(0)} ms, health max ${run.maxHealthMs.toFixed(1)} ms over ${run.probes} probes; plan ${run.result.plan.create.length} create, ${run.result.plan.delete.length} delete\n`);
      return { big, run };
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const empty = await measure(false);
  const full = await measure(true);
  return [
    row(`apply ${NETWORKS / 1000}k networks, then small apply: time`, 'ms', full.run.ms, 'small apply on an empty store', empty.run.ms, '<= 2000 ms'),
    row(`apply ${NETWORKS / 1000}k networks, then small apply: max health latency`, 'ms', full.run.maxHealthMs, 'same, small apply on an empty store', empty.run.maxHealthMs, '<= 100 ms'),
    row(`apply ${NETWORKS / 1000}k networks: max health latency`, 'ms', full.big!.maxHealthMs, 'small apply on an empty store', empty.run.maxHealthMs, 'informational'),
  ];
}
