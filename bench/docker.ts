/**
 * `docker run --rm` of a container that pings a peer container once, on a netplugin network
 * (our NetworkDriver + IpamDriver served by a real netagent of the bench's own) against
 * Docker's default `bridge` network, on the machine's dockerd in the same run, runs
 * interleaved. Wall time of the docker CLI, median of 20 each. Target: netplugin <= 1.1x.
 *
 * The machine's engine, not a private one: a second dockerd cannot run with iptables (the
 * chains are shared), and without it the host's FORWARD policy (DROP, set by the machine's
 * dockerd, with bridge-nf-call-iptables=1) drops traffic on the private engine's bridges.
 * The bench adds one network and three containers there and removes them.
 */
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../test/helpers/lab.js';
import { IMAGE, waitFor } from '../test/helpers/cluster.js';
import { agentApi } from '../test/helpers/agent-api.js';
import { median, percentile, row, type BenchRow, startBenchDaemon, stopChild } from './lib.js';
import { freePort } from '../test/helpers/cluster.js';

const RUNS = Number(process.env.NP_BENCH_DOCKER_RUNS ?? 20);



/** The docker CLI against the machine's engine; throws with stderr on failure. */
function docker(args: string[]): string {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}

/** Milliseconds of one `docker run --rm --network <net> ... ping -c 1 <peer>`; throws if the ping failed. */
function timedRun(network: string, peer: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('docker', ['run', '--rm', '--network', network, IMAGE, 'ping', '-c', '1', '-W', '2', peer], { encoding: 'utf8', timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`docker run on ${network} failed (${r.status}): ${r.stderr || r.stdout}`);
  return ms;
}

/** Runs the benchmark with a netmaster and netagent of its own; removes everything it made after. */
export async function runDockerBench(): Promise<BenchRow[]> {
  const id = randomBytes(3).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'np-bdk-'));
  const driver = `npbd${id}`;
  const pluginSock = `/run/docker/plugins/${driver}.sock`;
  const bridge = `npbd${id}`;
  const storeUrl = `embedded:${join(dir, 'store')}`;
  const apiSock = join(dir, 'agent.sock');
  const npNet = `np-bench-${id}`;
  const peerNames = { np: `np-bench-peer-np-${id}`, br: `np-bench-peer-br-${id}` };
  let master: ChildProcess | undefined;
  let agent: ChildProcess | undefined;
  try {
    const port = await freePort();
    master = startBenchDaemon(ROOT, dir, 'netmaster', ['--listen', `127.0.0.1:${port}`, '--token-file', join(dir, 'api-token'), '--store', storeUrl]);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/api/v1/health`).catch(() => undefined))?.ok, 20_000, () => 'netmaster up');
    const intentFile = join(dir, 'intent.json');
    writeFileSync(intentFile, JSON.stringify({ Tenants: [{ Name: 'bench', DefaultNetType: 'vlan', SubnetPool: '198.18.112.0/20', AllocSubnetLen: 24, Vlans: '380-390', Networks: [{ Name: 'n1', SubnetCIDR: '198.18.112.0/24', Endpoints: [] }] }] }));
    execFileSync(process.execPath, [join(ROOT, 'dist/cli/netdcli.js'), '--master', `http://127.0.0.1:${port}`, '--token-file', join(dir, 'api-token'), '-cfg', intentFile], { stdio: 'ignore' });
    agent = startBenchDaemon(ROOT, dir, 'netagent', ['--host-label', 'bench', '--store', storeUrl, '--bridge', bridge, '--docker-socket', '/var/run/docker.sock', '--api-socket', apiSock, '--docker-plugin-socket', pluginSock]);
    await waitFor(async () => (await agentApi(apiSock, 'GET', '/v1/status').catch(() => undefined))?.body?.ready === true, 60_000, () => `agent ready\n${readFileSync(join(dir, 'netagent.log'), 'utf8').slice(-1500)}`);

    docker(['network', 'create', '-d', driver, '--ipam-driver', driver, '--ipam-opt', 'tenant=bench', '--ipam-opt', 'network=n1', npNet]);
    const nets: Record<'np' | 'br', string> = { np: npNet, br: 'bridge' };
    const peers: Record<string, string> = {};
    for (const k of ['np', 'br'] as const) {
      docker(['run', '-d', '--name', peerNames[k], '--network', nets[k], IMAGE, 'sleep', '3600']);
      peers[k] = docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${nets[k]}").IPAddress}}`, peerNames[k]]);
    }
    // One untimed run each (image and plugin paths warm), then interleaved timed runs.
    for (const k of ['np', 'br'] as const) timedRun(nets[k], peers[k]);
    const times: Record<'np' | 'br', number[]> = { np: [], br: [] };
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 === 0 ? (['np', 'br'] as const) : (['br', 'np'] as const);
      for (const k of order) times[k].push(timedRun(nets[k], peers[k]));
    }
    const np = median(times.np);
    const br = median(times.br);
    process.stderr.write(
      `bench docker: docker run --rm + ping peer, median of ${RUNS}: netplugin ${np.toFixed(1)} ms | bridge ${br.toFixed(1)} ms` +
        ` (p90 ${percentile(times.np, 90).toFixed(1)} | ${percentile(times.br, 90).toFixed(1)} ms)\n`,
    );
    return [row('docker run --rm, ping peer: netplugin network', 'ms', np, `Docker default bridge network, same run (median of ${RUNS})`, br, '<= 1.1x')];
  } finally {
    spawnSync('docker', ['rm', '-f', peerNames.np, peerNames.br], { stdio: 'ignore' });
    // While the agent still serves the plugin, so Docker can tell it.
    spawnSync('docker', ['network', 'rm', npNet], { stdio: 'ignore' });
    await stopChild(agent);
    await stopChild(master);
    rmSync(pluginSock, { force: true });
    spawnSync('ovs-vsctl', ['--if-exists', 'del-br', bridge]);
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node build/bench-dist/bench/docker.js` runs this benchmark alone.
if (process.argv[1]?.endsWith('/bench/docker.js')) {
  const rows = await runDockerBench();
  console.log(JSON.stringify(rows, null, 2));
}
