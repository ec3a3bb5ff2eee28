/**
 * The time limit on work inside a container's network namespace. The addon runs that work on
 * a libuv worker that cannot be cancelled, so a stuck call (a namespace file on a hung
 * filesystem) is abandoned rather than awaited: its caller gets NP_NETNS_TIMEOUT and carries on.
 */
import type { NativeError } from './native.js';

/** How long one exchange inside a container namespace (setns + its netlink requests) may take. */
export const NETNS_OP_TIMEOUT_MS = 10_000;

/** The error of an abandoned namespace operation, shaped like the addon's errors. */
export function netnsTimeoutError(what: string, ms: number): NativeError {
  return Object.assign(new Error(`${what}: no answer within ${ms / 1000} s; abandoned (the worker thread may still be blocked)`), {
    code: 'NP_NETNS_TIMEOUT',
    syscall: 'setns',
  });
}

/** Resolves as `work` does, or rejects with NP_NETNS_TIMEOUT after `ms` (the work is then left running). */
export async function withNetnsTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(netnsTimeoutError(what, ms)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
