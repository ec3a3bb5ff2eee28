/**
 * Routing (issue 11), on a 2-host lab with the agent's defaults:
 * - TCP, one iperf3 stream, container -> container on two networks of one tenant across
 *   hosts (routed: VLAN network on host1 to VXLAN network on host2), beside the switched
 *   figure of the same hosts in the same run (VXLAN network on host1 to the same server);
 * - TCP container -> an "outside" namespace behind host1 through SNAT, beside host1's own
 *   TCP to the same server;
 * - flows per host for 1,000 endpoints in 10 networks, computed by the pipeline the agent
 *   runs, as the cluster grows (more hosts, the same 1,000 endpoints spread over them) and
 *   as the cluster's endpoints grow with the local ones fixed.
 * Runs alternate between the two sides so background load hits both alike.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Lab } from '../test/helpers/lab.js';
import { iperf, waitAttached, type Path } from './dataplane.js';
import { median, row, type BenchRow } from './lib.js';
import { desiredPipeline, networkKey, type HostView, type LocalNetwork, type RemoteEndpoint } from '../src/datapath/ovs/pipeline/index.js';
import { macFromIp } from '../src/alloc/mac.js';

const RUNS = Number(process.env.NP_BENCH_RUNS ?? 3);

function log(msg: string): void {
  process.stderr.write(`routing: ${msg}\n`);
}

/** Flows one host gets for `local` endpoints of its own and `remote` others, over `networks` networks of one tenant. */
export function flowsPerHost(local: number, remote: number, networks: number, path: 'kernel' | 'ovs' = 'kernel'): number {
  const nets: LocalNetwork[] = Array.from({ length: networks }, (_, i) => ({
    id: `t/n${i}`, key: networkKey('vxlan', 5000 + i), gateway: `10.${i}.0.1`, gatewayMac: macFromIp(((10 << 24) | (i << 16) | 1) >>> 0), pktTagType: 'vxlan', pktTag: 5000 + i,
    l3: { tenant: 't', subnet: `10.${i}.0.0/16`, gateway: 'distributed', snat: { zone: 1, transitIp: '169.254.64.17' } },
  }));
  const ipOf = (k: number) => ((10 << 24) | ((k % networks) << 16) | (2 + Math.floor(k / networks))) >>> 0;
  const dotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  const view: HostView = {
    ports: Array.from({ length: local }, (_, k) => ({ ofport: k + 1, ip: dotted(ipOf(k)), mac: macFromIp(ipOf(k)), network: nets[k % networks] })),
    remotes: Array.from({ length: remote }, (_, j): RemoteEndpoint => {
      const k = local + j;
      return { id: `t/n${k % networks}/c${k}`, ip: dotted(ipOf(k)), mac: macFromIp(ipOf(k)), network: nets[k % networks], host: `h${1 + (j % 7)}`, vtepIp: `198.18.100.${2 + (j % 7)}` };
    }),
    tunnelOfport: 65000,
    // The kernel path: one VXLAN device per network (the kernel's forwarding entries hold the remote MACs).
    vxlanDevices: path === 'kernel' ? new Map(nets.map((n, i) => [n.key, 60000 + i])) : undefined,
    gateway: { ofport: 65002, hostIp: '169.254.64.1', hostMac: '02:02:a9:fe:40:01', routerIp: '169.254.64.2', routerMac: '02:02:a9:fe:40:02', hostRouted: new Set() },
  };
  return desiredPipeline(view, 1).flows.length;
}

