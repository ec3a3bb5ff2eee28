/**
 * Issue 4, deliverable 5: a Docker container on one lab host reaches, over VXLAN, a container
 * of the same intent network on another host. host1 runs a dockerd of its own inside its
 * network namespace (`scripts/lab.sh docker up host1`); its agent serves the remote network
 * and IPAM plugin under the driver name `np<lab id>host1`. host2 holds an intent endpoint in
 * a lab (netns) container. Real ping and TCP (a token plus a bulk transfer, so checksum
 * offloads and the VXLAN MTU are exercised) both ways; then `docker rm` and `docker network
 * rm` leave nothing on host1's bridge, in host1's kernel, in the store, nor in host2's flows;
 * and the lab's teardown leaves no dockerd, no mount and the machine's docker0 untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readlinkSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Lab } from '../helpers/lab.js';
import { agentApi } from '../helpers/agent-api.js';
import { IMAGE } from '../helpers/cluster.js';
import { mountsUnder } from '../helpers/private-docker.js';
import { KEYS } from '../../src/state/keys.js';
import { DOCKER_KEYS } from '../../src/docker/plugin/keys.js';

const DH = 'host1'; // the host with a dockerd
const NH = 'host2'; // the host with the netns container of the intent
const TENANT = 'dx';
const NET = 'ov';
const C2 = 'c2';
const D1 = 'd1';
const BULK = 2 * 1024 * 1024;

let lab: Lab | undefined;
let labDir = '';
let dockerdPid: number | undefined;
/** Identity of the machine's docker0 before the test (ifindex), or undefined when it has none. */
const docker0Before = docker0Index();
const listeners: ChildProcess[] = [];

function L(): Lab {
  if (!lab) throw new Error('lab not up');
  return lab;
}

function docker0Index(): string | undefined {
  const f = '/sys/class/net/docker0/ifindex';
  return existsSync(f) ? readFileSync(f, 'utf8').trim() : undefined;
}

const agentSock = (host: string) => join(L().dir, host, 'agent.sock');

