/** The errors the op semantics produce themselves (a missing link, a bad argument), shaped like the addon's. */
import { toNetpluginError } from './batch-error.js';
import { EINVAL_PARSE, ENODEV } from './constants.js';
import type { NativeError } from './native.js';
import type { OpError } from './types.js';

/** An NP_NETLINK error for `syscall` with `errno` (as the kernel would have answered). */
export function netlinkError(errno: number, syscall: string, message: string): OpError {
  return toNetpluginError({ name: 'Error', code: 'NP_NETLINK', errno, syscall, message: `${syscall}: ${message}` });
}

/** An NP_NATIVE_SYSCALL error (something other than the kernel's answer to a request went wrong). */
export function syscallError(syscall: string, errno: number, what: string): OpError {
  return toNetpluginError({ name: 'Error', code: 'NP_NATIVE_SYSCALL', errno, syscall, message: `${syscall}: ${what}` });
}

/** The error of a name that resolves to no link: ENODEV, as RTM_GETLINK reports it. */
export function noSuchLink(name: string): OpError {
  return netlinkError(ENODEV, 'RTM_GETLINK', `no such link (${name})`);
}

/** An NP_INVALID_ARGUMENT error for a field the caller got wrong. */
export function invalid(what: string): OpError {
  return toNetpluginError({ name: 'Error', code: 'NP_INVALID_ARGUMENT', errno: EINVAL_PARSE, syscall: 'parse', message: what });
}

/** The addon's error with which object it was about, so a batch's errors read on their own. */
export function about(e: NativeError, what: string | undefined): OpError {
  const err = toNetpluginError(e);
  if (what) err.message += ` (${what})`;
  return err;
}
