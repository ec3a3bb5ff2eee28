/**
 * Transport logic against a scripted peer on a temporary unix socket (the real server is
 * exercised in test/integration/ovsdb.test.ts); here the peer sends awkward framings
 * and echo probes on purpose.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OvsdbClient } from './client.js';
import { JsonStreamFramer } from './framing.js';

interface Peer { server: Server; path: string; conn: Promise<Socket>; received: unknown[]; next(): Promise<any> }

const cleanups: (() => void)[] = [];
afterEach(() => { while (cleanups.length) cleanups.pop()!(); });

function peer(): Peer {
  const dir = mkdtempSync(join(tmpdir(), 'np-ovsdb-'));
  const path = join(dir, 'db.sock');
  const received: unknown[] = [];
  const waiters: ((m: unknown) => void)[] = [];
  let onConn!: (s: Socket) => void;
  const conn = new Promise<Socket>((r) => (onConn = r));
  const server = createServer((s) => {
    const f = new JsonStreamFramer();
    s.on('data', (d) => {
      for (const m of f.push(d)) {
        const w = waiters.shift();
        if (w) w(m); else received.push(m);
      }
    });
    onConn(s);
  });
  server.listen(path);
  cleanups.push(() => { server.close(); rmSync(dir, { recursive: true, force: true }); });
  const next = (): Promise<any> => (received.length ? Promise.resolve(received.shift()) : new Promise((r) => waiters.push(r)));
  return { server, path, conn, received, next };
}

describe('OvsdbClient transport', () => {
  it('matches out-of-order replies split across writes to their requests', async () => {
    const p = peer();
    await new Promise((r) => p.server.once('listening', r));
    const c = await OvsdbClient.connect(p.path);
    cleanups.push(() => c.close());
    const s = await p.conn;
    const a = c.request('list_dbs', []);
    const b = c.transact([{ op: 'select', table: 'Bridge', where: [] }]);
    const ra = await p.next();
    const rb = await p.next();
    expect(ra).toMatchObject({ method: 'list_dbs', params: [] });
    expect(rb).toMatchObject({ method: 'transact', params: ['Open_vSwitch', { op: 'select', table: 'Bridge', where: [] }] });
    const text = JSON.stringify({ id: rb.id, result: [{ rows: [{ name: 'b}r' }] }], error: null }) + JSON.stringify({ id: ra.id, result: ['Open_vSwitch'], error: null });
    s.write(text.slice(0, 17));
    await new Promise((r) => setTimeout(r, 10));
    s.write(text.slice(17));
    expect(await b).toEqual([{ rows: [{ name: 'b}r' }] }]);
    expect(await a).toEqual(['Open_vSwitch']);
  });

  it('answers echo requests with their params', async () => {
    const p = peer();
    await new Promise((r) => p.server.once('listening', r));
    const c = await OvsdbClient.connect(p.path);
    cleanups.push(() => c.close());
    const s = await p.conn;
    s.write(JSON.stringify({ id: 'echo', method: 'echo', params: ['probe', 3] }));
    expect(await p.next()).toEqual({ id: 'echo', result: ['probe', 3], error: null });
  });

  it('turns an RPC error and an op error into NP_OVSDB_ERROR, and a hang-up into NP_OVSDB_CLOSED', async () => {
    const p = peer();
    await new Promise((r) => p.server.once('listening', r));
    const c = await OvsdbClient.connect(p.path);
    cleanups.push(() => c.close());
    const s = await p.conn;
    const rpc = c.transact([], 'nope');
    s.write(JSON.stringify({ id: (await p.next()).id, result: null, error: { error: 'unknown database', details: 'nope' } }));
    await expect(rpc).rejects.toMatchObject({ code: 'NP_OVSDB_ERROR', details: { error: 'unknown database', details: 'nope' } });
    const ops = [{ op: 'insert', table: 'Port', row: {} }, { op: 'mutate', table: 'Bridge', where: [], mutations: [] }];
    const op = c.transact(ops);
    s.write(JSON.stringify({ id: (await p.next()).id, result: [{ uuid: ['uuid', 'x'] }, { error: 'constraint violation', details: 'dup' }], error: null }));
    await expect(op).rejects.toMatchObject({ code: 'NP_OVSDB_ERROR', details: { index: 1, op: 'mutate', table: 'Bridge', error: 'constraint violation', details: 'dup' } });
    const commit = c.transact(ops);
    s.write(JSON.stringify({ id: (await p.next()).id, result: [{}, { count: 1 }, { error: 'referential integrity violation' }], error: null }));
    await expect(commit).rejects.toThrow(/commit \(after 2 operations\): referential integrity violation/);
    const hung = c.request('list_dbs', []);
    await p.next();
    s.destroy();
    await expect(hung).rejects.toMatchObject({ code: 'NP_OVSDB_CLOSED' });
    expect(c.closed).toBe(true);
    await expect(c.transact([])).rejects.toMatchObject({ code: 'NP_OVSDB_CLOSED' });
  });

  it('delivers monitor updates to the monitor they belong to', async () => {
    const p = peer();
    await new Promise((r) => p.server.once('listening', r));
    const c = await OvsdbClient.connect(p.path);
    cleanups.push(() => c.close());
    const s = await p.conn;
    const seen: unknown[] = [];
    const mp = c.monitor({ Interface: { columns: ['ofport'] } }, (u) => seen.push(u));
    const req = await p.next();
    expect(req.method).toBe('monitor');
    const monId = req.params[1];
    s.write(JSON.stringify({ id: req.id, result: { Interface: { u1: { new: { ofport: 0 } } } }, error: null })
      + JSON.stringify({ id: null, method: 'update', params: [monId, { Interface: { u1: { new: { ofport: 5 } } } }] })
      + JSON.stringify({ id: null, method: 'update', params: ['other', { Interface: {} }] }));
    const m = await mp;
    expect(m.initial).toEqual({ Interface: { u1: { new: { ofport: 0 } } } });
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([{ Interface: { u1: { new: { ofport: 5 } } } }]);
    const cancel = m.cancel();
    const creq = await p.next();
    expect(creq).toMatchObject({ method: 'monitor_cancel', params: [monId] });
    s.write(JSON.stringify({ id: creq.id, result: {}, error: null }));
    await cancel;
  });
});
