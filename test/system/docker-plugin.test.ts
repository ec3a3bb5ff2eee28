/**
 * The Docker remote NetworkDriver + IpamDriver served by a REAL netagent, driven only
 * through the docker CLI of a private dockerd (restartable without touching the machine's):
 * network create with our IPAM and with Docker's, run with and without --ip, ping and TCP,
 * connect/disconnect, errors as the CLI prints them, --restart=always across a dockerd
 * restart and an agent kill -9, a container removed while the agent is down, netmaster's
 * --docker-networks, and nothing left in OVS, the kernel or the store after the cycle.
 *
 * The plugin's driver name is unique per run (`npdk<id>`): dockerd always discovers plugins
 * in /run/docker/plugins, shared with the machine's engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { IMAGE, freePort, netdcli, runId, sh, startDaemon, stopDaemon, tempDir, waitFor, writeJson, type Daemon, storeKeys as clusterStoreKeys } from '../helpers/cluster.js';
import { agentApi } from '../helpers/agent-api.js';
import { destroyDockerTestbed, startPrivateDocker, type PrivateDocker } from '../helpers/private-docker.js';
import { KEYS } from '../../src/state/keys.js';
import { DOCKER_KEYS } from '../../src/docker/plugin/keys.js';

const id = runId();
const DRV = `npdk${id}`;
const pluginSock = `/run/docker/plugins/${DRV}.sock`;
const bridge = `npdk${id}`;
const dir = tempDir('np-dk-');
const storeUrl = `embedded:${join(dir.path, 'store')}`;
const apiSock = join(dir.path, 'agent.sock');
let master: Daemon | undefined;
let agent: Daemon | undefined;
let masterUrl = '';
let dk: PrivateDocker;

const intent = (networks: boolean) => ({
  Tenants: networks
    ? [
        {
          Name: 'dk',
          DefaultNetType: 'vlan',
          SubnetPool: '198.18.96.0/20',
          AllocSubnetLen: 24,
          Vlans: '360-370',
          Networks: [
            { Name: 'red', SubnetCIDR: '198.18.96.0/28', Endpoints: [{ Container: 'named1' }] },
            { Name: 'blue', SubnetCIDR: '198.18.97.0/24', Endpoints: [] },
            { Name: 'green', SubnetCIDR: '198.18.98.0/24', Endpoints: [] },
            { Name: 'tiny', SubnetCIDR: '198.18.99.0/30', Endpoints: [] },
          ],
        },
      ]
    : [],
});

/** Whether the machine's engine had its bridge when we started (a private dockerd must not take it). */
const docker0Before = existsSync('/sys/class/net/docker0');

/** Every host-side port and handoff name seen during the run, to prove none is left in the kernel. */
const seenLinks = new Set<string>();

function startAgent(tag: string, extra: string[] = []): Daemon {
  return startDaemon('netagent', ['--host-label', 'h1', '--store', storeUrl, '--bridge', bridge, '--docker-socket', dk.socket, '--api-socket', apiSock, '--docker-plugin-socket', pluginSock, '--resync-interval', '5', ...extra], dir.path, tag);
}

async function agentStatus(): Promise<{ ready: boolean; reason?: string } | undefined> {
  return (await agentApi(apiSock, 'GET', '/v1/status').catch(() => undefined))?.body;
}

async function waitReady(): Promise<void> {
  await waitFor(async () => (await agentStatus())?.ready === true, 60_000, () => `agent ready\n${agent?.log().slice(-2000)}`);
}

interface Att { key: string; ip: string; mac: string; state: string; hostPort?: string; tenant: string; network: string }

async function attachments(): Promise<Att[]> {
  const r = await agentApi(apiSock, 'GET', '/v1/attachments?source=docker');
  const list = (Array.isArray(r.body) ? r.body : r.body.attachments) as Att[];
  for (const a of list) {
    if (a.hostPort) seenLinks.add(a.hostPort);
    seenLinks.add(`npd${a.key.slice(0, 12)}`);
  }
  return list;
}

function ports(): string[] {
  const p = sh('ovs-vsctl', ['list-ports', bridge]).trim().split('\n').filter(Boolean);
  for (const x of p) seenLinks.add(x);
  return p;
}

