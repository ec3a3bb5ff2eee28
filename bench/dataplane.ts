/**
 * Dataplane: TCP throughput (iperf3, one stream, 5 s) container to container across two
 * hosts, on a VLAN network and on a VXLAN network, with the agent's default settings (a
 * 2-host lab) against the best hand-tuned setting of docs/platform.md built in the same run:
 * - VLAN: OVS with userspace TSO, container port tagged on br-int, patch to br-phy holding
 *   the trunk uplink;
 * - VXLAN: a kernel `vxlan` device (offloads on, as by default) added as an OVS port next
 *   to the container port, container MTU 1450.
 * Runs alternate between the two sides so background load hits both alike.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runAsync, type LabEndpoint } from '../test/helpers/lab.js';
import { Lab } from '../test/helpers/lab.js';
import { HandHost, addNetns, delNetns, run } from './lab-ovs.js';
import { median, row, type BenchRow } from './lib.js';

const RUNS = Number(process.env.NP_BENCH_RUNS ?? 3);
const SECONDS = 5;

/** Prints the container interface's MTU and its tx checksum / TSO state (run inside the container). */
const OFFLOAD_PROBE = [
  "i=$(ip -o -4 addr show scope global | awk '{print $2; exit}')",
  'ip -o link show "$i" | grep -o "mtu [0-9]*"',
  'ethtool -k "$i" | grep -E "^(tx-checksumming|tcp-segmentation-offload):"',
].join('; ');

/** Two container namespaces (files) to measure between: client -> server at `serverIp`. */
export interface Path {
  client: string;
  server: string;
  serverIp: string;
}

function log(msg: string): void {
  process.stderr.write(`dataplane: ${msg}\n`);
}

/** Pings until one answers (the first packet to a new tunnel peer may be lost). */
async function waitPing(p: Path): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const r = await runAsync('nsenter', [`--net=${p.client}`, 'ping', '-c', '1', '-W', '1', p.serverIp], 5_000);
    if (r.code === 0) return;
  }
  throw new Error(`${p.serverIp} does not answer ping from ${p.client}`);
}

