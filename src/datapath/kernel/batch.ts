/** Runs netlink operations in batches: one transport (sockets per namespace) per batch. */
import { runOps } from './executor.js';
import { netlinkAddon } from './native.js';
import { NetlinkTransport } from './transport.js';
import type { NetlinkOp, OpResult } from './types.js';

export { toNetpluginError } from './batch-error.js';

/**
 * Runs `ops` in order off the JS thread (one socket per namespace for the whole batch) and returns one
 * result per op; it never rejects for per-op failures.
 */
export async function runBatch(ops: NetlinkOp[]): Promise<OpResult[]> {
  if (ops.length === 0) return [];
  const addon = netlinkAddon();
  const t = new NetlinkTransport(new addon.Session());
  try {
    return await runOps(ops, t, addon);
  } finally {
    t.close();
  }
}

/** Runs one op and returns its value, throwing its error. */
export async function runOne(op: NetlinkOp): Promise<unknown> {
  const [r] = await runBatch([op]);
  if (!r.ok) throw r.error;
  return r.value;
}