/** Address of a container on a Docker network. */
function ipOf(container: string, network: string): string {
  return dk.ok(['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container]);
}

function endpointOf(container: string, network: string): string {
  return dk.ok(['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").EndpointID}}`, container]);
}

function run(name: string, network: string, extra: string[] = []): string {
  return dk.ok(['run', '-d', '--name', name, '--stop-timeout', '1', '--network', network, ...extra, IMAGE, 'sleep', '3600']);
}

function ping(from: string, to: string): boolean {
  return dk.docker(['exec', from, 'ping', '-c', '2', '-W', '1', to]).code === 0;
}

const storeKeys = (prefix: string) => clusterStoreKeys(storeUrl, prefix);

/** The line the docker CLI prints for a plugin error: our message, then the code. */
function expectDockerError(r: { code: number; stderr: string }, code: string, message: RegExp): void {
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.stderr).toMatch(new RegExp(`Error response from daemon: remote: .*\\[${code}\\]`));
  expect(r.stderr).toMatch(message);
}

beforeAll(async () => {
  dk = await startPrivateDocker(join(dir.path, 'docker'));
  const port = await freePort();
  masterUrl = `http://127.0.0.1:${port}`;
  master = startDaemon('netmaster', ['--listen', `127.0.0.1:${port}`, '--store', storeUrl, '--docker-networks', '--docker-socket', dk.socket, '--docker-driver', DRV], dir.path);
  await waitFor(async () => (await fetch(`${masterUrl}/api/v1/health`).catch(() => undefined))?.ok, 20_000, () => `netmaster up\n${master?.log()}`);
  const r = netdcli(masterUrl, ['-cfg', writeJson(join(dir.path, 'intent.json'), intent(true))]);
  expect(r.code, r.stderr).toBe(0);
  agent = startAgent('netagent');
  await waitReady();
}, 240_000);

afterAll(() => destroyDockerTestbed({ dk, agent, master, pluginSock, bridge, dir }), 180_000);

describe('Docker remote plugin through the docker CLI', () => {
  it('serves a root-owned 0660 socket that dockerd activates for `network create` with our IPAM', () => {
    const st = statSync(pluginSock);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);
    expect(st.uid).toBe(0);
    dk.ok(['network', 'create', '-d', DRV, '--ipam-driver', DRV, '--ipam-opt', 'tenant=dk', '--ipam-opt', 'network=red', '-o', 'tenant=dk', '-o', 'network=red', 'red']);
    const inspect = JSON.parse(dk.ok(['network', 'inspect', 'red']))[0];
    expect(inspect.Driver).toBe(DRV);
    expect(inspect.Scope).toBe('local');
    expect(inspect.IPAM.Config).toEqual([{ Subnet: '198.18.96.0/28', Gateway: '198.18.96.1' }]);
  });

  it('netmaster --docker-networks creates <tenant>.<network> for every intent network', async () => {
    const managed = () => dk.ok(['network', 'ls', '--filter', 'label=netplugin.managed=true', '--format', '{{.Name}} {{.Driver}}']).split('\n').filter(Boolean).sort();
    await waitFor(() => managed().length === 4, 60_000, () => `managed networks: ${managed().join(', ')}\n${master?.log().slice(-2000)}`);
    expect(managed()).toEqual([`dk.blue ${DRV}`, `dk.green ${DRV}`, `dk.red ${DRV}`, `dk.tiny ${DRV}`]);
    expect(JSON.parse(dk.ok(['network', 'inspect', 'dk.blue']))[0].IPAM).toMatchObject({ Driver: DRV, Options: { tenant: 'dk', network: 'blue' }, Config: [{ Subnet: '198.18.97.0/24', Gateway: '198.18.97.1' }] });
  });

  it('containers get addresses of the intent network and reach each other by ping and TCP', async () => {
    run('a1', 'red');
    run('a2', 'red');
    const ip1 = ipOf('a1', 'red');
    const ip2 = ipOf('a2', 'red');
    expect(ip1).toMatch(/^198\.18\.96\.\d+$/);
    expect(ip2).toMatch(/^198\.18\.96\.\d+$/);
    expect(ip1).not.toBe(ip2);
    const inside = dk.ok(['exec', 'a1', 'ip', '-o', 'addr', 'show', 'eth0']);
    expect(inside).toContain(`${ip1}/28`);
    expect(dk.ok(['exec', 'a1', 'ip', 'route'])).toContain('default via 198.18.96.1 dev eth0');
    const atts = await attachments();
    expect(atts).toHaveLength(2);
    for (const a of atts) expect(a).toMatchObject({ state: 'attached', tenant: 'dk', network: 'red' });
    expect(atts.find((a) => a.key === endpointOf('a1', 'red'))?.ip).toBe(ip1);
    expect(ports()).toHaveLength(2);

    expect(ping('a1', ip2)).toBe(true);
    expect(ping('a2', ip1)).toBe(true);
    const token = `hello-${id}`;
    dk.ok(['exec', '-d', 'a2', 'sh', '-c', 'nc -l -p 5001 > /tmp/got']);
    const sent = dk.docker(['exec', 'a1', 'sh', '-c', `sleep 0.5; echo ${token} | nc -w 3 ${ip2} 5001`]);
    expect(sent.code, sent.stderr).toBe(0);
    await waitFor(() => dk.docker(['exec', 'a2', 'cat', '/tmp/got']).stdout.includes(token), 10_000, () => 'TCP payload received');
  });

  it('a container Docker plugs into a netplugin network is not plumbed again by its name', async () => {
    // "named1" is also an intent endpoint: the classic by-name hook must leave this container to the driver.
    const before = ports().length;
    run('named1', 'red');
    await waitFor(async () => (await attachments()).length === 3, 20_000, () => 'named1 attached by the driver');
    // The by-name hook reacts to the start event within a round; give it several.
    await new Promise((r) => setTimeout(r, 3000));
    expect(dk.ok(['exec', 'named1', 'ip', '-o', 'link'])).not.toMatch(/eth1/);
    expect(ports()).toHaveLength(before + 1);
    dk.ok(['rm', '-f', 'named1']);
    await waitFor(() => ports().length === before, 20_000, () => `ports: ${ports().join(', ')}`);
    // Positive control: the same name on no Docker network is plumbed by the by-name hook, within the same wait.
    run('named1', 'none');
    await waitFor(() => /eth0/.test(dk.ok(['exec', 'named1', 'ip', '-o', 'link'])), 3000, () => 'the by-name hook plumbed named1 on --network none');
    dk.ok(['rm', '-f', 'named1']);
    await waitFor(() => ports().length === before, 20_000, () => `ports: ${ports().join(', ')}`);
  });

  it('--ip is honoured, and one container joins and leaves a second network (connect/disconnect)', async () => {
    // Docker accepts --ip only on networks created with --subnet.
    dk.ok(['network', 'create', '-d', DRV, '--ipam-driver', DRV, '--ipam-opt', 'tenant=dk', '--ipam-opt', 'network=blue', '--subnet', '198.18.97.0/24', 'blue']);
    run('b1', 'blue', ['--ip', '198.18.97.50']);
    expect(dk.ok(['exec', 'b1', 'ip', '-o', 'addr', 'show', 'eth0'])).toContain('198.18.97.50/24');
    // The managed network of the same intent network is the same L2 segment.
    run('b2', 'dk.blue');
    expect(ipOf('b2', 'dk.blue')).toMatch(/^198\.18\.97\.\d+$/);
    expect(ping('b2', '198.18.97.50')).toBe(true);

    const before = ports().length;
    dk.ok(['network', 'connect', 'blue', 'a1']);
    const addrs = dk.ok(['exec', 'a1', 'ip', '-o', 'addr']);
    expect(addrs).toMatch(/eth0\s+inet 198\.18\.96\.\d+\/28/);
    expect(addrs).toMatch(/eth1\s+inet 198\.18\.97\.\d+\/24/);
    expect(ports()).toHaveLength(before + 1);
    expect(ping('a1', '198.18.97.50')).toBe(true);
    expect(ping('a1', ipOf('a2', 'red'))).toBe(true);
    const blueEp = endpointOf('a1', 'blue');
    expect((await attachments()).map((a) => a.key)).toContain(blueEp);
    const a1Blue = ipOf('a1', 'blue');
    expect(ping('b1', a1Blue)).toBe(true);

    dk.ok(['network', 'disconnect', 'blue', 'a1']);
    expect(dk.ok(['exec', 'a1', 'ip', '-o', 'addr'])).not.toMatch(/eth1/);
    // Leave and DeleteEndpoint finish in the agent after Docker got its answer.
    await waitFor(async () => ports().length === before && !(await attachments()).some((a) => a.key === blueEp), 20_000, () => `port of ${blueEp} removed: ${ports().join(', ')}`);
    expect(ping('b1', a1Blue)).toBe(false); // a1 is back on red only: its blue address is gone
  });

  it("networks with Docker's own IPAM work when their pool fits the intent subnet", () => {
    dk.ok(['network', 'create', '-d', DRV, '-o', 'tenant=dk', '-o', 'network=green', '--subnet', '198.18.98.0/24', '--ip-range', '198.18.98.128/25', 'green']);
    run('g1', 'green');
    run('g2', 'green');
    const g1 = ipOf('g1', 'green');
    const g2 = ipOf('g2', 'green');
    for (const ip of [g1, g2]) expect(Number(ip.split('.')[3])).toBeGreaterThanOrEqual(128);
    expect(ping('g1', g2)).toBe(true);
    const bad = dk.docker(['network', 'create', '-d', DRV, '-o', 'tenant=dk', '-o', 'network=green', 'green-nosubnet']);
    expectDockerError(bad, 'NP_INVALID_ARGUMENT', /does not fit intent network dk\/green \(subnet 198\.18\.98\.0\/24\): create the network with --subnet 198\.18\.98\.0\/24/);
  });

  it('errors reach the docker CLI with our message and code', async () => {
    expectDockerError(dk.docker(['network', 'create', '-d', DRV, '--ipam-driver', DRV, '--ipam-opt', 'tenant=nope', '--ipam-opt', 'network=x', 'e1']), 'NP_NOT_FOUND', /unknown tenant "nope"/);
    expectDockerError(dk.docker(['network', 'create', '-d', DRV, '--ipam-driver', DRV, '--ipam-opt', 'tenant=dk', '--ipam-opt', 'network=nope', 'e2']), 'NP_NOT_FOUND', /tenant "dk" has no network "nope" \(its networks: blue, green, red, tiny\)/);
    expectDockerError(dk.docker(['network', 'create', '-d', DRV, '--ipam-driver', DRV, '-o', 'tenant=dk', '-o', 'network=red', 'e3']), 'NP_DOCKER_PLUGIN', /add `--ipam-opt tenant=T --ipam-opt network=N`/);
    expectDockerError(dk.docker(['run', '--rm', '--network', 'blue', '--ip', '198.18.97.50', IMAGE, 'true']), 'NP_ADDRESS_IN_USE', /address 198\.18\.97\.50 in dk\/blue is already in use/);

    // 198.18.99.0/30: the gateway takes .1, one container takes .2, the next finds nothing.
    dk.ok(['network', 'create', '-d', DRV, '--ipam-driver', DRV, '--ipam-opt', 'tenant=dk', '--ipam-opt', 'network=tiny', 'tiny']);
    run('t1', 'tiny');
    expectDockerError(dk.docker(['run', '--rm', '--network', 'tiny', IMAGE, 'true']), 'NP_POOL_EXHAUSTED', /network dk\/tiny \(198\.18\.99\.0\/30\) has no free address left/);
    dk.ok(['rm', '-f', 't1']);

    // An agent whose rounds fail (the intent names an uplink this host lacks) is not ready: Docker says so.
    // (A missing --uplink flag is refused at start instead: NP_UNDERLAY_CONFIG, lab-onenic.test.ts.)
    const broken = { ...intent(true), Hosts: [{ Name: 'h1', Intf: `npno${id}`, VtepIp: '198.18.111.1' }] };
    expect(netdcli(masterUrl, ['-cfg', writeJson(join(dir.path, 'intent-broken.json'), broken)]).code).toBe(0);
    await waitFor(async () => /Intf/.test((await agentStatus())?.reason ?? ''), 60_000, () => `agent not ready\n${agent?.log().slice(-2000)}`);
    expectDockerError(dk.docker(['run', '--rm', '--network', 'red', IMAGE, 'true']), 'NP_AGENT_NOT_READY', /the netplugin agent is not ready: .*Hosts\[\]\.Intf of h1 \(npno\w+\): no interface npno\w+ on this host/);
    expect(netdcli(masterUrl, ['-cfg', writeJson(join(dir.path, 'intent.json'), intent(true))]).code).toBe(0);
    await waitReady();
    expect(ping('a1', ipOf('a2', 'red'))).toBe(true);
  });

  it('--restart=always containers come back after a dockerd restart, with fresh endpoints', async () => {
    run('r1', 'red', ['--restart=always']);
    run('r2', 'red', ['--restart=always']);
    const oldEp = endpointOf('r1', 'red');
    await dk.restart();
    await waitFor(() => dk.docker(['inspect', '-f', '{{.State.Running}}', 'r1']).stdout.trim() === 'true' && dk.docker(['inspect', '-f', '{{.State.Running}}', 'r2']).stdout.trim() === 'true', 60_000, () => `r1/r2 running\n${dk.log().slice(-2000)}`);
    expect(endpointOf('r1', 'red')).not.toBe(oldEp);
    expect(ping('r1', ipOf('r2', 'red'))).toBe(true);
    // Only running containers hold endpoints: those without a restart policy stayed down and were released.
    const running = dk.ok(['ps', '--format', '{{.Names}}']).split('\n').sort();
    expect(running).toEqual(['r1', 'r2']);
    await waitFor(async () => (await attachments()).length === 2 && ports().length === 2, 30_000, () => `attachments ${JSON.stringify(ports())}`);
  });

  it('survives an agent kill -9; a container removed meanwhile is cleaned up when the agent returns', async () => {
    run('v1', 'red');
    const victimIp = ipOf('v1', 'red');
    const victimEp = endpointOf('v1', 'red');
    const r2 = ipOf('r2', 'red');
    await stopDaemon(agent, true);
    // The datapath needs no agent.
    const pinger = spawn('docker', ['-H', `unix://${dk.socket}`, 'exec', 'r1', 'ping', '-c', '20', '-i', '0.2', '-W', '1', r2], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    pinger.stdout.on('data', (d) => (out += d));
    const pinged = new Promise<number>((r) => pinger.on('exit', (c) => r(c ?? 1)));
    // Docker cannot reach the plugin: it retries, gives up and removes the container anyway.
    const rm = dk.docker(['rm', '-f', 'v1'], 120_000);
    expect(rm.code, rm.stderr).toBe(0);
    expect(await pinged, out).toBe(0);
    expect(out).toMatch(/20 packets transmitted, 20 packets received/);
    expect(ports()).toHaveLength(3); // v1's port is still there: nobody told us

    agent = startAgent('netagent-restarted');
    await waitReady();
    await waitFor(async () => !(await attachments()).some((a) => a.key === victimEp) && ports().length === 2, 60_000, () => `v1 cleaned up\n${agent?.log().slice(-2000)}`);
    expect(await storeKeys(KEYS.operClaim('dk', 'red', victimIp))).toEqual([]);
    expect(ping('r1', r2)).toBe(true);
    // A fresh container can take the address again.
    expect(dk.docker(['run', '--rm', '--network', 'red', IMAGE, 'true']).code).toBe(0);
  }, 240_000);

  it('after rm, network rm and the intent networks gone, nothing is left in Docker, OVS, the kernel or the store', async () => {
    await attachments();
    ports();
    const ids = dk.ok(['ps', '-aq']).split('\n').filter(Boolean);
    if (ids.length) dk.ok(['rm', '-f', ...ids]);
    for (const n of ['red', 'blue', 'green', 'tiny']) dk.ok(['network', 'rm', n]);
    await waitFor(async () => (await attachments()).length === 0 && ports().length === 0, 20_000, () => `ports left: ${ports().join(', ')}`);
    // Removing the intent networks makes netmaster's sync remove the managed Docker networks.
    const r = netdcli(masterUrl, ['-cfg', writeJson(join(dir.path, 'intent-empty.json'), intent(false))]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const ours = () => dk.ok(['network', 'ls', '--filter', `driver=${DRV}`, '--format', '{{.Name}}']).split('\n').filter(Boolean);
    await waitFor(() => ours().length === 0, 60_000, () => `docker networks left: ${ours().join(', ')}\n${master?.log().slice(-1500)}`);

    expect(await storeKeys(KEYS.operAttachmentsOf('h1'))).toEqual([]);
    expect(await storeKeys(KEYS.operClaimsPrefix)).toEqual([]);
    expect(await storeKeys(DOCKER_KEYS.hostPrefix('h1'))).toEqual([]);
    expect(seenLinks.size).toBeGreaterThan(4);
    for (const l of seenLinks) expect(existsSync(`/sys/class/net/${l}`), `link ${l} left`).toBe(false);
    expect(existsSync('/sys/class/net/docker0'), "the machine's docker0 survived the private dockerd").toBe(docker0Before);
  });
});
