import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../../test/integration/store-etcd-tls-certs.js';
import { callMaster } from '../cli/master-client.js';
import { EmbeddedStore } from '../state/embedded.js';
import { checkListenSecurity, listenMaster, parseListen } from './listen.js';
import { createMasterServer, type MasterServer, type MasterTls } from './server.js';

const TOKEN = 'listen-test-token-0123456789abcdef0123456789';

describe('--listen', () => {
  it('parses host:port, IPv6 in brackets, and an empty host as 127.0.0.1', () => {
    expect(parseListen('127.0.0.1:9999')).toEqual({ host: '127.0.0.1', port: 9999 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen(':9999')).toEqual({ host: '127.0.0.1', port: 9999 });
    for (const bad of ['9999', 'host:', 'host:99999']) expect(() => parseListen(bad)).toThrow(/--listen must be host:port/);
  });

  it('refuses a non-loopback address without TLS, naming --tls-cert and --tls-key', () => {
    for (const host of ['0.0.0.0', '::', '10.1.2.3', 'master.example', '128.0.0.1']) {
      expect(() => checkListenSecurity(host, false)).toThrow(expect.objectContaining({ code: 'NP_USAGE', message: expect.stringMatching(/--tls-cert FILE --tls-key FILE/) }));
      expect(() => checkListenSecurity(host, true)).not.toThrow();
    }
    for (const host of ['127.0.0.1', '127.9.9.9', '::1', 'localhost']) expect(() => checkListenSecurity(host, false)).not.toThrow();
  });

  it('does not start listening on a non-loopback address without TLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-listen-'));
    const store = EmbeddedStore.open(dir);
    try {
      const server = createMasterServer(store, pino({ level: 'silent' }), { token: TOKEN });
      await expect(listenMaster(server, { host: '0.0.0.0', port: 0 }, false)).rejects.toMatchObject({ code: 'NP_USAGE', message: expect.stringContaining('--tls-cert') });
      expect(server.listening).toBe(false);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('netmaster over TLS', () => {
  let dir: string;
  let pki: TestPki;
  let store: EmbeddedStore;
  let server: MasterServer | undefined;
  const pem = (f: string) => readFileSync(f);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'np-master-tls-'));
    pki = makeTestPki(dir);
    store = EmbeddedStore.open(join(dir, 'store'));
  });
  afterEach(async () => {
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server!.close(resolve));
    }
    server = undefined;
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(tls: MasterTls): Promise<string> {
    server = createMasterServer(store, pino({ level: 'silent' }), { token: TOKEN, tls });
    return listenMaster(server, { host: '127.0.0.1', port: 0 }, true);
  }

  it('serves HTTPS with --tls-cert/--tls-key; a client trusting the CA gets answers, one without it does not', async () => {
    const url = await serve({ cert: pem(pki.server.cert), key: pem(pki.server.key) });
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await callMaster(url, 'GET', '/api/v1/tenants', undefined, { token: TOKEN, ca: pem(pki.caCert) })).toEqual([]);
    await expect(callMaster(url, 'GET', '/api/v1/tenants', undefined, { token: TOKEN })).rejects.toMatchObject({ code: 'NP_MASTER_UNREACHABLE' });
    await expect(callMaster(url, 'GET', '/api/v1/tenants', undefined, { ca: pem(pki.caCert) })).rejects.toMatchObject({ code: 'NP_UNAUTHORIZED' });
    await expect(callMaster(url.replace('https:', 'http:'), 'GET', '/api/v1/tenants', undefined, { token: TOKEN })).rejects.toMatchObject({ code: 'NP_MASTER_UNREACHABLE' });
  });

  it('serves HTTPS with a self-signed certificate that the client names as its CA (as scripts/lab.sh does)', async () => {
    const [cert, key] = [join(dir, 'self.crt'), join(dir, 'self.key')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-keyout', key, '-out', cert, '-subj', '/CN=netmaster test', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const url = await serve({ cert: pem(cert), key: pem(key) });
    expect(await callMaster(url, 'GET', '/api/v1/networks', undefined, { token: TOKEN, ca: pem(cert) })).toEqual([]);
    await expect(callMaster(url, 'GET', '/api/v1/networks', undefined, { token: TOKEN, ca: pem(pki.caCert) })).rejects.toMatchObject({ code: 'NP_MASTER_UNREACHABLE' });
  });

  it('with --tls-client-ca requires a client certificate that CA signed', async () => {
    const url = await serve({ cert: pem(pki.server.cert), key: pem(pki.server.key), clientCa: pem(pki.caCert) });
    const ca = pem(pki.caCert);
    expect(await callMaster(url, 'GET', '/api/v1/tenants', undefined, { token: TOKEN, ca, cert: pem(pki.client.cert), key: pem(pki.client.key) })).toEqual([]);
    await expect(callMaster(url, 'GET', '/api/v1/tenants', undefined, { token: TOKEN, ca })).rejects.toMatchObject({ code: 'NP_MASTER_UNREACHABLE' });
    await expect(callMaster(url, 'GET', '/api/v1/tenants', undefined, { token: TOKEN, ca, cert: pem(pki.rogueClient.cert), key: pem(pki.rogueClient.key) })).rejects.toMatchObject({
      code: 'NP_MASTER_UNREACHABLE',
    });
  });
});
