/**
 * CNI conformance of the real `netplugin-cni` binary, run as a runtime runs it (CNI_*
 * environment + config on stdin), against the agent's CNI route served on a temporary unix
 * socket over an in-memory RuntimeApi: every verb in every supported version, the error
 * paths of the spec (codes 1, 4, 6, 7), an unreachable or silent agent (11, 50), and the
 * relay itself (exact stdin, only CNI_* forwarded, chunked and close-delimited answers).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { cniRoute } from '../../src/cni/route.js';
import { SUPPORTED_VERSIONS } from '../../src/cni/versions.js';
import type { ApiRoute } from '../../src/local-api/types.js';
import { runPlugin, SHIM } from '../helpers/cni-shim.js';
import { serveRoutes, type TestApiServer } from '../helpers/api-server.js';
import { FakeRuntime, fakeNetwork } from '../helpers/fake-runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'np-cni-conf-'));
const sock = join(dir, 'agent.sock');
const netns = join(dir, 'netns-a');
let api: FakeRuntime;
let server: TestApiServer;

/** Runs the shim like a runtime. */
const shim = (env: Record<string, string | undefined>, stdin: string) => runPlugin(env, stdin);

function conf(version: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ cniVersion: version, name: 'podnet', type: 'netplugin-cni', tenant: 't', network: 'n', agentSocket: sock, ...extra });
}

