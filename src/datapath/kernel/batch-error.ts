/** Turns the addon's error objects into NetpluginErrors. */
import { ERROR_CODES, NetpluginError, type ErrorCode } from '../../common/errors.js';
import type { NativeError } from './native.js';
import type { OpError } from './types.js';

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
