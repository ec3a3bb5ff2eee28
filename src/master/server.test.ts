import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../state/embedded.js';
import { KEYS } from '../state/keys.js';
import { loadDesired } from './desired-io.js';
import type { HttpLimits } from './http-limits.js';
import { createMasterServer, type MasterServer } from './server.js';

const TOKEN = 'server-test-token-0123456789abcdef0123456789';
const example = (name: string) => readFileSync(join(import.meta.dirname, '../../examples', name), 'utf8');
const AUTH = { authorization: `Bearer ${TOKEN}` };
const JSON_BODY = { ...AUTH, 'content-type': 'application/json' };

let dir: string;
let store: EmbeddedStore;
let server: MasterServer | undefined;
let base: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-server-'));
  store = EmbeddedStore.open(join(dir, 'store'));
});
afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
  }
  server = undefined;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(limits: Partial<HttpLimits> = {}): Promise<void> {
  server = createMasterServer(store, pino({ level: 'silent' }), { token: TOKEN, limits });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: { error?: { code: string; message: string; [k: string]: unknown }; [k: string]: unknown };
}

/** One request with exactly the given headers (no defaults added), raw path included. */
function call(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const sized = body !== undefined && headers['transfer-encoding'] === undefined;
    const req = request({ host: u.hostname, port: u.port, method, path, headers: sized ? { 'content-length': String(Buffer.byteLength(body)), ...headers } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: Answer['body'];
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = { raw: text };
        }
        resolve({ status: res.statusCode!, headers: res.headers, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The stored intent and revision: what a refused request must leave as it was. */
async function snapshot(): Promise<[number, unknown]> {
  return [await store.revision(), (await loadDesired(store)).state ?? null];
}

describe('netmaster API authentication', () => {
  it('applies with the token and a JSON body (the control for every refusal below)', async () => {
    await start();
    const r = await call('POST', '/api/v1/intent', JSON_BODY, example('one_host_vlan.json'));
    expect([r.status, r.body.applied]).toEqual([200, true]);
    expect((await call('GET', '/api/v1/networks', AUTH)).body).toMatchObject([{ name: 'orange' }]);
  });

  it('serves the policy groups of the applied intent', async () => {
    await start();
    expect((await call('POST', '/api/v1/intent', JSON_BODY, example('policy.json'))).status).toBe(200);
    expect((await call('GET', '/api/v1/groups', AUTH)).body).toEqual([
      { tenant: 't1', group: 'db', policies: ['db-in'], members: 1 },
      { tenant: 't1', group: 'web', policies: [], members: 1 },
    ]);
  });

  it("serves each rule's hits summed over the hosts' counters, or one host's", async () => {
    await start();
    expect((await call('POST', '/api/v1/intent', JSON_BODY, example('policy.json'))).status).toBe(200);
    const report = (host: string, packets: number, spoof: number) => ({ host, rules: { 't1/db-in/0': { packets, bytes: packets * 60 } }, spoofDrops: { packets: spoof, bytes: spoof * 42 } });
    await store.txn([], [
      { type: 'put', key: KEYS.operPolicyCounters('host1'), value: JSON.stringify(report('host1', 2, 1)) },
      { type: 'put', key: KEYS.operPolicyCounters('host2'), value: JSON.stringify(report('host2', 5, 0)) },
    ]);
    const all = (await call('GET', '/api/v1/policies', AUTH)).body as unknown as { rules: Array<{ id: string; packets: number; peer: string }>; spoofDrops: { packets: number }; hosts: string[] };
    expect(all.rules.map((r) => [r.id, r.peer, r.packets])).toEqual([
      ['t1/db-in/0', 'group:web', 7],
      ['t1/db-in/1', '10.9.0.0/16', 0],
      ['t1/db-in/2', 'any', 0],
    ]);
    expect([all.spoofDrops.packets, all.hosts]).toEqual([1, ['host1', 'host2']]);
    const one = (await call('GET', '/api/v1/policies?host=host2', AUTH)).body as unknown as typeof all;
    expect([one.rules[0].packets, one.hosts]).toEqual([5, ['host2']]);
  });

  it("serves each network's multicast groups from the hosts' live memberships, and needs the token", async () => {
    await start();
    expect((await call('POST', '/api/v1/intent', JSON_BODY, example('multicast.json'))).status).toBe(200);
    const later = Date.now() + 60_000;
    const members = (host: string, groups: Record<string, Record<string, number>>) => JSON.stringify({ host, networks: { 'tenant-one/orange': groups } });
    await store.txn([], [
      { type: 'put', key: KEYS.operMulticast('host1'), value: members('host1', { '239.1.1.1': { 'tenant-one/orange/myContainer1': later } }) },
      { type: 'put', key: KEYS.operMulticast('host2'), value: JSON.stringify({ ...JSON.parse(members('host2', { '239.1.1.1': { 'tenant-one/orange/myContainer2': later }, '239.9.9.9': { 'tenant-one/orange/myContainer2': Date.now() - 1 } })), malformed: 2 }) },
      { type: 'put', key: KEYS.operMulticast('host3'), value: 'not json' },
    ]);
    expect((await call('GET', '/api/v1/multicast', {})).status).toBe(401);
    const r = await call('GET', '/api/v1/multicast', AUTH);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      networks: [
        { tenant: 'tenant-one', network: 'orange', mode: 'snoop', multicastRouter: false, groups: [{ group: '239.1.1.1', members: ['tenant-one/orange/myContainer1', 'tenant-one/orange/myContainer2'], hosts: ['host1', 'host2'] }] },
        { tenant: 'tenant-one', network: 'purple', mode: 'snoop', multicastRouter: true, groups: [] },
      ],
      hosts: [
        { host: 'host1', malformed: 0 },
        { host: 'host2', malformed: 2 },
      ],
    });
  });

  it('serves no multicast networks before the first apply', async () => {
    await start();
    expect((await call('GET', '/api/v1/multicast', AUTH)).body).toEqual({ networks: [], hosts: [] });
  });

  it('answers health without a token', async () => {
    await start();
    expect((await call('GET', '/api/v1/health', {})).status).toBe(200);
  });

  it('refuses a call without a token: 401 NP_UNAUTHORIZED, for reads, writes, unknown paths and odd spellings', async () => {
    await start();
    const paths = [['GET', '/api/v1/tenants'], ['GET', '/api/v1/intent'], ['GET', '/api/v1/no-such-thing'], ['POST', '/api/v1/hosts/h1/forget'], ['GET', '//api/v1/tenants'], ['GET', '/API/v1/tenants'], ['GET', '/api/v1/health/../tenants']];
    for (const [method, path] of paths) {
      const r = await call(method, path, {});
      expect([method, path, r.status, r.body.error?.code]).toEqual([method, path, 401, 'NP_UNAUTHORIZED']);
    }
    const before = await snapshot();
    const r = await call('POST', '/api/v1/intent', { 'content-type': 'application/json' }, example('one_host_vlan.json'));
    expect([r.status, r.body.error?.code]).toEqual([401, 'NP_UNAUTHORIZED']);
    expect(r.body.error?.message).toContain('missing API token');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a wrong token, one differing only in its last character, and another scheme: 401', async () => {
    await start();
    const before = await snapshot();
    for (const authorization of [`Bearer ${TOKEN.slice(0, -1)}X`, 'Bearer nope', `Basic ${TOKEN}`, `Bearer ${TOKEN} extra`]) {
      const r = await call('POST', '/api/v1/intent', { authorization, 'content-type': 'application/json' }, example('one_host_vlan.json'));
      expect([authorization, r.status, r.body.error?.code]).toEqual([authorization, 401, 'NP_UNAUTHORIZED']);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a body that is not application/json: 415, nothing applied', async () => {
    await start();
    const before = await snapshot();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await call('POST', '/api/v1/intent', { ...AUTH, 'content-type': type }, example('one_host_vlan.json'));
      expect([type, r.status, r.body.error?.code]).toEqual([type, 415, 'NP_UNSUPPORTED_MEDIA_TYPE']);
    }
    const untyped = await call('POST', '/api/v1/intent', AUTH, example('one_host_vlan.json'));
    expect([untyped.status, untyped.body.error?.code]).toEqual([415, 'NP_UNSUPPORTED_MEDIA_TYPE']);
    expect(await snapshot()).toEqual(before);
    const withCharset = await call('POST', '/api/v1/intent', { ...AUTH, 'content-type': 'Application/JSON; charset=utf-8' }, example('one_host_vlan.json'));
    expect(withCharset.status).toBe(200);
  });

  it("refuses a request whose Origin is not netmaster's own: 403, even with the token", async () => {
    await start();
    const port = new URL(base).port;
    const before = await snapshot();
    for (const origin of ['http://evil.example', 'null', `https://127.0.0.1:${port}`, 'http://127.0.0.1:1', `http://evil.example:${port}`]) {
      const r = await call('POST', '/api/v1/intent', { ...JSON_BODY, origin }, example('one_host_vlan.json'));
      expect([origin, r.status, r.body.error?.code]).toEqual([origin, 403, 'NP_FORBIDDEN_ORIGIN']);
    }
    expect(await snapshot()).toEqual(before);
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      expect((await call('GET', '/api/v1/tenants', { ...AUTH, origin })).status).toBe(200);
    }
  });

  it('a browser-style cross-origin form post (text/plain, Origin evil, no token) changes nothing', async () => {
    await start();
    await call('POST', '/api/v1/intent', JSON_BODY, example('one_host_vlan.json'));
    const before = await snapshot();
    expect(before[1]).not.toBeNull();
    for (const path of ['/api/v1/intent', '/api/v1/intent/delete', '/api/v1/intent/add', '/api/v1/hosts/host1/forget']) {
      const r = await call('POST', path, { 'content-type': 'text/plain', origin: 'http://evil.example' }, '{"Tenants":[]}');
      expect(r.status).toBeGreaterThanOrEqual(400);
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe('netmaster HTTP limits', () => {
  it('refuses a body over --max-body-bytes with 413 naming the flag, declared or streamed', async () => {
    await start({ maxBodyBytes: 1000 });
    const before = await snapshot();
    const big = JSON.stringify({ Tenants: [], pad: 'x'.repeat(1000) });
    const declared = await call('POST', '/api/v1/intent', JSON_BODY, big);
    expect([declared.status, declared.body.error?.code, declared.body.error?.flag]).toEqual([413, 'NP_REQUEST_TOO_LARGE', 'max-body-bytes']);
    expect(declared.body.error?.message).toContain('--max-body-bytes');
    expect(declared.headers.connection).toBe('close');
    const chunked = await call('POST', '/api/v1/intent/add', { ...JSON_BODY, 'transfer-encoding': 'chunked' }, big);
    expect([chunked.status, chunked.body.error?.code]).toEqual([413, 'NP_REQUEST_TOO_LARGE']);
    expect(await snapshot()).toEqual(before);
    const small = await call('POST', '/api/v1/intent', JSON_BODY, example('one_host_vlan.json'));
    expect(small.status).toBe(200);
  });

  it('answers 413 before the client has sent the whole declared body', async () => {
    await start({ maxBodyBytes: 1000 });
    const answer = await new Promise<number>((resolve, reject) => {
      const u = new URL(base);
      const req = request({ host: u.hostname, port: u.port, method: 'POST', path: '/api/v1/intent', headers: { ...JSON_BODY, 'content-length': String(1 << 30) } }, (res) => {
        resolve(res.statusCode!);
        res.resume();
      });
      req.on('error', reject);
      req.write('{"Tenants":');
    });
    expect(answer).toBe(413);
  });

  it('refuses malformed %-encoding in the URL with 400', async () => {
    await start();
    for (const path of ['/api/v1/hosts/%zz/forget', '/api/v1/hosts/%E0%A4%A/forget', '/api/v1/tenants?x=%', '/api/v1/hosts/%FF/forget']) {
      const r = await call('POST', path, AUTH);
      expect([path, r.status, r.body.error?.code]).toEqual([path, 400, 'NP_INVALID_ARGUMENT']);
    }
    expect((await call('POST', '/api/v1/hosts/h%31/forget', AUTH)).body).toMatchObject({ host: 'h1' });
  });

  it('refuses an apply naming more objects than a cap, naming the count and the flag; a delta too', async () => {
    await start({ maxTenants: 1, maxNetworks: 2, maxEndpoints: 3 });
    const before = await snapshot();
    const nets = (n: number, eps: number) => Array.from({ length: n }, (_, i) => ({ Name: `n${i}`, Endpoints: Array.from({ length: eps }, (_, j) => ({ Container: `c${i}-${j}` })) }));
    const cases: [string, unknown, string, string][] = [
      ['/api/v1/intent', { Tenants: [{ Name: 'a' }, { Name: 'b' }] }, 'max-tenants', 'names 2 tenants'],
      ['/api/v1/intent', { Tenants: [{ Name: 'a', Networks: nets(3, 0) }] }, 'max-networks', 'names 3 networks'],
      ['/api/v1/intent', { tenants: [{ Name: 'a', networks: nets(2, 2) }] }, 'max-endpoints', 'names 4 endpoints'],
      ['/api/v1/intent/add', { Tenants: [{ Name: 'a', Networks: nets(1, 4) }] }, 'max-endpoints', 'names 4 endpoints'],
    ];
    for (const [path, doc, flag, words] of cases) {
      const r = await call('POST', path, JSON_BODY, JSON.stringify(doc));
      expect([flag, r.status, r.body.error?.code, r.body.error?.flag]).toEqual([flag, 413, 'NP_REQUEST_TOO_LARGE', flag]);
      expect(r.body.error?.message).toContain(words);
      expect(r.body.error?.message).toContain(`--${flag}`);
    }
    expect(await snapshot()).toEqual(before);
    expect((await call('POST', '/api/v1/intent', JSON_BODY, example('one_host_vlan.json'))).status).toBe(200);
  });

  /** Opens a raw TCP connection; resolves once it is connected. */
  const open = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = connect(Number(new URL(base).port), '127.0.0.1', () => resolve(s));
      s.on('error', reject);
    });
  /** What a socket receives until the server closes it (or `ms` pass: then 'open'). */
  const untilClosed = (s: Socket, ms: number): Promise<string> =>
    new Promise((resolve) => {
      let got = '';
      const t = setTimeout(() => resolve('open'), ms);
      s.on('data', (c: Buffer) => (got += c.toString('utf8')));
      s.on('close', () => {
        clearTimeout(t);
        resolve(got);
      });
    });

  it('closes a connection that does not finish its headers in time (408)', async () => {
    await start({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const slow = await open();
    slow.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\n');
    const started = Date.now();
    expect(await untilClosed(slow, 5000)).toContain('408');
    expect(Date.now() - started).toBeLessThan(3000);
    // Control: a prompt request on a new connection is answered.
    expect((await call('GET', '/api/v1/health', {})).status).toBe(200);
  });

  it('closes connections over --max-connections and keeps serving those within it', async () => {
    await start({ maxConnections: 1 });
    const first = await open();
    const second = await open();
    expect(await untilClosed(second, 2000)).toBe('');
    first.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(await untilClosed(first, 2000)).toContain('200 OK');
  });
});