/** One iperf3 run (server with -1, stopped by its PID if still there); Gbit/s received. */
export async function iperf(p: Path): Promise<number> {
  await waitPing(p);
  const server = spawn('nsenter', [`--net=${p.server}`, 'iperf3', '-s', '-1', '-p', '5201'], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    for (let i = 0; i < 50; i++) {
      const r = await runAsync('nsenter', [`--net=${p.client}`, 'iperf3', '-c', p.serverIp, '-p', '5201', '-t', String(SECONDS), '-J'], (SECONDS + 30) * 1000);
      const j = JSON.parse(r.stdout || '{}') as { error?: string; end?: { sum_received?: { bits_per_second: number } } };
      const bps = j.end?.sum_received?.bits_per_second;
      if (bps !== undefined && !j.error) return bps / 1e9;
      // The server may not be listening yet; anything else is a real failure.
      if (!/refused/i.test(j.error ?? r.out)) throw new Error(`iperf3 to ${p.serverIp} failed: ${j.error ?? r.out}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`iperf3 server at ${p.serverIp} never listened`);
  } finally {
    if (server.exitCode === null && server.pid) server.kill('SIGTERM');
  }
}

/** The hand-tuned two hosts: returns the VLAN and VXLAN paths and a cleanup. */
export function handTuned(id: string): { vlan: Path; vxlan: Path; stop: () => void } {
  const ul = `npbd${id}-ul`;
  const hosts: HandHost[] = [];
  const containers: string[] = [];
  const stop = () => {
    for (const h of hosts) h.stop();
    delNetns([...containers, ul]);
  };
  try {
    addNetns(ul);
    run('ip', ['-n', ul, 'link', 'add', 'br0', 'type', 'bridge']);
    run('ip', ['-n', ul, 'link', 'set', 'br0', 'up']);
    for (const i of [1, 2]) {
      const h = HandHost.start(`npbd${id}-h${i}`);
      hosts.push(h);
      const hns = h.netns;
      // Uplinks: up0 is the VLAN trunk (an OVS port, no IP); ux0 carries the VXLAN underlay in the kernel.
      for (const [inHost, inUl] of [['up0', `h${i}v`], ['ux0', `h${i}x`]]) {
        run('ip', ['-n', ul, 'link', 'add', inUl, 'type', 'veth', 'peer', 'name', inHost, 'netns', hns]);
        run('ip', ['-n', ul, 'link', 'set', inUl, 'master', 'br0', 'up']);
        run('ip', ['-n', hns, 'link', 'set', inHost, 'up']);
      }
      run('ip', ['-n', hns, 'addr', 'add', `192.168.177.${i}/24`, 'dev', 'ux0']);
      run('ip', ['-n', hns, 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '100', 'local', `192.168.177.${i}`, 'remote', `192.168.177.${3 - i}`, 'dstport', '4789', 'dev', 'ux0']);
      run('ip', ['-n', hns, 'link', 'set', 'vx0', 'up']);
      // Containers: one per network, veth host side in the host namespace.
      for (const [kind, cidr, mtu] of [['v', `10.77.0.${i}/24`, '1500'], ['x', `10.78.0.${i}/24`, '1450']]) {
        const cns = `npbd${id}-c${i}${kind}`;
        addNetns(cns);
        containers.push(cns);
        run('ip', ['-n', hns, 'link', 'add', `c${i}${kind}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', cns]);
        run('ip', ['-n', hns, 'link', 'set', `c${i}${kind}`, 'up']);
        run('ip', ['-n', cns, 'link', 'set', 'eth0', 'mtu', mtu, 'up']);
        run('ip', ['-n', cns, 'addr', 'add', cidr, 'dev', 'eth0']);
      }
      h.vsctl([
        '--', 'add-br', 'br-int', '--', 'set', 'Bridge', 'br-int', 'datapath_type=netdev',
        '--', 'add-br', 'br-phy', '--', 'set', 'Bridge', 'br-phy', 'datapath_type=netdev',
        '--', 'add-br', 'br-vx', '--', 'set', 'Bridge', 'br-vx', 'datapath_type=netdev',
        '--', 'add-port', 'br-int', `c${i}v`, 'tag=10',
        '--', 'add-port', 'br-int', 'int-phy', '--', 'set', 'Interface', 'int-phy', 'type=patch', 'options:peer=phy-int',
        '--', 'add-port', 'br-phy', 'phy-int', '--', 'set', 'Interface', 'phy-int', 'type=patch', 'options:peer=int-phy',
        '--', 'add-port', 'br-phy', 'up0',
        '--', 'add-port', 'br-vx', `c${i}x`,
        '--', 'add-port', 'br-vx', 'vx0',
      ]);
    }
    return {
      vlan: { client: `/run/netns/npbd${id}-c1v`, server: `/run/netns/npbd${id}-c2v`, serverIp: '10.77.0.2' },
      vxlan: { client: `/run/netns/npbd${id}-c1x`, server: `/run/netns/npbd${id}-c2x`, serverIp: '10.78.0.2' },
      stop,
    };
  } catch (err) {
    stop();
    throw err;
  }
}

/** Polls the master until every one of `containers` has an attached endpoint. */
export async function waitAttached(lab: Lab, containers: string[], timeoutMs: number): Promise<LabEndpoint[]> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const eps = lab.endpoints().filter((e) => containers.includes(e.container));
      last = JSON.stringify(eps.map((e) => [e.container, e.status, e.error]));
      if (eps.length === containers.length && eps.every((e) => e.status === 'attached')) return eps;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`endpoints not attached after ${timeoutMs} ms: ${last}`);
}