/** Runs the three measurements and returns their rows. */
export async function runRoutingBench(): Promise<BenchRow[]> {
  const scale: string[] = [];
  for (const path of ['kernel', 'ovs'] as const) {
    for (const hosts of [1, 3, 10]) {
      const local = Math.round(1000 / hosts);
      scale.push(`${path} VXLAN path, ${hosts} host(s), ${local} local + ${1000 - local} remote endpoints: ${flowsPerHost(local, 1000 - local, 10, path)} flows`);
    }
    for (const cluster of [1000, 10000]) scale.push(`${path} VXLAN path, 100 local endpoints, cluster of ${cluster}: ${flowsPerHost(100, cluster - 100, 10, path)} flows`);
  }
  scale.push(`100 local endpoints, 0 remote: 10 networks ${flowsPerHost(100, 0, 10)}, 20 networks ${flowsPerHost(100, 0, 20)} flows`);
  for (const s of scale) log(`flows per host: ${s}`);

  const lab = await Lab.up({ hosts: 2 });
  const outsideNs = `npbo${lab.id}`;
  let outsideMade = false;
  try {
    const placement: [string, string, string][] = [['rvl1', 'host1', 'vl'], ['rvx1', 'host1', 'vx'], ['rvx2', 'host2', 'vx']];
    await lab.applyIntent({
      Hosts: [1, 2].map((i) => ({ Name: `host${i}`, Intf: 'up0', VtepIp: `198.18.100.${i}` })),
      Tenants: [{
        Name: 'rt', DefaultNetType: 'vlan', SubnetPool: '11.1.0.0/16', AllocSubnetLen: 24, Vlans: '11-28', Vxlans: '10001-14000',
        Networks: ['vl', 'vx'].map((n) => ({ Name: n, PktTagType: n === 'vl' ? 'vlan' : 'vxlan', Endpoints: placement.filter((p) => p[2] === n).map(([c, h]) => ({ Container: c, Host: h })) })),
      }],
    });
    for (const [c, h] of placement) lab.addContainer(h, c);
    const eps = await waitAttached(lab, placement.map(([c]) => c), 90_000);
    const ip = (c: string) => eps.find((e) => e.container === c)!.ip.split('/')[0];
    const ns = (h: string, c: string) => join(lab.dir, h, 'netns', c);
    const routed: Path = { client: ns('host1', 'rvl1'), server: ns('host2', 'rvx2'), serverIp: ip('rvx2') };
    const switched: Path = { client: ns('host1', 'rvx1'), server: ns('host2', 'rvx2'), serverIp: ip('rvx2') };

    execFileSync('ip', ['netns', 'add', outsideNs]);
    outsideMade = true;
    execFileSync('ip', ['-n', outsideNs, 'link', 'set', 'lo', 'up']);
    execFileSync('ip', ['link', 'add', 'npbout0', 'netns', lab.netnsName('host1'), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outsideNs]);
    lab.hostExec('host1', ['ip', 'addr', 'add', '203.0.113.1/24', 'dev', 'npbout0']);
    lab.hostExec('host1', ['ip', 'link', 'set', 'npbout0', 'up']);
    execFileSync('ip', ['-n', outsideNs, 'addr', 'add', '203.0.113.10/24', 'dev', 'eth0']);
    execFileSync('ip', ['-n', outsideNs, 'link', 'set', 'eth0', 'up']);
    const outside = `/run/netns/${outsideNs}`;
    const snat: Path = { client: ns('host1', 'rvx1'), server: outside, serverIp: '203.0.113.10' };
    const hostOwn: Path = { client: `/run/netns/${lab.netnsName('host1')}`, server: outside, serverIp: '203.0.113.10' };

    const res = { routed: [] as number[], switched: [] as number[], snat: [] as number[], host: [] as number[] };
    for (let k = 0; k < RUNS; k++) {
      const pairs: [number[], Path][] = [[res.routed, routed], [res.switched, switched], [res.snat, snat], [res.host, hostOwn]];
      if (k % 2) [pairs[0], pairs[1], pairs[2], pairs[3]] = [pairs[1], pairs[0], pairs[3], pairs[2]];
      for (const [out, path] of pairs) out.push(await iperf(path));
      log(`run ${k + 1}: routed ${res.routed[k].toFixed(2)} / switched ${res.switched[k].toFixed(2)} Gbit/s; SNAT ${res.snat[k].toFixed(2)} / host ${res.host[k].toFixed(2)} Gbit/s`);
    }
    return [
      row('routing: TCP across hosts, VLAN network -> VXLAN network of one tenant (routed)', 'Gbit/s', median(res.routed), 'switched: the same VXLAN network, same hosts and server', median(res.switched), '>= 0.9x'),
      row('routing: TCP container -> outside through SNAT', 'Gbit/s', median(res.snat), "the host's own TCP to the same server", median(res.host), '>= 0.8x'),
      row('routing: flows per host, 100 local endpoints in 10 networks, cluster of 10,000 (kernel VXLAN path)', 'flows', flowsPerHost(100, 9900, 10), 'cluster of 1,000 (the same 100 local)', flowsPerHost(100, 900, 10), 'report'),
    ];
  } finally {
    if (outsideMade) execFileSync('ip', ['netns', 'del', outsideNs], { stdio: 'ignore' });
    await lab.down();
  }
}
