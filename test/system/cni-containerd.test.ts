/**
 * containerd for real: `ctr run --cni` with a conflist in /etc/cni/net.d naming
 * `netplugin-cni` (installed into /opt/cni/bin with the `loopback` plugin ctr needs), backed
 * by a real netmaster + netagent. Two containers reach each other; a `--rm` container is
 * torn down by ctr's own CNI DEL; removing the detached ones and a GC leaves no port, veth,
 * attachment record or address claim. Whatever /etc/cni/net.d, /opt/cni/bin and
 * /var/lib/cni held before is put back.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, IMAGE, netdcli, runId, sh, startDaemon, stopDaemon, tempDir, waitFor, writeJson, type Daemon, storeKeys as clusterStoreKeys } from '../helpers/cluster.js';
import { agentApi } from '../helpers/agent-api.js';
import { runPlugin, SHIM } from '../helpers/cni-shim.js';
import { KEYS } from '../../src/state/keys.js';

const CTRD = '/var/run/docker/containerd/containerd.sock';
const CONF_DIR = '/etc/cni/net.d';
const BIN_DIR = '/opt/cni/bin';
const CACHE_DIR = '/var/lib/cni';
const id = runId();
const ns = `npcni${id}`;
const netName = `npctr${id}`;
const bridge = `npcc${id}`;
const dir = tempDir('np-cni-ctrd-');
const storeUrl = `embedded:${join(dir.path, 'store')}`;
const sock = join(dir.path, 'agent.sock');
let master: Daemon | undefined;
let agent: Daemon | undefined;
let image = '';

/** Directories we moved aside (restored in afterAll) or created (removed in afterAll). */
const moved: { path: string; backup: string }[] = [];
const created: string[] = [];

function ctr(args: string[], timeoutMs = 60_000): string {
  return sh('ctr', ['-a', CTRD, '-n', ns, ...args], { timeoutMs });
}

function ctrTry(args: string[], timeoutMs = 60_000): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync('ctr', ['-a', CTRD, '-n', ns, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs }) };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Gives the test an empty `path`: an existing one is moved aside, missing parents are noted for removal. */
function takeDir(path: string): void {
  if (existsSync(path)) {
    const backup = `${path}.np-backup-${id}`;
    renameSync(path, backup);
    moved.push({ path, backup });
  } else {
    let top = path;
    while (!existsSync(join(top, '..'))) top = join(top, '..');
    created.push(top);
  }
  mkdirSync(path, { recursive: true });
}

function restoreDirs(): void {
  for (const { path, backup } of moved.reverse()) {
    rmSync(path, { recursive: true, force: true });
    renameSync(backup, path);
  }
  for (const top of created) rmSync(top, { recursive: true, force: true });
}

const ports = () => sh('ovs-vsctl', ['list-ports', bridge]).trim().split('\n').filter(Boolean);

const storeKeys = (prefix: string) => clusterStoreKeys(storeUrl, prefix);

async function attachments(): Promise<{ key: string; ip: string; hostPort?: string; state: string }[]> {
  return (await agentApi(sock, 'GET', '/v1/attachments?source=cni')).body.attachments;
}

function removeContainer(name: string): void {
  ctrTry(['task', 'kill', '-s', 'SIGKILL', name]);
  for (let i = 0; i < 50 && ctrTry(['task', 'delete', name]).code !== 0 && ctrTry(['task', 'ls', '-q']).out.split('\n').includes(name); i++) execFileSync('sleep', ['0.1']);
  ctrTry(['container', 'delete', name]);
}

beforeAll(async () => {
  expect(existsSync(SHIM), `${SHIM} missing: build it (make build)`).toBe(true);
  expect(existsSync(CTRD), `containerd socket ${CTRD} missing (scripts/host-setup.sh starts dockerd, which runs it)`).toBe(true);

  const port = await freePort();
  const masterUrl = `http://127.0.0.1:${port}`;
  master = startDaemon('netmaster', ['--listen', `127.0.0.1:${port}`, '--store', storeUrl], dir.path);
  await waitFor(async () => (await fetch(`${masterUrl}/api/v1/health`).catch(() => undefined))?.ok, 20_000, () => 'netmaster up');
  const intent = { Tenants: [{ Name: 'ctrd', SubnetPool: '198.18.100.0/22', AllocSubnetLen: 24, Vlans: '360-370', Networks: [{ Name: 'pods', SubnetCIDR: '198.18.100.0/28' }] }] };
  const r = netdcli(masterUrl, ['-cfg', writeJson(join(dir.path, 'intent.json'), intent)]);
  expect(r.code, r.stderr).toBe(0);
  agent = startDaemon('netagent', ['--host-label', 'h1', '--store', storeUrl, '--bridge', bridge, '--docker-socket', 'none', '--api-socket', sock, '--resync-interval', '5'], dir.path);
  await waitFor(async () => (await agentApi(sock, 'GET', '/v1/status').catch(() => undefined))?.body?.ready === true, 30_000, () => `agent ready\n${agent?.log().slice(-1500)}`);

  takeDir(CONF_DIR);
  takeDir(BIN_DIR);
  if (existsSync(CACHE_DIR)) {
    const backup = `${CACHE_DIR}.np-backup-${id}`;
    execFileSync('cp', ['-a', CACHE_DIR, backup]);
    moved.push({ path: CACHE_DIR, backup });
  } else created.push(CACHE_DIR);
  copyFileSync(SHIM, join(BIN_DIR, 'netplugin-cni'));
  copyFileSync('/usr/lib/cni/loopback', join(BIN_DIR, 'loopback'));
  sh('chmod', ['0755', join(BIN_DIR, 'netplugin-cni'), join(BIN_DIR, 'loopback')]);
  writeFileSync(
    join(CONF_DIR, '10-netplugin.conflist'),
    JSON.stringify({ cniVersion: '1.0.0', name: netName, plugins: [{ type: 'netplugin-cni', tenant: 'ctrd', network: 'pods', agentSocket: sock }] }, null, 2),
  );

  // The offline image from scripts/host-setup.sh, into a containerd namespace of our own.
  execFileSync('sh', ['-c', `docker save ${IMAGE} | ctr -a ${CTRD} -n ${ns} images import --snapshotter native -`], { stdio: 'ignore', timeout: 120_000 });
  image = ctr(['images', 'ls', '-q']).trim().split('\n').find((n) => n.includes('busybox'))!;
  expect(image).toBeTruthy();
}, 240_000);

