/**
 * The seed README's quick example, for real: netmaster + netagent on the embedded store,
 * the intent from examples/one_host_vlan.json (container names made unique per run),
 * real dockerd containers started by name, a real netdev OVS bridge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import {
  ROOT, dockerExec, dockerRm, dockerRun, dumpFlows, flowCookies, freePort, netdcli, runId, sh, startDaemon, stopDaemon, tempDir, waitFor, writeJson, type Daemon,
} from '../helpers/cluster.js';
import { expectedFlows, type ExpectedPort } from '../helpers/expected-flows.js';

const id = runId();
const bridge = `npqe${id}`;
const names = {
  c1: `myContainer1-${id}`,
  c2: `myContainer2-${id}`,
  blue: `blue1-${id}`,
  other: `other1-${id}`,
  stranger: `stranger-${id}`,
};
const dir = tempDir('np-quick-');
let master: Daemon | undefined;
let agent: Daemon | undefined;
let masterUrl = '';

interface EndpointRow { id: string; container: string; ip: string; mac: string; status: string; network: string; tenant: string; prefixLen: number }

function endpoints(): EndpointRow[] {
  const r = netdcli(masterUrl, ['get', 'endpoints', '--json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as EndpointRow[];
}

function endpointOf(container: string): EndpointRow {
  const e = endpoints().find((x) => x.container === container);
  if (!e) throw new Error(`no endpoint for ${container}`);
  return e;
}

async function waitAttached(containers: string[]): Promise<void> {
  await waitFor(
    () => {
      const eps = endpoints();
      return containers.every((c) => eps.some((e) => e.container === c && e.status === 'attached'));
    },
    60_000,
    () => `endpoints attached: ${JSON.stringify(endpoints().map((e) => [e.container, e.status]))}\nagent log:\n${agent?.log().slice(-3000)}`,
  );
}

function agentArgs(): string[] {
  return ['--host-label', 'host1', '--store', `embedded:${join(dir.path, 'store')}`, '--bridge', bridge, '--resync-interval', '5'];
}

function ofportOf(container: string): number {
  const ports = sh('ovs-vsctl', ['--format=csv', '--no-headings', '--columns=name,external_ids', 'find', 'Interface', `external_ids:netplugin-container=${sh('docker', ['inspect', '-f', '{{.Id}}', container]).trim()}`]);
  const name = ports.split(',')[0];
  return Number(sh('ovs-vsctl', ['get', 'Interface', name, 'ofport']).trim());
}

/** The expected port list from the store's allocations and OVS's ofports. */
function expectedPorts(containers: string[]): ExpectedPort[] {
  return containers.map((c) => {
    const e = endpointOf(c);
    const nets = JSON.parse(netdcli(masterUrl, ['get', 'networks', '--json']).stdout) as { tenant: string; name: string; pktTagType: string; pktTag: number; gateway: string; subnet: string }[];
    const n = nets.find((x) => x.tenant === e.tenant && x.name === e.network)!;
    return { ofport: ofportOf(c), mac: e.mac, ip: e.ip, key: n.pktTagType === 'vxlan' ? 0x1000000 + n.pktTag : n.pktTag, gateway: n.gateway, tenant: n.tenant, subnet: n.subnet };
  });
}

function ping(from: string, to: string, extra: string[] = []): boolean {
  return dockerExec(from, ['ping', '-c', '2', '-W', '1', ...extra, to]).code === 0;
}

