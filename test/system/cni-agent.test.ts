/**
 * The CNI plugin end to end against a REAL agent: netmaster + netagent (embedded store, a
 * private OVS bridge), the built `netplugin-cni` binary called as a runtime calls it, pods
 * that are network namespaces made by this test. Covers ADD (dynamic, intent-matched,
 * capabilities), ping and TCP between pods, CHECK (healthy and broken), DEL (twice, with
 * the netns gone), GC, STATUS, and delegation to the reference `host-local` and `static`
 * IPAM plugins — with what each leaves behind checked on the bridge, in the kernel and in
 * the store.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, netdcli, runId, sh, startDaemon, stopDaemon, tempDir, waitFor, writeJson, type Daemon, storeKeys as clusterStoreKeys } from '../helpers/cluster.js';
import { agentApi } from '../helpers/agent-api.js';
import { runPlugin, SHIM } from '../helpers/cni-shim.js';
import { KEYS } from '../../src/state/keys.js';

const id = runId();
const bridge = `npca${id}`;
const dir = tempDir('np-cni-agent-');
const storeUrl = `embedded:${join(dir.path, 'store')}`;
const sock = join(dir.path, 'agent.sock');
const hostLocalDir = join(dir.path, 'host-local');
const CNI_PATH = '/usr/lib/cni';
let master: Daemon | undefined;
let agent: Daemon | undefined;
const netnsFiles: string[] = [];

const intent = {
  Tenants: [
    {
      Name: 'cn',
      SubnetPool: '198.18.96.0/20',
      AllocSubnetLen: 24,
      Vlans: '340-350',
      Networks: [
        { Name: 'pods', SubnetCIDR: '198.18.96.0/27', Endpoints: [{ Container: 'web' }] },
        { Name: 'ext', SubnetCIDR: '198.18.97.0/24', DefaultGw: '198.18.97.1', Endpoints: [] },
      ],
    },
  ],
};

/** A pod: a network namespace bound to a file of this test. */
function newPod(name: string): string {
  const f = join(dir.path, `ns-${name}`);
  writeFileSync(f, '');
  sh('unshare', [`--net=${f}`, 'true']);
  netnsFiles.push(f);
  return f;
}

function removeNetns(f: string): void {
  sh('umount', [f], { allowFail: true });
  rmSync(f, { force: true });
}

function nsExec(netns: string, cmd: string[], timeoutMs = 20_000): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync('nsenter', [`--net=${netns}`, ...cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs }) };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** A TCP token from one pod to another through busybox nc. */
async function tcpWorks(from: string, to: string, toIp: string): Promise<boolean> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const token = `tok-${id}-${port}`;
  const server = spawn('nsenter', [`--net=${to}`, 'busybox', 'nc', '-l', '-p', String(port)], { stdio: ['ignore', 'pipe', 'ignore'] });
  let got = '';
  server.stdout.on('data', (b: Buffer) => (got += b.toString()));
  const done = new Promise<void>((r) => server.on('close', () => r()));
  try {
    await waitFor(() => nsExec(to, ['ss', '-Hltn', `sport = :${port}`]).out.includes(`:${port}`), 5_000, () => 'listener up');
    nsExec(from, ['sh', '-c', `echo ${token} | busybox nc -w 3 ${toIp} ${port}`]);
    await Promise.race([done, new Promise((r) => setTimeout(r, 3_000))]);
    return got.includes(token);
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
  }
}

function conf(version: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ cniVersion: version, name: 'podnet', type: 'netplugin-cni', tenant: 'cn', network: 'pods', agentSocket: sock, ...extra });
}

function cniEnv(command: string, containerId: string, netns: string | undefined, extra: Record<string, string> = {}): Record<string, string | undefined> {
  return { CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_PATH, ...extra };
}

const ports = () => sh('ovs-vsctl', ['list-ports', bridge]).trim().split('\n').filter(Boolean);
const linkExists = (name: string) => sh('ip', ['link', 'show', name], { allowFail: true }) !== '';

const storeKeys = (prefix: string) => clusterStoreKeys(storeUrl, prefix);