afterAll(async () => {
  for (const c of ctrTry(['container', 'ls', '-q']).out.split('\n').filter(Boolean)) removeContainer(c);
  for (const a of await attachments().catch(() => [])) await agentApi(sock, 'POST', '/v1/detach', { source: 'cni', key: a.key }).catch(() => undefined);
  if (image) ctrTry(['images', 'rm', '--sync', image]);
  ctrTry(['namespaces', 'remove', ns]);
  await stopDaemon(agent);
  await stopDaemon(master);
  restoreDirs();
  sh('ovs-vsctl', ['--if-exists', 'del-br', bridge], { allowFail: true });
  dir.cleanup();
}, 120_000);

describe('containerd `ctr run --cni` through netplugin-cni', () => {
  const ips: Record<string, string> = {};

  it('two containers get addresses from the agent and reach each other', async () => {
    for (const c of ['c1', 'c2']) {
      const out = ctrTry(['run', '-d', '--snapshotter', 'native', '--cni', image, c, 'sleep', '3600'], 120_000);
      expect(out.code, out.out + agent!.log().slice(-2000)).toBe(0);
      const addr = ctr(['task', 'exec', '--exec-id', `ip-${c}`, c, 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
      ips[c] = /inet (\d+\.\d+\.\d+\.\d+)\/28/.exec(addr)![1];
    }
    const keys = (await attachments()).map((a) => a.key).sort();
    expect(keys).toEqual([`${ns}-c1/eth0`, `${ns}-c2/eth0`]);
    expect(ports().length).toBe(2);
    expect(ctrTry(['task', 'exec', '--exec-id', 'p12', 'c1', 'ping', '-c', '2', '-W', '2', ips.c2]).code).toBe(0);
    expect(ctrTry(['task', 'exec', '--exec-id', 'p21', 'c2', 'ping', '-c', '2', '-W', '2', ips.c1]).code).toBe(0);
  });

  it('a --rm container reaches c1, and ctr removes its attachment with a CNI DEL on exit', async () => {
    const r = ctrTry(['run', '--rm', '--snapshotter', 'native', '--cni', image, 'c3', 'ping', '-c', '2', '-W', '2', ips.c1], 120_000);
    expect(r.code, r.out).toBe(0);
    expect((await attachments()).map((a) => a.key).sort()).toEqual([`${ns}-c1/eth0`, `${ns}-c2/eth0`]);
    // DEL returns once the record is gone; the agent's next round removes the port.
    await waitFor(() => ports().length === 2, 10_000, () => `ports: ${ports().join(' ')}`);
  });

  it('removing the containers and a GC leave nothing: no port, veth, record or claim', async () => {
    const hostPorts = (await attachments()).map((a) => a.hostPort!).filter(Boolean);
    expect(hostPorts.length).toBe(2);
    removeContainer('c1');
    removeContainer('c2');
    expect(ctr(['container', 'ls', '-q']).trim()).toBe('');
    // ctr does not DEL detached containers; a runtime's GC names the attachments still valid: none.
    const gc = await runPlugin(
      { CNI_COMMAND: 'GC', CNI_PATH: BIN_DIR },
      JSON.stringify({ cniVersion: '1.1.0', name: netName, type: 'netplugin-cni', tenant: 'ctrd', network: 'pods', agentSocket: sock, 'cni.dev/valid-attachments': [] }),
      join(BIN_DIR, 'netplugin-cni'),
    );
    expect(gc, gc.stdout).toMatchObject({ code: 0, stdout: '' });
    expect(await attachments()).toEqual([]);
    // The agent's round removes the OVS ports first, then the veths.
    await waitFor(() => ports().length === 0 && hostPorts.every((p) => sh('ip', ['link', 'show', p], { allowFail: true }) === ''), 10_000, () => `ports: ${ports().join(' ')}`);
    expect(await storeKeys(KEYS.operAttachmentsPrefix)).toEqual([]);
    expect(await storeKeys(KEYS.operClaimsPrefix)).toEqual([]);
    // libcni's result cache of the detached containers is the runtime's; nothing of ours is left in it.
    const cache = join(CACHE_DIR, 'results');
    const ours = existsSync(cache) ? readdirSync(cache).filter((f) => f.startsWith(netName)) : [];
    for (const f of ours) rmSync(join(cache, f));
  });
});