beforeAll(async () => {
  const port = await freePort();
  masterUrl = `http://127.0.0.1:${port}`;
  master = startDaemon('netmaster', ['--listen', `127.0.0.1:${port}`, '--store', `embedded:${join(dir.path, 'store')}`], dir.path);
  await waitFor(async () => (await fetch(`${masterUrl}/api/v1/health`)).ok, 20_000, () => `netmaster up\n${master?.log()}`);
  agent = startDaemon('netagent', agentArgs(), dir.path);

  // The seed's example with unique container names, plus a second network of the tenant
  // (routed to the first) and an overlapping tenant to prove isolation.
  const seed = JSON.parse(readFileSync(join(ROOT, 'examples/one_host_vlan.json'), 'utf8'));
  seed.Tenants[0].Networks[0].Endpoints[0].Container = names.c1;
  seed.Tenants[0].Networks[0].Endpoints[1].Container = names.c2;
  seed.Tenants[0].Networks.push({ Name: 'blue', Endpoints: [{ Host: 'host1', Container: names.blue }] });
  seed.Tenants.push({
    Name: 'tenant-two', DefaultNetType: 'vlan', SubnetPool: '11.1.0.0/16', AllocSubnetLen: 24, Vlans: '100-110',
    Networks: [{ Name: 'orange', Endpoints: [{ Host: 'host1', Container: names.other }] }],
  });
  const file = writeJson(join(dir.path, 'intent.json'), seed);

  // A container started before the intent exists must be plumbed when it arrives.
  dockerRun(names.blue, ['--net=none']);
  dockerRun(names.stranger, ['--net=none']);
  const applied = netdcli(masterUrl, ['-cfg', file]);
  expect(applied.code, applied.stderr).toBe(0);
  // The seed's containers: started by name, on Docker's default network like the README's.
  dockerRun(names.c1);
  dockerRun(names.c2);
  dockerRun(names.other, ['--net=none']);
  await waitAttached([names.c1, names.c2, names.blue, names.other]);
}, 240_000);

afterAll(async () => {
  await stopDaemon(agent, true);
  await stopDaemon(master);
  dockerRm(Object.values(names));
  sh('ovs-vsctl', ['--if-exists', 'del-br', bridge], { allowFail: true });
  dir.cleanup();
});

