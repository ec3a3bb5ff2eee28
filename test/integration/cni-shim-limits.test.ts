/**
 * The `netplugin-cni` shim against agents that misbehave on purpose (fake unix-socket servers,
 * no OVS, no agent): an endless response head, an endless chunked body, an oversized
 * Content-Length, a trickle that never ends, an agent that never reads, one that never
 * accepts (connect deadline), and 64 MiB on stdin.
 * Each must end with the CNI error JSON on stdout and exit 1, well before the deadline when a cap
 * cuts it, and within deadline + 2 s when only the deadline can; peak memory is measured with
 * /usr/bin/time and stays bounded.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlugin, SHIM } from '../helpers/cni-shim.js';

const TIME = '/usr/bin/time';
const MiB = 1024 * 1024;
// Peak RSS allowed (KiB). The caps hold the shim near 16 MiB (one full body); before them an
// endless head reached 525 MB and 64 MiB of stdin 852 MB. ASan's shadow memory and quarantine
// need more room, still far below those figures.
const RSS_LIMIT_KIB = (process.env.NETPLUGIN_SANITIZER ? 320 : 64) * 1024;

const dir = mkdtempSync(join(tmpdir(), 'np-cni-lim-'));
const servers: Array<{ server: Server; sockets: Set<Socket> }> = [];

/** Serves `onConnection` on a fresh unix socket in `dir`; returns the socket path. */
async function fakeAgent(name: string, onConnection: (s: Socket) => void): Promise<string> {
  const path = join(dir, `${name}.sock`);
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onConnection(s);
  });
  servers.push({ server, sockets });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return path;
}

/** Writes `first`, then `next()` again and again as fast as the peer takes it, until it goes. */
function flood(s: Socket, first: string, next: () => Buffer): void {
  let open = true;
  s.on('close', () => (open = false));
  s.write(first);
  const pump = () => {
    while (open && s.write(next()));
    if (open) s.once('drain', pump);
  };
  pump();
}

/** Waits for the request's blank line, then calls `answer` once. */
function afterRequest(s: Socket, answer: () => void): void {
  let seen = '';
  const onData = (d: Buffer) => {
    seen += d.toString('latin1');
    if (seen.includes('\r\n\r\n')) {
      s.off('data', onData);
      s.resume();
      answer();
    }
  };
  s.on('data', onData);
}

