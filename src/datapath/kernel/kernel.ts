/**
 * The kernel as the agent drives it: ordered batches of netlink operations with one result
 * per operation. The agent's round takes this interface, so its decisions are tested against
 * a fake that records the exact operations (test/fakes/fake-kernel.ts).
 */
import { runBatch } from './batch.js';
import type { NetlinkOp, OpResult } from './types.js';

/** Runs netlink operations in batches; per-op failures are results, never rejections. */
export interface Kernel {
  /** Runs `ops` in order (one worker-thread call) and returns one result per op. */
  run(ops: NetlinkOp[]): Promise<OpResult[]>;
}

/** This machine's kernel, through the native addon. */
export const nativeKernel: Kernel = { run: runBatch };

/** Runs one op on `kernel` and returns its value, throwing its error. */
export async function runOneOn(kernel: Kernel, op: NetlinkOp): Promise<unknown> {
  const [r] = await kernel.run([op]);
  if (!r.ok) throw r.error;
  return r.value;
}