async function attachments(): Promise<{ key: string; ip: string; hostPort?: string; labels: Record<string, string> }[]> {
  return (await agentApi(sock, 'GET', '/v1/attachments?source=cni')).body.attachments;
}

beforeAll(async () => {
  expect(existsSync(SHIM), `${SHIM} missing: build it (make build)`).toBe(true);
  const port = await freePort();
  const masterUrl = `http://127.0.0.1:${port}`;
  master = startDaemon('netmaster', ['--listen', `127.0.0.1:${port}`, '--store', storeUrl], dir.path);
  await waitFor(async () => (await fetch(`${masterUrl}/api/v1/health`).catch(() => undefined))?.ok, 20_000, () => 'netmaster up');
  const r = netdcli(masterUrl, ['-cfg', writeJson(join(dir.path, 'intent.json'), intent)]);
  expect(r.code, r.stderr).toBe(0);
  agent = startDaemon('netagent', ['--host-label', 'h1', '--store', storeUrl, '--bridge', bridge, '--docker-socket', 'none', '--api-socket', sock, '--resync-interval', '5'], dir.path);
  await waitFor(async () => (await agentApi(sock, 'GET', '/v1/status').catch(() => undefined))?.body?.ready === true, 30_000, () => `agent ready\n${agent?.log().slice(-1500)}`);
}, 90_000);

afterAll(async () => {
  // Release whatever a failed test left attached, so the store and bridge end empty.
  for (const a of await attachments().catch(() => [])) await agentApi(sock, 'POST', '/v1/detach', { source: 'cni', key: a.key }).catch(() => undefined);
  await stopDaemon(agent);
  await stopDaemon(master);
  for (const f of netnsFiles) removeNetns(f);
  sh('ovs-vsctl', ['--if-exists', 'del-br', bridge], { allowFail: true });
  dir.cleanup();
});

