import { describe, expect, it } from 'vitest';
import { toEtcdCompare, toEtcdOps } from './etcd-txn.js';
import { planTxn, planTxnSteps } from './txnplan.js';
import { runSliced } from '../common/sliced.js';
import type { Op } from './store.js';
import { prefixEnd } from './range.js';

describe('planTxn', () => {
  it('keeps the last op per key', () => {
    const p = planTxn([
      { type: 'put', key: 'a', value: '1' },
      { type: 'put', key: 'a', value: '2' },
      { type: 'put', key: 'b', value: '1' },
      { type: 'delete', key: 'b' },
      { type: 'delete', key: 'c' },
      { type: 'put', key: 'c', value: '3' },
    ]);
    expect([...p.puts]).toEqual([
      ['a', '2'],
      ['c', '3'],
    ]);
    expect([...p.deletes]).toEqual(['b']);
    expect(p.prefixes).toEqual([]);
  });
  it('lets a prefix delete erase earlier writes under it and later puts survive it', () => {
    const p = planTxn([
      { type: 'put', key: '/x/1', value: 'a' },
      { type: 'delete', key: '/x/2' },
      { type: 'put', key: '/y/1', value: 'b' },
      { type: 'deletePrefix', prefix: '/x/' },
      { type: 'put', key: '/x/3', value: 'c' },
    ]);
    expect([...p.puts]).toEqual([
      ['/y/1', 'b'],
      ['/x/3', 'c'],
    ]);
    expect([...p.deletes]).toEqual([]);
    expect(p.prefixes).toEqual(['/x/']);
  });
  it('keeps only outermost prefixes', () => {
    expect(planTxn([{ type: 'deletePrefix', prefix: '/a/b/' }, { type: 'deletePrefix', prefix: '/a/' }]).prefixes).toEqual(['/a/']);
    expect(planTxn([{ type: 'deletePrefix', prefix: '/a/' }, { type: 'deletePrefix', prefix: '/a/b/' }]).prefixes).toEqual(['/a/']);
  });
  it('attaches the lease of the last put of a key only', () => {
    const p = planTxn([
      { type: 'put', key: 'a', value: '1', lease: '7' },
      { type: 'put', key: 'b', value: '1', lease: '7' },
      { type: 'put', key: 'b', value: '2' },
      { type: 'put', key: 'c', value: '1', lease: '7' },
      { type: 'delete', key: 'c' },
      { type: 'put', key: '/p/d', value: '1', lease: '8' },
      { type: 'deletePrefix', prefix: '/p/' },
      { type: 'put', key: 'e', value: '1' },
      { type: 'put', key: 'e', value: '2', lease: '9' },
    ]);
    expect([...p.leases]).toEqual([
      ['a', '7'],
      ['e', '9'],
    ]);
    expect([...p.puts.keys()]).toEqual(['a', 'b', 'e']);
  });
});

describe('toEtcdOps', () => {
  it('puts with the lease id of the plan, and without one otherwise', () => {
    const ops = toEtcdOps([
      { type: 'put', key: 'a', value: '1', lease: '12345678901234567' },
      { type: 'put', key: 'b', value: '2' },
    ]);
    expect(ops.map((o) => [o.request_put!.key!.toString(), o.request_put!.lease])).toEqual([
      ['a', '12345678901234567'],
      ['b', undefined],
    ]);
  });
  it('splits a deleted prefix around the keys the txn puts under it', () => {
    const ops = toEtcdOps([
      { type: 'deletePrefix', prefix: '/x/' },
      { type: 'put', key: '/x/b', value: '2' },
      { type: 'put', key: '/x/a', value: '1' },
    ]);
    const ranges = ops
      .filter((o) => o.request_delete_range)
      .map((o) => [o.request_delete_range!.key!.toString('latin1'), o.request_delete_range!.range_end!.toString('latin1')]);
    expect(ranges).toEqual([
      ['/x/', '/x/a'],
      ['/x/a\0', '/x/b'],
      ['/x/b\0', '/x0'],
    ]);
    expect(ops.filter((o) => o.request_put).map((o) => o.request_put!.key!.toString())).toEqual(['/x/b', '/x/a']);
  });
  it('drops single deletes already covered by a deleted prefix', () => {
    const ops = toEtcdOps([
      { type: 'deletePrefix', prefix: '/x/' },
      { type: 'delete', key: '/x/1' },
      { type: 'delete', key: '/z' },
    ]);
    expect(ops.map((o) => o.request_delete_range!.key!.toString())).toEqual(['/x/', '/z']);
  });
  it('maps modRevision 0 to create_revision == 0', () => {
    expect(toEtcdCompare({ key: 'k', modRevision: 0 })).toMatchObject({ target: 'Create', create_revision: 0 });
    expect(toEtcdCompare({ key: 'k', modRevision: 7 })).toMatchObject({ target: 'Mod', mod_revision: 7 });
    expect(toEtcdCompare({ key: 'k', value: 'v' })).toMatchObject({ target: 'Value', result: 'Equal' });
  });
});

describe('prefixEnd', () => {
  it('increments the last byte and has no bound for the empty prefix', () => {
    expect(prefixEnd('/a/')!.toString()).toBe('/a0');
    expect(prefixEnd('')).toBeUndefined();
    expect(prefixEnd('é')).toEqual(Buffer.from([0xc3, 0xaa]));
  });
});

describe('planTxnSteps', () => {
  it('folds a long op list in slices to the same plan', async () => {
    const ops: Op[] = [];
    for (let i = 0; i < 1000; i++) ops.push({ type: 'put', key: `/a/${i % 300}`, value: String(i) });
    for (let i = 0; i < 200; i++) ops.push({ type: 'delete', key: `/a/${i}` });
    ops.push({ type: 'deletePrefix', prefix: '/a/2' }, { type: 'put', key: '/a/250', value: 'last' });
    let pauses = 0;
    const sliced = await runSliced(planTxnSteps(ops), { sliceMs: 1, now: ((t) => () => t++)(0), pause: async () => void pauses++ });
    expect(pauses).toBeGreaterThanOrEqual(4);
    const whole = planTxn(ops);
    expect([...sliced.puts]).toEqual([...whole.puts]);
    expect([...sliced.deletes]).toEqual([...whole.deletes]);
    expect(sliced.prefixes).toEqual(['/a/2']);
    expect(sliced.puts.get('/a/250')).toBe('last');
    expect(sliced.puts.has('/a/299')).toBe(false);
    expect(sliced.puts.get('/a/200')).toBeUndefined();
    expect(sliced.puts.get('/a/100')).toBeUndefined();
    expect(sliced.deletes.has('/a/100')).toBe(true);
  });
});