describe('quick example on one host', () => {
  it('allocates from the tenant pool and plumbs each container with its IP, MAC, MTU', () => {
    const e1 = endpointOf(names.c1);
    const e2 = endpointOf(names.c2);
    expect(e1.ip).toMatch(/^11\.1\.\d+\.\d+$/);
    expect(e2.ip).toMatch(/^11\.1\.\d+\.\d+$/);
    expect(e1.ip).not.toBe(e2.ip);
    const inside = dockerExec(names.c1, ['ip', '-o', 'addr', 'show']).out;
    expect(inside).toContain(`${e1.ip}/${e1.prefixLen}`);
    const link = dockerExec(names.c1, ['ip', '-o', 'link', 'show']).out;
    expect(link.toLowerCase()).toContain(e1.mac);
    expect(link).toMatch(/mtu 1500/);
  });

  it('myContainer1 and myContainer2 reach each other by ping and TCP', () => {
    const ip2 = endpointOf(names.c2).ip;
    const ip1 = endpointOf(names.c1).ip;
    expect(ping(names.c1, ip2)).toBe(true);
    expect(ping(names.c2, ip1)).toBe(true);
    const token = `hello-${id}`;
    sh('docker', ['exec', '-d', names.c2, 'sh', '-c', 'nc -l -p 5001 > /tmp/got']);
    const sent = dockerExec(names.c1, ['sh', '-c', `sleep 0.5; echo ${token} | nc -w 3 ${ip2} 5001`]);
    expect(sent.code, sent.out).toBe(0);
    const got = dockerExec(names.c2, ['sh', '-c', 'sleep 0.5; cat /tmp/got']).out;
    expect(got).toContain(token);
  });

  it('a container in another tenant with the same addresses cannot reach them', () => {
    const ip1 = endpointOf(names.c1).ip;
    const ip2 = endpointOf(names.c2).ip;
    const otherIp = endpointOf(names.other).ip;
    // tenant-two's container got an address from the very same pool as tenant-one's.
    expect(otherIp).toBe(ip1);
    expect(ping(names.other, ip2)).toBe(false);
    // ...while the sanity pair still works, so the failures above are isolation, not breakage.
    expect(ping(names.c1, ip2)).toBe(true);
  });

  it('leaves containers that are not in the intent alone', () => {
    const links = dockerExec(names.stranger, ['ip', '-o', 'link', 'show']).out.trim().split('\n');
    expect(links).toHaveLength(1);
    expect(links[0]).toContain('lo');
  });

  it('holds exactly the expected flows', async () => {
    const want = expectedFlows(expectedPorts([names.c1, names.c2, names.blue, names.other]));
    await waitFor(() => JSON.stringify(dumpFlows(bridge)) === JSON.stringify(want), 20_000, () => `flows differ\nexpected:\n${want.join('\n')}\nactual:\n${dumpFlows(bridge).join('\n')}`);
    expect(dumpFlows(bridge)).toEqual(want);
  });

  it('kill -9 of the agent during a ping loses no reply, and the restarted agent replaces no flow', async () => {
    const ip2 = endpointOf(names.c2).ip;
    const cookiesBefore = flowCookies(bridge).sort();
    const count = 60;
    const pinger = spawn('docker', ['exec', names.c1, 'ping', '-c', String(count), '-i', '0.1', '-W', '1', ip2], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    pinger.stdout.on('data', (d) => (out += d));
    const done = new Promise<number>((r) => pinger.on('exit', (c) => r(c ?? 1)));
    await new Promise((r) => setTimeout(r, 1500));
    await stopDaemon(agent, true);
    agent = startDaemon('netagent', agentArgs(), dir.path, 'netagent-restarted');
    await waitFor(() => /"msg":"netagent running"/.test(agent!.log()), 30_000, () => `agent restart\n${agent?.log()}`);
    const code = await done;
    const m = /(\d+) packets transmitted, (\d+) packets received/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m![1])).toBe(count);
    expect(Number(m![2]), out).toBe(count);
    expect(code).toBe(0);
    // Give the new agent time for a few rounds, then: same flows, same cookies (nothing re-added).
    await new Promise((r) => setTimeout(r, 3000));
    const want = expectedFlows(expectedPorts([names.c1, names.c2, names.blue, names.other]));
    expect(dumpFlows(bridge)).toEqual(want);
    expect(flowCookies(bridge).sort()).toEqual(cookiesBefore);
  });

  it('docker rm + docker run again gets the same IP; stopping removes the port', async () => {
    const before = endpointOf(names.c2).ip;
    const portsBefore = sh('ovs-vsctl', ['list-ports', bridge]).trim().split('\n');
    dockerRm([names.c2]);
    await waitFor(() => sh('ovs-vsctl', ['list-ports', bridge]).trim().split('\n').length === portsBefore.length - 1, 30_000, () => `port removed: ${sh('ovs-vsctl', ['list-ports', bridge])}`);
    dockerRun(names.c2);
    await waitFor(() => sh('ovs-vsctl', ['list-ports', bridge]).trim().split('\n').length === portsBefore.length, 30_000, () => `port re-added: ${sh('ovs-vsctl', ['list-ports', bridge])}\n${agent?.log().slice(-2000)}`);
    await waitAttached([names.c2]);
    expect(endpointOf(names.c2).ip).toBe(before);
    expect(dockerExec(names.c2, ['ip', '-o', 'addr', 'show']).out).toContain(before);
    await waitFor(() => ping(names.c1, before), 20_000, () => 'ping after re-run');
    const want = expectedFlows(expectedPorts([names.c1, names.c2, names.blue, names.other]));
    await waitFor(() => JSON.stringify(dumpFlows(bridge)) === JSON.stringify(want), 20_000, () => `flows after re-run\nexpected:\n${want.join('\n')}\nactual:\n${dumpFlows(bridge).join('\n')}`);
  });

  it('a container removed while the agent is down is cleaned up when it returns, and nothing else changes', async () => {
    const keep = [names.c1, names.c2, names.other];
    const cookiesOfKept = () => flowCookies(bridge).sort();
    await stopDaemon(agent, true);
    const blueIp = endpointOf(names.blue).ip;
    // blue stays in the intent without a port here: orange's endpoints still route into it.
    const blueNet = expectedPorts([names.blue])[0];
    dockerRm([names.blue]);
    agent = startDaemon('netagent', agentArgs(), dir.path, 'netagent-after-rm');
    const want = expectedFlows(expectedPorts(keep), [blueNet]);
    await waitFor(() => JSON.stringify(dumpFlows(bridge)) === JSON.stringify(want), 30_000, () => `stale flows not removed\nexpected:\n${want.join('\n')}\nactual:\n${dumpFlows(bridge).join('\n')}\n${agent?.log().slice(-2000)}`);
    expect(sh('ovs-vsctl', ['list-ports', bridge]).trim().split('\n')).toHaveLength(keep.length);
    expect(dumpFlows(bridge).some((l) => l.includes(blueIp))).toBe(false);
    // The survivors' flows were kept, not reinstalled: none carries the new agent's round.
    const round = Number(sh('ovs-vsctl', ['get', 'bridge', bridge, 'external_ids:netplugin-round']).trim().replace(/"/g, ''));
    expect(round).toBeGreaterThan(0);
    expect(cookiesOfKept().filter((c) => Number(c >> 48n) === round)).toEqual([]);
    expect(ping(names.c1, endpointOf(names.c2).ip)).toBe(true);
  });
});
