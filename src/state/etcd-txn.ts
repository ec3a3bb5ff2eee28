/**
 * Maps the StateStore's compares and ops onto etcd v3 txn messages. etcd rejects a txn
 * that puts a key twice or puts a key inside a range it deletes, so the ops go through
 * planTxn first and each deleted prefix is split into ranges around the keys it puts.
 */
import type { ICompare, IRequestOp } from 'etcd3';
import { keyBytes, keySuccessor, prefixEnd } from './range.js';
import type { Compare, Op } from './store.js';
import { planTxn } from './txnplan.js';

/** etcd's range_end meaning "every key from `key` on". */
const RANGE_END_ALL = Buffer.from([0]);

/** One etcd compare for one StateStore compare. */
export function toEtcdCompare(c: Compare): ICompare {
  const key = keyBytes(c.key);
  if ('value' in c) return { key, target: 'Value', result: 'Equal', value: Buffer.from(c.value, 'utf8') };
  // A missing key has create_revision 0 in etcd; an existing one never does.
  if (c.modRevision === 0) return { key, target: 'Create', result: 'Equal', create_revision: 0 };
  return { key, target: 'Mod', result: 'Equal', mod_revision: c.modRevision };
}

/** Delete ranges covering `prefix` minus the (byte-sorted) keys in `keep`. */
function prefixRanges(prefix: string, keep: string[]): IRequestOp[] {
  const ops: IRequestOp[] = [];
  let start = keyBytes(prefix);
  const sorted = keep.map(keyBytes).sort(Buffer.compare);
  for (const k of sorted) {
    if (Buffer.compare(start, k) < 0) ops.push({ request_delete_range: { key: start, range_end: k } });
    start = keySuccessor(k);
  }
  ops.push({ request_delete_range: { key: start, range_end: prefixEnd(prefix) ?? RANGE_END_ALL } });
  return ops;
}

/** etcd request ops with the same net effect as `ops` applied in order. */
export function toEtcdOps(ops: readonly Op[]): IRequestOp[] {
  const plan = planTxn(ops);
  const out: IRequestOp[] = [];
  const putKeys = [...plan.puts.keys()];
  for (const prefix of plan.prefixes) {
    out.push(...prefixRanges(prefix, putKeys.filter((k) => k.startsWith(prefix))));
  }
  for (const key of plan.deletes) {
    if (plan.prefixes.some((p) => key.startsWith(p))) continue;
    out.push({ request_delete_range: { key: keyBytes(key) } });
  }
  for (const [key, value] of plan.puts) {
    const lease = plan.leases.get(key);
    const put = { key: keyBytes(key), value: Buffer.from(value, 'utf8') };
    out.push({ request_put: lease === undefined ? put : { ...put, lease } });
  }
  return out;
}
