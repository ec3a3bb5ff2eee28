/** Runs netlink operations in batches through the native addon. */
import { ERROR_CODES, NetpluginError, type ErrorCode } from '../../common/errors.js';
import { netlinkAddon, type NativeError } from './native.js';
import type { NetlinkOp, OpError, OpResult } from './types.js';

/** Wraps a native error as a NetpluginError that keeps errno, syscall and extack as properties. */
export function toNetpluginError(e: NativeError): OpError {
  const code: ErrorCode = e.code in ERROR_CODES ? (e.code as ErrorCode) : 'NP_NATIVE_SYSCALL';
  const details: Record<string, unknown> = {};
  if (e.errno !== undefined) details.errno = e.errno;
  if (e.syscall !== undefined) details.syscall = e.syscall;
  if (e.extack !== undefined) details.extack = e.extack;
  const err = new NetpluginError(code, e.message, details);
  return Object.assign(err, details) as OpError;
}

/**
 * Runs `ops` in order on one worker thread (one socket per namespace for the whole batch) and
 * returns one result per op; it never rejects for per-op failures.
 */
export async function runBatch(ops: NetlinkOp[]): Promise<OpResult[]> {
  if (ops.length === 0) return [];
  const raw = await netlinkAddon().runBatch(ops);
  return Array.from(raw, (r): OpResult => (r.ok ? r : { ok: false, error: toNetpluginError(r.error) }));
}

/** Runs one op and returns its value, throwing its error. */
export async function runOne(op: NetlinkOp): Promise<unknown> {
  const [r] = await runBatch([op]);
  if (!r.ok) throw r.error;
  return r.value;
}
