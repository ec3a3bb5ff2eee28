import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { FakeRuntime, fakeNetwork } from '../../test/helpers/fake-runtime.js';
import { cniRoute } from './route.js';

const route = cniRoute(new FakeRuntime([fakeNetwork('t', 'n', 1)]), pino({ level: 'silent' }));
const req = (body: string) => route.handle({ method: 'POST', path: '/v1/cni', query: new URLSearchParams(), body: Buffer.from(body) });

describe('POST /v1/cni', () => {
  it('is registered at the versioned path', () => {
    expect([route.method, route.path]).toEqual(['POST', '/v1/cni']);
  });

  it('answers CNI outcomes, errors included, with HTTP 200', async () => {
    const ok = await req(JSON.stringify({ env: { CNI_COMMAND: 'VERSION' }, stdin: '{"cniVersion":"1.0.0"}' }));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ exitCode: 0 });
    const bad = await req(JSON.stringify({ env: { CNI_COMMAND: 'ADD' }, stdin: 'nope' }));
    expect(bad.status).toBe(200);
    expect(bad.body).toMatchObject({ exitCode: 1 });
    expect(JSON.parse((bad.body as { stdout: string }).stdout).code).toBe(4);
  });

  it('rejects malformed relay bodies with 400 naming the field', async () => {
    expect((await req('{')).status).toBe(400);
    expect(await req(JSON.stringify({ env: [], stdin: '' }))).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('env') } } });
    expect(await req(JSON.stringify({ env: { CNI_COMMAND: 1 }, stdin: '' }))).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('env.CNI_COMMAND') } } });
    expect(await req(JSON.stringify({ env: {}, stdin: 5 }))).toMatchObject({ status: 400, body: { error: { message: expect.stringContaining('stdin') } } });
  });

  it('passes only CNI_* protocol variables on', async () => {
    const r = await req(JSON.stringify({ env: { CNI_COMMAND: 'STATUS', LD_PRELOAD: '/x.so' }, stdin: '{"cniVersion":"1.1.0","name":"n","type":"netplugin-cni"}' }));
    expect(r.body).toEqual({ exitCode: 0, stdout: '' });
  });
});