/** The agent's side: a 2-host lab, one VLAN and one VXLAN network with a container on each host. */
async function agentLab(): Promise<{ lab: Lab; vlan: Path; vxlan: Path }> {
  const lab = await Lab.up({ hosts: 2 });
  try {
    const placement: [string, string, string][] = [['dpl1', 'host1', 'vl'], ['dpl2', 'host2', 'vl'], ['dpx1', 'host1', 'vx'], ['dpx2', 'host2', 'vx']];
    await lab.applyIntent({
      Hosts: [1, 2].map((i) => ({ Name: `host${i}`, Intf: 'up0', VtepIp: `198.18.100.${i}` })),
      Tenants: [{
        Name: 'dp', DefaultNetType: 'vlan', SubnetPool: '11.1.0.0/16', AllocSubnetLen: 24, Vlans: '11-28', Vxlans: '10001-14000',
        Networks: ['vl', 'vx'].map((n) => ({ Name: n, PktTagType: n === 'vl' ? 'vlan' : 'vxlan', Endpoints: placement.filter((p) => p[2] === n).map(([c, h]) => ({ Container: c, Host: h })) })),
      }],
    });
    for (const [c, h] of placement) lab.addContainer(h, c);
    const eps = await waitAttached(lab, placement.map(([c]) => c), 90_000);
    const ip = (c: string) => eps.find((e) => e.container === c)!.ip.split('/')[0];
    const path = (a: string, b: string): Path => ({ client: join(lab.dir, 'host1', 'netns', a), server: join(lab.dir, 'host2', 'netns', b), serverIp: ip(b) });
    return { lab, vlan: path('dpl1', 'dpl2'), vxlan: path('dpx1', 'dpx2') };
  } catch (err) {
    await lab.down();
    throw err;
  }
}

/** Runs both sides, alternating, and returns the rows. */
export async function runDataplaneBench(): Promise<BenchRow[]> {
  const id = randomBytes(2).toString('hex');
  const hand = handTuned(id);
  let lab: Lab | undefined;
  try {
    const agent = await agentLab();
    lab = agent.lab;
    const res = { handVlan: [] as number[], agentVlan: [] as number[], handVxlan: [] as number[], agentVxlan: [] as number[] };
    for (let k = 0; k < RUNS; k++) {
      // Alternate which side goes first, so a burst of outside load does not favour one side.
      const pairs: [number[], Path][] = [[res.handVlan, hand.vlan], [res.agentVlan, agent.vlan], [res.handVxlan, hand.vxlan], [res.agentVxlan, agent.vxlan]];
      if (k % 2) [pairs[0], pairs[1], pairs[2], pairs[3]] = [pairs[1], pairs[0], pairs[3], pairs[2]];
      for (const [out, path] of pairs) out.push(await iperf(path));
      log(`run ${k + 1}: VLAN agent ${res.agentVlan[k].toFixed(2)} / hand ${res.handVlan[k].toFixed(2)} Gbit/s; VXLAN agent ${res.agentVxlan[k].toFixed(2)} / hand ${res.handVxlan[k].toFixed(2)} Gbit/s`);
    }
    // Why the figures differ: the container side's tx checksum / TSO state decides TSO through OVS.
    for (const [label, p] of [['agent VLAN', agent.vlan], ['agent VXLAN', agent.vxlan], ['hand VLAN', hand.vlan], ['hand VXLAN', hand.vxlan]] as [string, Path][]) {
      const r = await runAsync('nsenter', [`--net=${p.client}`, 'sh', '-c', OFFLOAD_PROBE]);
      log(`${label} client container: ${r.out.trim().replace(/\s+/g, ' ')}`);
    }
    const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
    log(`spread (Gbit/s, min-max of ${RUNS}): VLAN agent ${spread(res.agentVlan)} hand ${spread(res.handVlan)}; VXLAN agent ${spread(res.agentVxlan)} hand ${spread(res.handVxlan)}`);
    return [
      row('dataplane: TCP across hosts, VLAN network (agent defaults)', 'Gbit/s', median(res.agentVlan), 'hand-tuned: userspace TSO, tagged port, patch to br-phy trunk', median(res.handVlan), '>= 0.9x'),
      row('dataplane: TCP across hosts, VXLAN network (agent defaults)', 'Gbit/s', median(res.agentVxlan), 'hand-tuned: kernel vxlan device as OVS port, offloads on', median(res.handVxlan), '>= 0.9x'),
    ];
  } finally {
    await lab?.down();
    hand.stop();
  }
}
