import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import pino from 'pino';
import { EmbeddedStore } from '../state/embedded.js';
import { KEYS } from '../state/keys.js';
import { RuntimeService } from '../runtime/service.js';
import { ATTACH_LIMITS } from '../runtime/attach-request.js';
import { agentApi } from '../../test/helpers/agent-api.js';
import { FAKE_NETNS, FakeRuntimeHost, fakeNetnsProbe } from '../../test/helpers/fake-runtime-host.js';
import { startLocalApi, type LocalApiServer } from './server.js';
import { runtimeRoutes } from './runtime-routes.js';

const log = pino({ level: 'silent' });
let dir: string;
let store: EmbeddedStore;
let host: FakeRuntimeHost;
let probe: ReturnType<typeof fakeNetnsProbe>;
let server: LocalApiServer;
let sock: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'np-lapi-'));
  store = EmbeddedStore.open(join(dir, 'store'));
  host = new FakeRuntimeHost(store);
  probe = fakeNetnsProbe();
  const svc = new RuntimeService(host, log, { netnsProbe: probe, netnsTimeoutMs: 200 });
  host.service = svc;
  await svc.load();
  sock = join(dir, 'agent.sock');
  server = await startLocalApi(sock, runtimeRoutes(svc, () => ({ host: 'h1' })), log);
});
afterEach(async () => {
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const good = { source: 'cni', key: 'c1/eth0', containerId: 'c1', tenant: 't', network: 'n' };

/** Posts an attach and, for a refusal, checks that nothing was recorded or plumbed. */
async function refused(body: unknown): Promise<{ status: number; code: string; field: string; message: string }> {
  const r = await agentApi(sock, 'POST', '/v1/attach', body);
  expect((await store.list(KEYS.operPrefix)).items).toEqual([]);
  expect(host.rounds).toBe(0);
  return { status: r.status, code: r.body?.error?.code, field: r.body?.error?.field, message: r.body?.error?.message };
}

describe('local API /v1/attach inputs', () => {
  it('accepts a good request (positive control for the refusals below)', async () => {
    const r = await agentApi(sock, 'POST', '/v1/attach', { ...good, netns: FAKE_NETNS.pod1, ifName: 'eth0', labels: { pod: 'a' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ state: 'attached', netns: FAKE_NETNS.pod1, ifName: 'eth0' });
    expect(probe.calls).toEqual([FAKE_NETNS.pod1]);
  });

  it('refuses handoffPeer: it is the agent\'s own decision, not a caller field', async () => {
    const r = await refused({ ...good, netns: FAKE_NETNS.pod1, handoffPeer: 'eth0' });
    expect(r).toMatchObject({ status: 400, code: 'NP_INVALID_ARGUMENT', field: 'handoffPeer' });
    expect(r.message).toMatch(/^handoffPeer: is not a field of the attach request/);
    expect(probe.calls).toEqual([]);
  });

  it('refuses a body that is not JSON', async () => {
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ socketPath: sock, method: 'POST', path: '/v1/attach', agent: false }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end('{"source": "cni",');
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error).toMatchObject({ code: 'NP_INVALID_ARGUMENT', field: 'body' });
    expect((await store.list(KEYS.operPrefix)).items).toEqual([]);
  });

  it.each([
    ['a body that is not an object', [good], 'body'],
    ['a body that is null', null, 'body'],
    ['an unknown field', { ...good, extra: 1 }, 'extra'],
    ['an unknown externalAddress field', { ...good, externalAddress: { ip: '10.9.0.5', prefixLen: 27, via: 'x' } }, 'externalAddress.via'],
  ])('refuses %s', async (_what, body, field) => {
    expect(await refused(body)).toMatchObject({ status: 400, code: 'NP_INVALID_ARGUMENT', field });
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['source: unknown', { source: 'rkt' }, 'source', /must be "cni" or "docker"/],
    ['source: not a string', { source: 1 }, 'source', /must be "cni" or "docker"/],
    ['key: missing', { key: undefined }, 'key', /must be a string/],
    ['key: a number', { key: 7 }, 'key', /must be a string, not number/],
    ['key: empty', { key: '' }, 'key', /must not be empty/],
    ['key: too long', { key: 'k'.repeat(ATTACH_LIMITS.key + 1) }, 'key', /at most 512 bytes/],
    ['key: a control character', { key: 'a\u0000b' }, 'key', /control characters/],
    ['containerId: missing', { containerId: undefined }, 'containerId', /must be a string/],
    ['containerId: an object', { containerId: {} }, 'containerId', /must be a string, not object/],
    ['containerId: too long', { containerId: 'c'.repeat(ATTACH_LIMITS.containerId + 1) }, 'containerId', /at most 256 bytes/],
    ['intentNames: not a list', { intentNames: 'web' }, 'intentNames', /must be a list of strings/],
    ['intentNames: too many', { intentNames: Array.from({ length: ATTACH_LIMITS.intentNames + 1 }, (_, i) => `p${i}`) }, 'intentNames', /at most 16 entries/],
    ['intentNames: an entry not a string', { intentNames: ['web', 3] }, 'intentNames[1]', /must be a string/],
    ['intentNames: an entry too long', { intentNames: ['x'.repeat(ATTACH_LIMITS.intentName + 1)] }, 'intentNames[0]', /at most 256 bytes/],
    ['tenant: a number', { tenant: 123 }, 'tenant', /must be a string, not number/],
    ['tenant: a bad name', { tenant: '-t' }, 'tenant', /not a valid name/],
    ['tenant: too long', { tenant: 't'.repeat(ATTACH_LIMITS.name + 1) }, 'tenant', /at most 128 bytes/],
    ['network: a list', { network: ['n'] }, 'network', /must be a string, not object/],
    ['network: a bad name', { network: 'n/x' }, 'network', /not a valid name/],
    ['ip: not IPv4', { ip: '10.9.0.999' }, 'ip', /not an IPv4 address/],
    ['ip: a number', { ip: 167837698 }, 'ip', /not an IPv4 address/],
    ['ipClaimedBy: without ip', { ipClaimedBy: 'docker-ipam:x' }, 'ipClaimedBy', /needs ip/],
    ['ipClaimedBy: a boolean', { ip: '10.9.0.5', ipClaimedBy: true }, 'ipClaimedBy', /must be a string/],
    ['externalAddress: not an object', { externalAddress: '10.9.0.5/27' }, 'externalAddress', /must be an object/],
    ['externalAddress.ip: missing', { externalAddress: { prefixLen: 27 } }, 'externalAddress.ip', /is required/],
    ['externalAddress.ip: bad', { externalAddress: { ip: 'x', prefixLen: 27 } }, 'externalAddress.ip', /not an IPv4 address/],
    ['externalAddress.prefixLen: a string', { externalAddress: { ip: '10.9.0.5', prefixLen: '27' } }, 'externalAddress.prefixLen', /integer 0-32/],
    ['externalAddress.prefixLen: 33', { externalAddress: { ip: '10.9.0.5', prefixLen: 33 } }, 'externalAddress.prefixLen', /integer 0-32/],
    ['externalAddress.gateway: bad', { externalAddress: { ip: '10.9.0.5', prefixLen: 27, gateway: 5 } }, 'externalAddress.gateway', /not an IPv4 address/],
    ['mac: malformed', { mac: '02:00:00:00:00' }, 'mac', /not a MAC address/],
    ['mac: a number', { mac: 2 }, 'mac', /not a MAC address/],
    ['mac: multicast', { mac: '01:00:00:00:00:01' }, 'mac', /multicast/],
    ['netns: a number', { netns: 1 }, 'netns', /must be a string, not number/],
    ['netns: empty', { netns: '' }, 'netns', /must not be empty/],
    ['netns: relative', { netns: 'run/netns/x' }, 'netns', /absolute path/],
    ['netns: too long', { netns: `/${'a'.repeat(ATTACH_LIMITS.netns)}` }, 'netns', /at most 4095 bytes/],
    ['netns: a NUL byte', { netns: '/run/netns/a\u0000b' }, 'netns', /control characters/],
    ['ifName: a number', { ifName: 0 }, 'ifName', /must be a string/],
    ['ifName: empty', { ifName: '' }, 'ifName', /must not be empty/],
    ['ifName: 16 bytes', { ifName: 'a234567890123456' }, 'ifName', /at most 15 bytes/],
    ['ifName: "."', { ifName: '.' }, 'ifName', /"\." or "\.\."/],
    ['ifName: ".."', { ifName: '..' }, 'ifName', /"\." or "\.\."/],
    ['ifName: a slash', { ifName: 'eth/0' }, 'ifName', /'\/', ':' or whitespace/],
    ['ifName: a colon', { ifName: 'eth0:1' }, 'ifName', /'\/', ':' or whitespace/],
    ['ifName: whitespace', { ifName: 'eth 0' }, 'ifName', /'\/', ':' or whitespace/],
    ['labels: a list', { labels: ['a'] }, 'labels', /must be an object of strings/],
    ['labels: too many', { labels: Object.fromEntries(Array.from({ length: ATTACH_LIMITS.labels + 1 }, (_, i) => [`k${i}`, 'v'])) }, 'labels', /at most 64 entries/],
    ['labels: a value not a string', { labels: { a: 1 } }, 'labels.a', /must be a string, not number/],
    ['labels: a value too long', { labels: { a: 'v'.repeat(ATTACH_LIMITS.labelValue + 1) } }, 'labels.a', /at most 1024 bytes/],
    ['labels: an empty key', { labels: { '': 'v' } }, 'labels (a key)', /must not be empty/],
    ['labels: a key with a newline', { labels: { 'a\nb': 'v' } }, 'labels (a key)', /control characters/],
    ['intentNames: an empty entry', { intentNames: [''] }, 'intentNames[0]', /must not be empty/],
    ['ipClaimedBy: too long', { ip: '10.9.0.5', ipClaimedBy: 'o'.repeat(ATTACH_LIMITS.ipClaimedBy + 1) }, 'ipClaimedBy', /at most 512 bytes/],
    ['ifName: not ASCII', { ifName: 'éth0' }, 'ifName', /this plugin's limit/],
    ['labels: a key too long', { labels: { ['k'.repeat(ATTACH_LIMITS.labelKey + 1)]: 'v' } }, 'labels (a key)', /at most 253 bytes/],
  ])('refuses %s, naming the field', async (_what, change, field, why) => {
    const body: Record<string, unknown> = { ...good, ...change };
    for (const k of Object.keys(change)) if (change[k] === undefined) delete body[k];
    const r = await refused(body);
    expect(r).toMatchObject({ status: 400, code: 'NP_INVALID_ARGUMENT', field });
    expect(r.message.startsWith(`${field}: `)).toBe(true);
    expect(r.message).toMatch(why);
    expect(probe.calls).toEqual([]);
  });

  it.each<[string, string, number, string, RegExp]>([
    ['a FIFO', FAKE_NETNS.fifo, 400, 'NP_NETNS_INVALID', /is a FIFO, not a network namespace file/],
    ['a missing file', '/run/netns/gone', 400, 'NP_NETNS_INVALID', /No such file or directory/],
    ['the host namespace (bind-mounted)', FAKE_NETNS.host, 400, 'NP_NETNS_INVALID', /the host's own network namespace/],
    ['a namespace file that never answers', FAKE_NETNS.hang, 504, 'NP_NETNS_TIMEOUT', /no answer within 0.2 s/],
  ])('refuses netns %s before recording anything', async (_what, path, status, code, why) => {
    const r = await refused({ ...good, netns: path });
    expect(r).toMatchObject({ status, code, field: 'netns' });
    expect(r.message).toMatch(why);
    expect(probe.calls).toEqual([path]);
  });

  it('keeps an existing recorded attachment unchanged when a later netns is refused', async () => {
    expect((await agentApi(sock, 'POST', '/v1/attach', good)).status).toBe(200);
    const before = (await store.list(KEYS.operPrefix)).items.map((kv) => kv.value);
    const r = await agentApi(sock, 'POST', '/v1/attach', { ...good, netns: FAKE_NETNS.fifo });
    expect(r.body.error).toMatchObject({ code: 'NP_NETNS_INVALID', field: 'netns' });
    expect((await store.list(KEYS.operPrefix)).items.map((kv) => kv.value)).toEqual(before);
    expect(host.rounds).toBe(0);
  });
});

describe('local API /v1/detach inputs', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['an unknown field', { source: 'cni', key: 'k', handoffPeer: 'eth0' }, 'handoffPeer', /not a field of the detach request/],
    ['a body that is not an object', 'k', 'body', /must be a JSON object/],
    ['a missing source', { key: 'k' }, 'source', /required/],
    ['a bad source', { source: 'x', key: 'k' }, 'source', /must be "cni" or "docker"/],
    ['a key that is a number', { source: 'cni', key: 5 }, 'key', /required/],
    ['a key too long', { source: 'cni', key: 'k'.repeat(ATTACH_LIMITS.key + 1) }, 'key', /at most 512 bytes/],
  ])('refuses %s', async (_what, body, field, why) => {
    const r = await agentApi(sock, 'POST', '/v1/detach', body);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'NP_INVALID_ARGUMENT', field });
    expect(r.body.error.message).toMatch(why);
  });

  it('detaches with a good body (positive control)', async () => {
    expect((await agentApi(sock, 'POST', '/v1/attach', good)).status).toBe(200);
    expect(await agentApi(sock, 'POST', '/v1/detach', { source: 'cni', key: good.key })).toMatchObject({ status: 200, body: { detached: true } });
  });
});