function env(command: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { CNI_COMMAND: command, CNI_CONTAINERID: 'ctr-1', CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin', ...extra };
}

beforeAll(async () => {
  expect(existsSync(SHIM), `${SHIM} missing: build it (make build)`).toBe(true);
  writeFileSync(netns, '');
  api = new FakeRuntime([fakeNetwork('t', 'n', 7)]);
  server = await serveRoutes(sock, [cniRoute(api, pino({ level: 'silent' }))]);
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  api.records.clear();
  api.claims.clear();
  api.ready = true;
});

describe.each([...SUPPORTED_VERSIONS])('CNI %s', (version) => {
  const hasCheck = version !== '0.3.0' && version !== '0.3.1';
  const is11 = version === '1.1.0';
  const legacyIps = version.startsWith('0.');

  it('VERSION echoes the version and lists every supported one', async () => {
    const r = await shim({ CNI_COMMAND: 'VERSION' }, JSON.stringify({ cniVersion: version }));
    expect(r.code).toBe(0);
    expect(r.json).toEqual({ cniVersion: version, supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
  });

  it('ADD answers a result in this version; CHECK, DEL (twice, and without netns) follow', async () => {
    const add = await shim(env('ADD', { CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=pod-a' }), conf(version));
    expect(add.code, add.stdout).toBe(0);
    const res = add.json!;
    expect(res.cniVersion).toBe(version);
    expect(res.interfaces[1]).toMatchObject({ name: 'eth0', sandbox: netns, mac: '02:02:0a:07:00:02' });
    expect('mtu' in res.interfaces[1]).toBe(is11);
    expect(res.ips).toEqual([{ ...(legacyIps ? { version: '4' } : {}), address: '10.7.0.2/24', gateway: '10.7.0.1', interface: 1 }]);
    expect(res.routes).toEqual([{ dst: '0.0.0.0/0', gw: '10.7.0.1' }]);
    expect(api.get('cni', 'ctr-1/eth0')?.labels).toMatchObject({ 'k8s.pod': 'pod-a', 'k8s.namespace': 'default', 'cni.network': 'podnet' });

    const check = await shim(env('CHECK'), conf(version, { prevResult: res }));
    if (hasCheck) expect([check.code, check.stdout]).toEqual([0, '']);
    else expect([check.code, check.json?.code]).toEqual([1, 1]);

    expect(await shim(env('DEL'), conf(version, { prevResult: res }))).toMatchObject({ code: 0, stdout: '' });
    expect(api.list()).toEqual([]);
    expect(await shim(env('DEL'), conf(version))).toMatchObject({ code: 0, stdout: '' });
    expect(await shim(env('DEL', { CNI_NETNS: undefined }), conf(version))).toMatchObject({ code: 0, stdout: '' });
  });

  it('ADD after a previous plugin keeps its result and appends ours', async () => {
    const prev = { cniVersion: version, interfaces: [{ name: 'dummy0' }], ips: [{ ...(legacyIps ? { version: '4' } : {}), address: '192.168.9.2/24', interface: 0 }], dns: { nameservers: ['192.168.9.53'] } };
    const add = await shim(env('ADD'), conf(version, { prevResult: prev }));
    expect(add.code, add.stdout).toBe(0);
    expect(add.json!.interfaces.map((i: { name: string }) => i.name)).toEqual(['dummy0', 'vfake' + api.list()[0].ofport, 'eth0']);
    expect(add.json!.ips.map((i: { interface: number }) => i.interface)).toEqual([0, 2]);
    expect(add.json!.dns).toEqual({ nameservers: ['192.168.9.53'] });
  });

  it(`STATUS and GC ${is11 ? 'work' : 'fail with code 1'}`, async () => {
    const status = await shim({ CNI_COMMAND: 'STATUS' }, conf(version));
    const gc = await shim({ CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' }, conf(version, { 'cni.dev/valid-attachments': [] }));
    if (is11) {
      expect([status.code, status.stdout]).toEqual([0, '']);
      expect([gc.code, gc.stdout]).toEqual([0, '']);
    } else {
      expect([status.code, status.json?.code, status.json?.cniVersion]).toEqual([1, 1, version]);
      expect([gc.code, gc.json?.code]).toEqual([1, 1]);
    }
  });
});

describe('CNI verbs beyond the happy path', () => {
  it('GC removes attachments not in cni.dev/valid-attachments and keeps the rest', async () => {
    for (const id of ['keep-1', 'gone-1', 'gone-2']) {
      expect((await shim(env('ADD', { CNI_CONTAINERID: id }), conf('1.1.0'))).code).toBe(0);
    }
    const gc = await shim({ CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' }, conf('1.1.0', { 'cni.dev/valid-attachments': [{ containerID: 'keep-1', ifname: 'eth0' }] }));
    expect([gc.code, gc.stdout]).toEqual([0, '']);
    expect(api.list().map((a) => a.key)).toEqual(['keep-1/eth0']);
    expect([...(api.claims.get('t/n')?.keys() ?? [])]).toEqual([api.list()[0].ip]);
  });

  it('STATUS reports code 50 while the agent cannot take pods', async () => {
    api.ready = false;
    api.reason = 'store unreachable';
    const r = await shim({ CNI_COMMAND: 'STATUS' }, conf('1.1.0'));
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ cniVersion: '1.1.0', code: 50, msg: expect.stringContaining('store unreachable') });
    const add = await shim(env('ADD'), conf('1.1.0'));
    expect(add.json).toMatchObject({ code: 11 });
  });

  it('CHECK of a container that was never added is code 3; a broken datapath is code 101', async () => {
    const add = await shim(env('ADD'), conf('1.0.0'));
    const missing = await shim(env('CHECK', { CNI_CONTAINERID: 'never' }), conf('1.0.0', { prevResult: add.json }));
    expect(missing.json).toMatchObject({ code: 3 });
    api.checkProblems.set('ctr-1/eth0', ['port vfake is not on the bridge']);
    const broken = await shim(env('CHECK'), conf('1.0.0', { prevResult: add.json }));
    expect(broken.json).toMatchObject({ code: 101, msg: expect.stringContaining('port vfake is not on the bridge') });
    api.checkProblems.clear();
  });

  it('the ips and mac capabilities are honoured', async () => {
    const r = await shim(env('ADD'), conf('1.1.0', { runtimeConfig: { ips: ['10.7.0.42/24'], mac: '02:11:22:33:44:55' } }));
    expect(r.json!.ips[0].address).toBe('10.7.0.42/24');
    expect(r.json!.interfaces[1].mac).toBe('02:11:22:33:44:55');
    const taken = await shim(env('ADD', { CNI_CONTAINERID: 'ctr-2' }), conf('1.1.0', { runtimeConfig: { ips: ['10.7.0.42'] } }));
    expect(taken.json).toMatchObject({ code: 102 });
  });
});

describe('CNI error paths', () => {
  it.each([
    ['no CNI_COMMAND', { ...env('ADD'), CNI_COMMAND: undefined }, conf('1.0.0'), 4, 'CNI_COMMAND'],
    ['an unknown CNI_COMMAND', env('FROB'), conf('1.0.0'), 4, 'CNI_COMMAND'],
    ['no CNI_IFNAME on ADD', env('ADD', { CNI_IFNAME: undefined }), conf('1.0.0'), 4, 'CNI_IFNAME'],
    ['no CNI_NETNS on ADD', env('ADD', { CNI_NETNS: undefined }), conf('1.0.0'), 4, 'CNI_NETNS'],
    ['a bad CNI_CONTAINERID', env('ADD', { CNI_CONTAINERID: '.hidden' }), conf('1.0.0'), 4, 'CNI_CONTAINERID'],
    ['a netns that does not exist', env('ADD', { CNI_NETNS: join(dir, 'nope') }), conf('1.0.0'), 4, 'CNI_NETNS'],
    ['a config that is not JSON', env('ADD', { NETPLUGIN_AGENT_SOCKET: sock }), '{"cniVersion": "1.0.0",', 6, 'JSON'],
    ['an unsupported cniVersion', env('ADD'), conf('0.2.0'), 1, 'cniVersion'],
    ['CHECK in 0.3.1', env('CHECK'), conf('0.3.1', { prevResult: {} }), 1, 'CHECK'],
    ['a bad name', env('ADD'), conf('1.0.0', { name: 'a b' }), 7, 'name'],
    ['tenant without network', env('ADD'), conf('1.0.0', { network: undefined }), 7, 'tenant'],
    ['an unknown network', env('ADD'), conf('1.0.0', { network: 'nowhere' }), 7, 'nowhere'],
    ['a malformed prevResult', env('ADD'), conf('1.0.0', { prevResult: { ips: [{ address: 'x' }] } }), 7, 'prevResult.ips[0].address'],
    ['an IPv6 ips capability', env('ADD'), conf('1.0.0', { runtimeConfig: { ips: ['fd00::9/64'] } }), 2, 'fd00::9/64'],
    ['GC without valid-attachments', { CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' }, conf('1.1.0'), 7, 'cni.dev/valid-attachments'],
    ['GC without CNI_PATH', { CNI_COMMAND: 'GC' }, conf('1.1.0', { 'cni.dev/valid-attachments': [] }), 4, 'CNI_PATH'],
  ])('%s: the spec code, the field named, nothing attached', async (_what, e, stdin, code, mention) => {
    const r = await shim(e, stdin);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code });
    expect(typeof r.json!.cniVersion).toBe('string');
    expect(`${r.json!.msg} ${r.json!.details}`).toContain(mention);
    expect(api.list()).toEqual([]);
  });

  it('an unreachable agent is code 11 (50 for STATUS); VERSION still works', async () => {
    const gone = join(dir, 'gone.sock');
    const add = await shim(env('ADD'), conf('0.4.0', { agentSocket: gone }));
    expect(add.code).toBe(1);
    expect(add.json).toMatchObject({ cniVersion: '0.4.0', code: 11, details: expect.stringContaining(gone) });
    const del = await shim(env('DEL'), conf('1.0.0', { agentSocket: gone }));
    expect(del.json).toMatchObject({ code: 11 });
    const status = await shim({ CNI_COMMAND: 'STATUS' }, conf('1.1.0', { agentSocket: gone }));
    expect(status.json).toMatchObject({ cniVersion: '1.1.0', code: 50 });
    expect((await shim({ CNI_COMMAND: 'VERSION' }, JSON.stringify({ cniVersion: '1.0.0', agentSocket: gone }))).code).toBe(0);
  });

  it('finds the agent by config key, then NETPLUGIN_AGENT_SOCKET', async () => {
    const noKey = JSON.stringify({ cniVersion: '1.1.0', name: 'podnet', type: 'netplugin-cni', tenant: 't', network: 'n' });
    expect((await shim({ CNI_COMMAND: 'STATUS', NETPLUGIN_AGENT_SOCKET: sock }, noKey)).code).toBe(0);
    const wrongEnv = await shim({ CNI_COMMAND: 'STATUS', NETPLUGIN_AGENT_SOCKET: join(dir, 'gone.sock') }, conf('1.1.0'));
    expect(wrongEnv.code).toBe(0);
  });
});

/** A raw unix-socket server answering each request with `reply(body)` (or never). */
async function rawServer(path: string, reply: ((body: string) => string) | undefined): Promise<{ close(): Promise<void>; last: () => string }> {
  let last = '';
  const sockets = new Set<Socket>();
  const srv: NetServer = createNetServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('utf8');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/content-length: *(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (Buffer.byteLength(buf.slice(end + 4)) < len) return;
      last = buf.slice(end + 4);
      if (reply) s.end(reply(last));
    });
  });
  await new Promise<void>((r) => srv.listen(path, () => r()));
  return {
    last: () => last,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

describe('the relay', () => {
  it('forwards stdin byte for byte and only the CNI_* variables; passes exit code and stdout through', async () => {
    const echoSock = join(dir, 'echo.sock');
    let seen: { env: Record<string, string>; stdin: string } | undefined;
    const echo: ApiRoute = {
      method: 'POST',
      path: '/v1/cni',
      handle: async (req) => {
        seen = JSON.parse(req.body.toString('utf8'));
        return { status: 200, body: { exitCode: 42, stdout: 'ünïcødé "quoted"\n\ttab\u0001 🎉' } };
      },
    };
    const s = await serveRoutes(echoSock, [echo]);
    try {
      const tricky = JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 'netplugin-cni', agentSocket: echoSock, note: 'tab\t nl\n quote" bs\\ ctl\u0002 ü 🎉', big: 'x'.repeat(300_000) });
      const r = await shim({ ...env('ADD'), CNI_ARGS: 'A=1;B="2"', HOME: '/root', LD_PRELOAD: '' }, tricky);
      expect(r.code).toBe(42);
      expect(r.stdout).toBe('ünïcødé "quoted"\n\ttab\u0001 🎉');
      expect(seen!.stdin).toBe(tricky);
      expect(seen!.env).toEqual({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'ctr-1', CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_ARGS: 'A=1;B="2"', CNI_PATH: '/opt/cni/bin' });
    } finally {
      await s.close();
    }
  });

  it('reads chunked and close-delimited answers', async () => {
    const body = JSON.stringify({ exitCode: 0, stdout: '{"ok":true}' });
    const chunked = join(dir, 'chunked.sock');
    const a = await rawServer(chunked, () => `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${(5).toString(16)}\r\n${body.slice(0, 5)}\r\n${(body.length - 5).toString(16)}\r\n${body.slice(5)}\r\n0\r\n\r\n`);
    const closing = join(dir, 'closing.sock');
    const b = await rawServer(closing, () => `HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n${body}`);
    try {
      expect(await shim(env('ADD'), conf('1.0.0', { agentSocket: chunked }))).toMatchObject({ code: 0, stdout: '{"ok":true}' });
      expect(await shim(env('ADD'), conf('1.0.0', { agentSocket: closing }))).toMatchObject({ code: 0, stdout: '{"ok":true}' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('gives up on a silent agent after the timeout with code 11', async () => {
    const silent = join(dir, 'silent.sock');
    const s = await rawServer(silent, undefined);
    try {
      const t0 = Date.now();
      const r = await shim({ ...env('ADD'), NETPLUGIN_CNI_TIMEOUT_MS: '400' }, conf('1.0.0', { agentSocket: silent }));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
      expect(r.json).toMatchObject({ code: 11, details: expect.stringContaining('within 400 ms') });
    } finally {
      await s.close();
    }
  });

  it('reports an agent without the CNI route (HTTP 404) and garbage answers', async () => {
    const other = join(dir, 'other.sock');
    const s = await serveRoutes(other, []);
    const junk = join(dir, 'junk.sock');
    const j = await rawServer(junk, () => 'hello\r\n\r\n');
    try {
      expect((await shim(env('ADD'), conf('1.0.0', { agentSocket: other }))).json).toMatchObject({ code: 999, details: expect.stringContaining('HTTP 404') });
      expect((await shim(env('ADD'), conf('1.0.0', { agentSocket: junk }))).json).toMatchObject({ code: 11, details: expect.stringContaining('not HTTP') });
    } finally {
      await s.close();
      await j.close();
    }
  });
});