async function until(f: () => boolean | Promise<boolean>, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Att { key: string; ip: string; mac: string; state: string; hostPort?: string; tenant: string; network: string }

async function dockerAttachments(): Promise<Att[]> {
  const r = await agentApi(agentSock(DH), 'GET', '/v1/attachments?source=docker');
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.attachments as Att[];
}

function bridgePorts(host: string): string[] {
  return L().ovs(host, ['ovs-vsctl', 'list-ports', 'netplugin']).out.split('\n').filter(Boolean);
}

/** Whether a flow on `host` names `ip` (not as a prefix of a longer address) or `mac`. */
function flowsMention(host: string, ip: string, mac: string): boolean {
  const flows = L().dumpFlows(host);
  return new RegExp(`${ip.replace(/\./g, '\\.')}(?![0-9])`).test(flows) || flows.toLowerCase().includes(mac.toLowerCase());
}

function dockerPing(ip: string): boolean {
  return L().docker(DH, ['exec', D1, 'ping', '-c', '2', '-W', '2', ip], 30_000).code === 0;
}

/**
 * A listener that counts what it receives, its stdin held open (busybox `nc -l` ends the
 * session when its stdin reaches EOF, which would race the sender's data).
 */
function listen(proc: ChildProcess): { received: () => string; closed: Promise<void> } {
  listeners.push(proc);
  let got = '';
  proc.stdout!.setEncoding('latin1');
  proc.stdout!.on('data', (d: string) => (got += d));
  proc.stderr!.resume();
  const closed = new Promise<void>((r) => proc.once('exit', () => r()));
  return { received: () => got, closed };
}

/** What a sender writes: a token line, then BULK zero bytes (segments far larger than one packet cross the tunnel). */
const payload = (token: string) => `(echo ${token}; busybox dd if=/dev/zero bs=1024 count=${BULK / 1024} 2>/dev/null) | busybox nc -w 5`;

async function expectReceived(l: { received: () => string; closed: Promise<void> }, token: string, what: string): Promise<void> {
  await Promise.race([l.closed, new Promise((r) => setTimeout(r, 15_000))]);
  const got = l.received();
  expect(got.startsWith(`${token}\n`), `${what}: token (got ${JSON.stringify(got.slice(0, 40))})`).toBe(true);
  expect(got.length, `${what}: bytes`).toBe(token.length + 1 + BULK);
}

beforeAll(async () => {
  lab = await Lab.up({ hosts: 2 });
  labDir = lab.dir;
  await lab.dockerUp(DH);
  dockerdPid = lab.dockerdPid(DH);
  for (const h of lab.hosts) {
    await until(async () => (await agentApi(agentSock(h), 'GET', '/v1/status').catch(() => undefined))?.body?.ready === true, 60_000, () => `agent of ${h} ready:\n${L().agentLog(h).slice(-2000)}`);
  }
  await lab.applyIntent({
    Hosts: [
      { Name: 'host1', Intf: 'up0', VtepIp: '198.18.100.1' },
      { Name: 'host2', Intf: 'up0', VtepIp: '198.18.100.2' },
    ],
    Tenants: [
      {
        Name: TENANT,
        DefaultNetType: 'vxlan',
        SubnetPool: '198.18.96.0/20',
        AllocSubnetLen: 24,
        Vxlans: '35100-35110',
        Networks: [{ Name: NET, Endpoints: [{ Container: C2, Host: NH }] }],
      },
    ],
  });
  lab.addContainer(NH, C2);
  await lab.waitAttached([C2]);
}, 400_000);

afterAll(async () => {
  for (const l of listeners) if (l.exitCode === null && l.signalCode === null) l.kill('SIGKILL');
  // lab down stops the lab's dockerd by PID (its containers first), unmounts what it mounted, and removes the rest.
  await lab?.down();
}, 300_000);

describe('a Docker container on one lab host and a container on another, over VXLAN', () => {
  it("host1's dockerd runs in host1's network namespace, in this machine's mount namespace, with its own plugin", () => {
    expect(dockerdPid).toBeGreaterThan(0);
    const hostNs = statSync(`/run/netns/${L().netnsName(DH)}`).ino;
    expect(readlinkSync(`/proc/${dockerdPid}/ns/net`)).toBe(`net:[${hostNs}]`);
    expect(readlinkSync(`/proc/${dockerdPid}/ns/mnt`)).toBe(readlinkSync('/proc/self/ns/mnt'));
    // --bridge=none deletes the docker0 of dockerd's own namespace: host1 has none, the machine's is untouched.
    expect(L().hostExec(DH, ['ip', 'link', 'show', 'docker0']).code).not.toBe(0);
    expect(docker0Index()).toBe(docker0Before);
    expect(L().dockerOk(DH, ['image', 'inspect', '-f', '{{.Id}}', IMAGE])).toMatch(/^sha256:/);
    const plugin = statSync(`/run/docker/plugins/${L().dockerDriver(DH)}.sock`);
    expect(plugin.isSocket()).toBe(true);
    expect(readFileSync(join(L().dir, DH, 'netagent.args'), 'utf8')).toContain(`--docker-socket ${L().dockerSocket(DH)}`);
  });

  let d1Ip = '';
  let d1Mac = '';
  let c2Ip = '';
  let hostPort = '';
  let portsBefore: string[] = [];
  let linksBefore: string[] = [];
  const links = () => L().hostExec(DH, ['ip', '-o', 'link', 'show']).out.split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0]).filter((x): x is string => !!x).sort();

  it('docker run --network <network bound to the intent network> attaches on host1, seen as runtime "docker"', async () => {
    const drv = L().dockerDriver(DH);
    portsBefore = bridgePorts(DH).sort();
    linksBefore = links();
    L().dockerOk(DH, ['network', 'create', '-d', drv, '--ipam-driver', drv, '--ipam-opt', `tenant=${TENANT}`, '--ipam-opt', `network=${NET}`, NET]);
    L().dockerOk(DH, ['run', '-d', '--name', D1, '--stop-timeout', '1', '--network', NET, IMAGE, 'sleep', '3600']);
    d1Ip = L().dockerOk(DH, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${NET}").IPAddress}}`, D1]);
    d1Mac = L().dockerOk(DH, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${NET}").MacAddress}}`, D1]);
    const epId = L().dockerOk(DH, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${NET}").EndpointID}}`, D1]);
    const c2 = L().endpoints().find((e) => e.container === C2)!;
    c2Ip = c2.ip;
    const subnet = c2Ip.split('.').slice(0, 3).join('.');
    expect(d1Ip.startsWith(`${subnet}.`), `${d1Ip} in the subnet of ${c2Ip}`).toBe(true);
    expect(d1Ip).not.toBe(c2Ip);
    // VXLAN in a 1500-byte underlay: the container gets the network's smaller MTU.
    const eth0 = L().dockerOk(DH, ['exec', D1, 'ip', '-o', 'link', 'show', 'eth0']);
    expect(Number(/mtu (\d+)/.exec(eth0)?.[1])).toBeLessThanOrEqual(1450);

    const atts = await dockerAttachments();
    expect(atts.map((a) => a.key)).toEqual([epId]);
    expect(atts[0]).toMatchObject({ state: 'attached', tenant: TENANT, network: NET, ip: d1Ip });
    hostPort = atts[0].hostPort ?? '';
    expect(hostPort).not.toBe('');
    expect(bridgePorts(DH)).toContain(hostPort);

    const eps = JSON.parse(L().netdcli(['get', 'endpoints', '--json']).stdout) as { ip: string; runtime?: string; runtimeKey?: string; attachedHost?: string; status: string; tenant: string; network: string }[];
    const mine = eps.filter((e) => e.runtime === 'docker');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ ip: d1Ip, attachedHost: DH, status: 'attached', runtimeKey: epId, tenant: TENANT, network: NET });
    const table = L().netdcli(['get', 'endpoints']).stdout;
    expect(table).toMatch(new RegExp(`${d1Ip.replace(/\./g, '\\.')}/\\d+\\s+\\S+\\s+${DH}\\s+docker\\s+attached`));
  });

  it('they reach each other by ping both ways', async () => {
    // host2 learns the Docker endpoint from the store; the first tunnel packet may be lost.
    await until(() => dockerPing(c2Ip), 30_000, () => `${D1} -> ${C2} (${c2Ip})\n${L().dumpFlows(DH)}`);
    expect(dockerPing(c2Ip)).toBe(true);
    expect(L().exec(C2, ['ping', '-c', '2', '-W', '2', d1Ip]).code).toBe(0);
    // The tunnel carried it: host2 holds state for the Docker endpoint.
    expect(L().holdsEndpoint(NH, d1Ip, d1Mac)).toBe(true);
  });

  it('TCP both ways: a token and 2 MiB through busybox nc', async () => {
    const port1 = 20000 + Math.floor(Math.random() * 10000);
    const port2 = port1 + 1;

    // Docker container -> netns container on host2.
    const intoC2 = listen(L().spawnIn(C2, ['busybox', 'nc', '-l', '-p', String(port1)]));
    await until(() => L().exec(C2, ['ss', '-Hltn', `sport = :${port1}`]).out.includes(`:${port1}`), 10_000, () => `listener on ${C2}:${port1}`);
    const tok1 = `d1-to-c2-${L().id}`;
    // Async: this process reads the listener's output meanwhile (a blocked pipe would stall the transfer).
    const sent1 = await L().dockerAsync(DH, ['exec', D1, 'sh', '-c', `${payload(tok1)} ${c2Ip} ${port1}`], 60_000);
    expect(sent1.code, sent1.stderr).toBe(0);
    await expectReceived(intoC2, tok1, `${D1} -> ${C2}`);

    // netns container on host2 -> Docker container.
    const intoD1 = listen(L().spawnDocker(DH, ['exec', '-i', D1, 'nc', '-l', '-p', String(port2)]));
    await until(() => L().docker(DH, ['exec', D1, 'busybox', 'netstat', '-ltn']).stdout.includes(`:${port2} `), 10_000, () => `listener on ${D1}:${port2}`);
    const tok2 = `c2-to-d1-${L().id}`;
    const sent2 = await L().execAsync(C2, ['sh', '-c', `${payload(tok2)} ${d1Ip} ${port2}`], 60_000);
    expect(sent2.code, sent2.out).toBe(0);
    await expectReceived(intoD1, tok2, `${C2} -> ${D1}`);
  });

  it('docker rm and docker network rm leave nothing on host1 (bridge, kernel, store) and host2 drops its flows', async () => {
    L().dockerOk(DH, ['rm', '-f', D1]);
    // Leave/DeleteEndpoint are answered at once; the agent removes the port right after.
    await until(async () => (await dockerAttachments()).length === 0 && !bridgePorts(DH).includes(hostPort), 30_000, () => `host1 ports: ${bridgePorts(DH).join(', ')}`);
    expect(L().hostExec(DH, ['ip', 'link', 'show', hostPort]).code, `veth ${hostPort} left in host1`).not.toBe(0);
    await until(() => !L().holdsEndpoint(NH, d1Ip, d1Mac), 30_000, () => `host2 still has state for ${d1Ip}/${d1Mac}:\n${L().dumpFlows(NH)}\n${L().hostExec(NH, ['bridge', 'fdb', 'show']).out}`);
    expect(flowsMention(DH, d1Ip, d1Mac)).toBe(false);
    expect(L().endpoints().filter((e) => (e as { runtime?: string }).runtime === 'docker')).toEqual([]);

    L().dockerOk(DH, ['network', 'rm', NET]);
    expect(L().storeKeys(KEYS.operAttachmentsOf(DH))).toEqual([]);
    expect(L().storeKeys(KEYS.operClaimsPrefix)).toEqual([]);
    expect(L().storeKeys(DOCKER_KEYS.hostPrefix(DH))).toEqual([]);
    // Bridge ports and links of host1 are what they were before the Docker network existed.
    expect(bridgePorts(DH).sort()).toEqual(portsBefore);
    expect(links()).toEqual(linksBefore);
    // The intent's container is unaffected.
    expect(L().endpoints().find((e) => e.container === C2)?.status).toBe('attached');
  });

  it('lab down stops the dockerd by PID and leaves no process, mount or plugin socket; docker0 untouched', async () => {
    const pluginSock = `/run/docker/plugins/${L().dockerDriver(DH)}.sock`;
    await L().down();
    expect(existsSync(`/proc/${dockerdPid}`) && readFileSync(`/proc/${dockerdPid}/cmdline`, 'utf8').includes('dockerd')).toBe(false);
    expect(mountsUnder(labDir)).toEqual([]);
    const left = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(labDir);
        } catch {
          return false;
        }
      });
    expect(left, 'processes naming the lab dir').toEqual([]);
    expect(existsSync(pluginSock)).toBe(false);
    expect(existsSync(labDir)).toBe(false);
    expect(docker0Index()).toBe(docker0Before);
  });
});