const conf = (agentSocket: string) => JSON.stringify({ cniVersion: '1.0.0', name: 'podnet', type: 'netplugin-cni', agentSocket });
const env = (timeoutMs: number) => ({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'ctr-1', CNI_NETNS: '/proc/self/ns/net', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin', NETPLUGIN_CNI_TIMEOUT_MS: String(timeoutMs) });

/** Runs the shim under /usr/bin/time: exit code, parsed CNI error, elapsed ms, peak RSS in KiB. */
async function measured(timeoutMs: number, stdin: string | Buffer) {
  const t0 = Date.now();
  const r = await runPlugin(env(timeoutMs), stdin, TIME, ['-f', 'maxrss_kib=%M', SHIM]);
  const elapsedMs = Date.now() - t0;
  const rss = /maxrss_kib=(\d+)/.exec(r.stderr);
  expect(rss, `no max RSS from ${TIME}: ${r.stderr}`).not.toBeNull();
  return { ...r, elapsedMs, maxRssKiB: Number(rss![1]) };
}

beforeAll(() => {
  expect(existsSync(SHIM), `${SHIM} missing: build it (make build)`).toBe(true);
  expect(existsSync(TIME), `${TIME} missing: apt-get install time (scripts/host-setup.sh)`).toBe(true);
});

afterAll(async () => {
  for (const { server, sockets } of servers) {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('netplugin-cni caps and deadline', () => {
  it('cuts an endless response head at 64 KiB, long before the deadline', async () => {
    const pad = Buffer.from(`X-Pad: ${'a'.repeat(8192)}\r\n`);
    const sock = await fakeAgent('endless-head', (s) => afterRequest(s, () => flood(s, 'HTTP/1.1 200 OK\r\n', () => pad)));
    const r = await measured(20_000, conf(sock));
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 11, msg: expect.stringContaining('no usable answer'), details: expect.stringContaining('head is larger than 65536 bytes') });
    expect(r.elapsedMs).toBeLessThan(5_000);
    expect(r.maxRssKiB).toBeLessThan(RSS_LIMIT_KIB);
  });

  it('cuts an endless chunked body at 16 MiB, long before the deadline', async () => {
    const chunk = Buffer.from(`10000\r\n${'b'.repeat(0x10000)}\r\n`);
    const sock = await fakeAgent('endless-chunks', (s) =>
      afterRequest(s, () => flood(s, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', () => chunk)),
    );
    const r = await measured(20_000, conf(sock));
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 11, details: expect.stringContaining(`body is larger than ${16 * MiB} bytes`) });
    expect(r.elapsedMs).toBeLessThan(10_000);
    expect(r.maxRssKiB).toBeLessThan(RSS_LIMIT_KIB);
  });

  it('refuses a Content-Length over 16 MiB before reading the body', async () => {
    const sock = await fakeAgent('huge-length', (s) =>
      afterRequest(s, () => flood(s, `HTTP/1.1 200 OK\r\nContent-Length: ${16 * MiB + 1}\r\n\r\n`, () => Buffer.alloc(4096, 0x20))),
    );
    const r = await measured(20_000, conf(sock));
    expect(r.json).toMatchObject({ code: 11, details: expect.stringContaining(`Content-Length ${16 * MiB + 1}`) });
    expect(r.elapsedMs).toBeLessThan(5_000);
  });

  it('gives up on a head that trickles forever at the deadline, though bytes keep coming', async () => {
    const sock = await fakeAgent('trickle', (s) =>
      afterRequest(s, () => {
        s.write('HTTP/1.1 200 OK\r\n');
        const t = setInterval(() => s.write('X-Slow: 1\r\n'), 20);
        s.on('close', () => clearInterval(t));
      }),
    );
    const r = await measured(1_000, conf(sock));
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 11, details: expect.stringContaining('within 1000 ms') });
    expect(r.elapsedMs).toBeGreaterThanOrEqual(1_000);
    expect(r.elapsedMs).toBeLessThan(3_000);
  });

  it('gives up at the deadline on an agent that never reads the request', async () => {
    // 3 MiB of configuration (under the stdin cap) cannot fit in the socket buffer.
    const sock = await fakeAgent('deaf', (s) => s.pause());
    const big = JSON.stringify({ cniVersion: '1.0.0', name: 'podnet', type: 'netplugin-cni', agentSocket: sock, pad: 'p'.repeat(3 * MiB) });
    const r = await measured(1_000, big);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 11, details: expect.stringContaining('timed out sending the request') });
    expect(r.elapsedMs).toBeGreaterThanOrEqual(1_000);
    expect(r.elapsedMs).toBeLessThan(3_000);
  });

  it('gives up at the deadline on an agent whose accept backlog stays full', async () => {
    // A child process listens with backlog 1 and then blocks its event loop, so it never
    // accepts: two queued clients fill the backlog (Linux queues backlog + 1) and the shim's
    // connect gets EAGAIN. (Node turns a backlog of 0 into its default, 511.)
    const path = join(dir, 'full-backlog.sock');
    const holdMs = 4_000;
    const child = spawn(process.execPath, ['-e', `
      const s = require('node:net').createServer();
      s.listen({ path: ${JSON.stringify(path)}, backlog: 1 }, () => {
        process.stdout.write('ready\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs}));
      });`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`listener exited early (${code})`)));
      });
      const fillers = [connect(path), connect(path)];
      for (const f of fillers) f.on('error', () => undefined);
      await Promise.all(fillers.map((f) => new Promise<void>((resolve) => f.once('connect', () => resolve()))));
      try {
        const r = await measured(1_000, conf(path));
        expect(r.code).toBe(1);
        expect(r.json).toMatchObject({ code: 11, details: expect.stringContaining('timed out connecting') });
        expect(r.elapsedMs).toBeGreaterThanOrEqual(1_000);
        expect(r.elapsedMs).toBeLessThan(3_000);
      } finally {
        for (const f of fillers) f.destroy();
      }
    } finally {
      child.kill();
    }
  });

  it('refuses 64 MiB on stdin with code 7 after reading 4 MiB, without contacting the agent', async () => {
    let contacted = false;
    const sock = await fakeAgent('unused', (s) => {
      contacted = true;
      s.destroy();
    });
    const head = `{"cniVersion":"1.0.0","name":"podnet","type":"netplugin-cni","agentSocket":${JSON.stringify(sock)},"pad":"`;
    const stdin = Buffer.alloc(64 * MiB, 0x61);
    stdin.write(head, 0, 'latin1');
    const r = await measured(20_000, stdin);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ code: 7, msg: expect.stringContaining(`larger than ${4 * MiB} bytes`) });
    expect(r.elapsedMs).toBeLessThan(5_000);
    expect(r.maxRssKiB).toBeLessThan(RSS_LIMIT_KIB);
    expect(contacted).toBe(false);
  });

  it('still relays a complete answer just under the body cap (positive control)', async () => {
    const stdout = 'o'.repeat(16 * MiB - 64);
    const body = Buffer.from(JSON.stringify({ exitCode: 0, stdout }));
    expect(body.length).toBeLessThanOrEqual(16 * MiB);
    const sock = await fakeAgent('big-ok', (s) =>
      afterRequest(s, () => s.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]))),
    );
    const r = await measured(20_000, conf(sock));
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(stdout.length);
    expect(r.maxRssKiB).toBeLessThan(RSS_LIMIT_KIB);
  });
});
