import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, NetpluginError } from '../common/errors.js';
import { RemoteError, callMaster } from './master-client.js';
import { errorLine } from './run.js';

/** A loopback stand-in for netmaster: each path answers a fixed status and body. */
const ANSWERS: Record<string, [number, string]> = {
  '/ok': [200, JSON.stringify({ ok: true })],
  '/unknown-code': [500, JSON.stringify({ error: { code: 'NP_FROM_A_NEWER_MASTER', message: 'the flux capacitor is cold', hint: 'h' } })],
  '/known-code': [400, JSON.stringify({ error: { code: 'NP_INTENT_INVALID', message: 'intent rejected', problems: [{ path: 'Tenants[0]', reason: 'bad' }] } })],
  '/no-code': [502, JSON.stringify({ error: { message: 'proxy says no' } })],
  '/not-json': [502, '<html>bad gateway</html>'],
};

let server: Server;
let master: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, authorization: req.headers.authorization ?? null, type: req.headers['content-type'] ?? null, body: Buffer.concat(chunks).toString('utf8') }));
      });
      return;
    }
    const [status, body] = ANSWERS[req.url ?? ''] ?? [404, '{}'];
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  master = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function failure(path: string): Promise<Error> {
  const r = await callMaster(master, 'GET', path).then(
    () => undefined,
    (err: Error) => err,
  );
  if (!r) throw new Error(`GET ${path} did not fail`);
  return r;
}

describe('netdcli master client', () => {
  it('returns the answer of a successful call', async () => {
    expect(await callMaster(master, 'GET', '/ok')).toEqual({ ok: true });
  });

  it('sends the bearer token, and a body as application/json', async () => {
    expect(await callMaster(master, 'POST', '/echo', '{"Tenants":[]}', { token: 't0k' })).toEqual({ method: 'POST', authorization: 'Bearer t0k', type: 'application/json', body: '{"Tenants":[]}' });
    expect(await callMaster(master, 'GET', '/echo')).toEqual({ method: 'GET', authorization: null, type: null, body: '' });
  });

  it('prints a remote code it does not know verbatim, with the message as it came', async () => {
    expect(Object.hasOwn(ERROR_CODES, 'NP_FROM_A_NEWER_MASTER')).toBe(false);
    const err = await failure('/unknown-code');
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ code: 'NP_FROM_A_NEWER_MASTER', message: 'the flux capacitor is cold', details: { hint: 'h' } });
    expect(errorLine('netdcli', err)).toBe('netdcli: the flux capacitor is cold [NP_FROM_A_NEWER_MASTER]\n');
  });

  it('keeps a known remote code as a NetpluginError with its problems', async () => {
    const err = await failure('/known-code');
    expect(err).toBeInstanceOf(NetpluginError);
    expect(err).toMatchObject({ code: 'NP_INTENT_INVALID', details: { problems: [{ path: 'Tenants[0]', reason: 'bad' }] } });
    expect(errorLine('netdcli', err)).toBe('netdcli: intent rejected [NP_INTENT_INVALID]\n');
  });

  it('reports an answer without a code, or not JSON at all, as not coming from netmaster', async () => {
    for (const path of ['/no-code', '/not-json']) {
      const err = await failure(path);
      expect(err).toBeInstanceOf(NetpluginError);
      expect(err).toMatchObject({ code: 'NP_MASTER_UNREACHABLE', details: { status: 502 } });
    }
  });

  it('reports a master that is not listening as unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(callMaster(url, 'GET', '/ok')).rejects.toMatchObject({ code: 'NP_MASTER_UNREACHABLE' });
  });
});