describe('netplugin-cni against a real agent', () => {
  const p1 = { id: `p1-${id}`, netns: '' };
  const p2 = { id: `p2-${id}`, netns: '' };
  let ip1 = '';
  let ip2 = '';
  let add1: Record<string, any> = {};

  it('STATUS: the agent can take pods', async () => {
    expect(await runPlugin({ CNI_COMMAND: 'STATUS' }, conf('1.1.0'))).toMatchObject({ code: 0, stdout: '' });
  });

  it('ADD two pods; they reach each other by ping and TCP', async () => {
    p1.netns = newPod('p1');
    p2.netns = newPod('p2');
    const a = await runPlugin(cniEnv('ADD', p1.id, p1.netns, { CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=api-0' }), conf('1.0.0'));
    expect(a.code, a.stdout + a.stderr + agent!.log().slice(-2000)).toBe(0);
    add1 = a.json!;
    ip1 = add1.ips[0].address.split('/')[0];
    expect(add1.ips[0]).toMatchObject({ gateway: '198.18.96.1', interface: 1 });
    expect(add1.interfaces[1]).toMatchObject({ name: 'eth0', sandbox: p1.netns });
    expect(ports()).toContain(add1.interfaces[0].name);
    // The result tells the truth about the container interface.
    expect(nsExec(p1.netns, ['ip', '-o', 'addr', 'show', 'eth0']).out).toContain(add1.ips[0].address);
    expect(nsExec(p1.netns, ['ip', '-o', 'link', 'show', 'eth0']).out).toContain(`link/ether ${add1.interfaces[1].mac} `);

    const b = await runPlugin(cniEnv('ADD', p2.id, p2.netns, { CNI_ARGS: 'K8S_POD_NAME=api-1' }), conf('0.3.1', { runtimeConfig: { ips: ['198.18.96.20/27'], mac: '02:00:00:aa:bb:01' } }));
    expect(b.code, b.stdout).toBe(0);
    expect(b.json!.ips[0]).toEqual({ version: '4', address: '198.18.96.20/27', gateway: '198.18.96.1', interface: 1 });
    expect(b.json!.interfaces[1].mac).toBe('02:00:00:aa:bb:01');
    ip2 = '198.18.96.20';

    expect(nsExec(p1.netns, ['ping', '-c', '2', '-W', '2', ip2]).code).toBe(0);
    expect(nsExec(p2.netns, ['ping', '-c', '1', '-W', '2', ip1]).code).toBe(0);
    expect(await tcpWorks(p1.netns, p2.netns, ip2)).toBe(true);
  });

  it('a pod named like an intent endpoint gets its declared address', async () => {
    const web = newPod('web');
    const r = await runPlugin(cniEnv('ADD', `web-${id}`, web, { CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=web' }), conf('1.1.0'));
    expect(r.code, r.stdout).toBe(0);
    const rec = (await attachments()).find((a) => a.key === `web-${id}/eth0`)!;
    expect(rec).toMatchObject({ fromIntent: true, endpointId: 'cn/pods/web', ip: r.json!.ips[0].address.split('/')[0] });
    expect(r.json!.interfaces[1].mtu).toBeGreaterThan(0);
    expect(nsExec(web, ['ping', '-c', '1', '-W', '2', ip1]).code).toBe(0);
    expect((await runPlugin(cniEnv('DEL', `web-${id}`, web), conf('1.1.0'))).code).toBe(0);
  });

  it('CHECK passes on a healthy pod and fails (code 101) once its interface is gone', async () => {
    expect(await runPlugin(cniEnv('CHECK', p1.id, p1.netns), conf('1.0.0', { prevResult: add1 }))).toMatchObject({ code: 0, stdout: '' });
    const tmp = newPod('chk');
    const c = await runPlugin(cniEnv('ADD', `chk-${id}`, tmp), conf('0.4.0'));
    expect(c.code).toBe(0);
    nsExec(tmp, ['ip', 'link', 'del', 'eth0']);
    const broken = await runPlugin(cniEnv('CHECK', `chk-${id}`, tmp), conf('0.4.0', { prevResult: c.json }));
    expect(broken.code).toBe(1);
    expect(broken.json).toMatchObject({ cniVersion: '0.4.0', code: 101 });
    expect((await runPlugin(cniEnv('DEL', `chk-${id}`, tmp), conf('0.4.0'))).code).toBe(0);
  });

  it('ADD into a netns that already has the interface fails and leaves nothing', async () => {
    const before = { ports: ports().length, records: (await storeKeys(KEYS.operAttachmentsPrefix)).length, claims: (await storeKeys(KEYS.operClaimsPrefix)).length };
    const busy = newPod('busy');
    nsExec(busy, ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'taken0']);
    const r = await runPlugin(cniEnv('ADD', `busy-${id}`, busy), conf('1.0.0'));
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 100, msg: expect.stringContaining('already exists') });
    expect(ports().length).toBe(before.ports);
    expect((await storeKeys(KEYS.operAttachmentsPrefix)).length).toBe(before.records);
    expect((await storeKeys(KEYS.operClaimsPrefix)).length).toBe(before.claims);
  });

  it('DEL removes port, veth, record and claim; again is fine; works with the netns already gone', async () => {
    const p3 = newPod('p3');
    const a = await runPlugin(cniEnv('ADD', `p3-${id}`, p3), conf('1.0.0'));
    expect(a.code).toBe(0);
    const hostPort = a.json!.interfaces[0].name;
    const ip = a.json!.ips[0].address.split('/')[0];
    removeNetns(p3);
    const d = await runPlugin(cniEnv('DEL', `p3-${id}`, p3), conf('1.0.0', { prevResult: a.json }));
    expect(d, d.stdout).toMatchObject({ code: 0, stdout: '' });
    // DEL returns once the record is gone; the agent's next round removes port and veth.
    await waitFor(() => !ports().includes(hostPort) && !linkExists(hostPort), 10_000, () => `port ${hostPort} removed: ${ports().join(' ')}`);
    expect((await storeKeys(KEYS.operAttachmentsPrefix)).some((k) => k.includes(`p3-${id}`))).toBe(false);
    expect(await storeKeys(KEYS.operClaimsOf('cn', 'pods'))).not.toContain(KEYS.operClaim('cn', 'pods', ip));
    expect(await runPlugin(cniEnv('DEL', `p3-${id}`, undefined), conf('1.0.0'))).toMatchObject({ code: 0, stdout: '' });
  });

  it('GC removes every attachment not listed, and only those', async () => {
    const p4 = newPod('p4');
    const p5 = newPod('p5');
    const a4 = await runPlugin(cniEnv('ADD', `p4-${id}`, p4), conf('1.1.0'));
    const a5 = await runPlugin(cniEnv('ADD', `p5-${id}`, p5), conf('1.1.0'));
    expect([a4.code, a5.code]).toEqual([0, 0]);
    const gone = a5.json!.interfaces[0].name;
    const goneIp = a5.json!.ips[0].address.split('/')[0];
    const valid = [p1.id, p2.id, `p4-${id}`].map((c) => ({ containerID: c, ifname: 'eth0' }));
    const gc = await runPlugin({ CNI_COMMAND: 'GC', CNI_PATH }, conf('1.1.0', { 'cni.dev/valid-attachments': valid }));
    expect(gc, gc.stdout).toMatchObject({ code: 0, stdout: '' });
    expect((await attachments()).map((a) => a.key).sort()).toEqual([p1.id, p2.id, `p4-${id}`].map((c) => `${c}/eth0`).sort());
    await waitFor(() => !ports().includes(gone) && !linkExists(gone) && nsExec(p5, ['ip', 'link', 'show', 'eth0']).code !== 0, 10_000, () => `port ${gone} removed: ${ports().join(' ')}`);
    expect(await storeKeys(KEYS.operClaimsOf('cn', 'pods'))).not.toContain(KEYS.operClaim('cn', 'pods', goneIp));
    expect(nsExec(p4, ['ping', '-c', '1', '-W', '2', ip2]).code).toBe(0);
    expect((await runPlugin(cniEnv('DEL', `p4-${id}`, p4), conf('1.1.0'))).code).toBe(0);
  });
});

describe('IPAM delegation to the reference plugins', () => {
  const hostLocal = (extra: Record<string, unknown> = {}) =>
    conf('1.1.0', { name: 'extnet', network: 'ext', ipam: { type: 'host-local', subnet: '198.18.97.0/24', rangeStart: '198.18.97.10', rangeEnd: '198.18.97.20', gateway: '198.18.97.1', dataDir: hostLocalDir }, ...extra });
  const reserved = () => (existsSync(join(hostLocalDir, 'extnet')) ? readdirSync(join(hostLocalDir, 'extnet')).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : []);

  it('host-local: addresses come from the plugin, pods reach each other, DEL releases them', async () => {
    const h1 = newPod('h1');
    const h2 = newPod('h2');
    const a = await runPlugin(cniEnv('ADD', `h1-${id}`, h1), hostLocal());
    expect(a.code, a.stdout + agent!.log().slice(-1500)).toBe(0);
    const b = await runPlugin(cniEnv('ADD', `h2-${id}`, h2), hostLocal());
    expect(b.code, b.stdout).toBe(0);
    const ipA = a.json!.ips[0].address.split('/')[0];
    const ipB = b.json!.ips[0].address.split('/')[0];
    expect(a.json!.ips[0]).toMatchObject({ address: '198.18.97.10/24', gateway: '198.18.97.1' });
    expect(ipB).toBe('198.18.97.11');
    expect(reserved().sort()).toEqual([ipA, ipB]);
    // Claimed in our store too, so our own allocator steps around them.
    expect(await storeKeys(KEYS.operClaimsOf('cn', 'ext'))).toEqual(expect.arrayContaining([KEYS.operClaim('cn', 'ext', ipA), KEYS.operClaim('cn', 'ext', ipB)]));
    expect(nsExec(h1, ['ping', '-c', '2', '-W', '2', ipB]).code).toBe(0);
    expect(await tcpWorks(h2, h1, ipA)).toBe(true);
    expect(await runPlugin(cniEnv('CHECK', `h1-${id}`, h1), hostLocal({ prevResult: a.json }))).toMatchObject({ code: 0 });

    expect((await runPlugin(cniEnv('DEL', `h1-${id}`, h1), hostLocal())).code).toBe(0);
    expect(reserved()).toEqual([ipB]);
    // DEL reaches the IPAM plugin even when we hold no record any more.
    expect((await runPlugin(cniEnv('DEL', `h1-${id}`, h1), hostLocal())).code).toBe(0);
  });

  it('host-local: a failed attach gives the reservation back', async () => {
    const before = reserved();
    const busy = newPod('hbusy');
    nsExec(busy, ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'taken0']);
    const r = await runPlugin(cniEnv('ADD', `hbusy-${id}`, busy), hostLocal());
    expect(r.json).toMatchObject({ code: 100 });
    expect(reserved()).toEqual(before);
  });

  it('host-local: GC removes stale pods and releases their reservations', async () => {
    const h3 = newPod('h3');
    const a = await runPlugin(cniEnv('ADD', `h3-${id}`, h3), hostLocal());
    expect(a.code).toBe(0);
    const ip3 = a.json!.ips[0].address.split('/')[0];
    expect(reserved()).toContain(ip3);
    const gc = await runPlugin({ CNI_COMMAND: 'GC', CNI_PATH }, hostLocal({ 'cni.dev/valid-attachments': [{ containerID: `h2-${id}`, ifname: 'eth0' }] }));
    expect(gc, gc.stdout).toMatchObject({ code: 0, stdout: '' });
    expect(reserved()).toEqual(['198.18.97.11']);
    // GC of network "extnet" left the pods of network "podnet" alone.
    expect((await attachments()).map((a) => a.key)).toEqual(expect.arrayContaining([`p1-${id}/eth0`, `h2-${id}/eth0`]));
    expect((await attachments()).some((x) => x.key === `h3-${id}/eth0`)).toBe(false);
    expect((await runPlugin(cniEnv('DEL', `h2-${id}`, undefined), hostLocal())).code).toBe(0);
    expect(reserved()).toEqual([]);
  });

  it('static: the address given in the IPAM config (and the ips capability) is used', async () => {
    const s1 = newPod('s1');
    const s2 = newPod('s2');
    const staticConf = (address: string) => conf('1.0.0', { name: 'staticnet', network: 'ext', ipam: { type: 'static', addresses: [{ address, gateway: '198.18.97.1' }] } });
    const a = await runPlugin(cniEnv('ADD', `s1-${id}`, s1), staticConf('198.18.97.50/24'));
    expect(a.code, a.stdout).toBe(0);
    expect(a.json!.ips[0]).toEqual({ address: '198.18.97.50/24', gateway: '198.18.97.1', interface: 1 });
    expect(nsExec(s1, ['ip', '-o', 'addr', 'show', 'eth0']).out).toContain('198.18.97.50/24');
    const b = await runPlugin(cniEnv('ADD', `s2-${id}`, s2), staticConf('198.18.97.51/24'));
    expect(b.code, b.stdout).toBe(0);
    expect(nsExec(s1, ['ping', '-c', '1', '-W', '2', '198.18.97.51']).code).toBe(0);
    // The same static address twice: our claim refuses it, the plugin's ADD is rolled back.
    const dup = newPod('s3');
    const c = await runPlugin(cniEnv('ADD', `s3-${id}`, dup), staticConf('198.18.97.50/24'));
    expect(c.json).toMatchObject({ code: 102 });
    for (const [cid, ns] of [[`s1-${id}`, s1], [`s2-${id}`, s2]]) expect((await runPlugin(cniEnv('DEL', cid, ns), staticConf('198.18.97.50/24'))).code).toBe(0);
    expect(await storeKeys(KEYS.operClaimsOf('cn', 'ext'))).toEqual([]);
  });
});

describe('cleanup of the CNI pods', () => {
  it('DEL of the remaining pods leaves no port, veth, record or claim', async () => {
    for (const a of await attachments()) {
      const [cid, ifName] = a.key.split('/');
      const r = await runPlugin({ ...cniEnv('DEL', cid, undefined), CNI_IFNAME: ifName }, conf('1.0.0'));
      expect(r.code, r.stdout).toBe(0);
    }
    expect(await attachments()).toEqual([]);
    // DEL returns once the record is gone; the agent's next round removes ports and veths.
    await waitFor(() => ports().length === 0, 10_000, () => `ports left: ${ports().join(' ')}`);
    expect(await storeKeys(KEYS.operAttachmentsPrefix)).toEqual([]);
    expect(await storeKeys(KEYS.operClaimsPrefix)).toEqual([]);
  });
});
