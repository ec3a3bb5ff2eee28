/**
 * netdcli's client for netmaster's REST API. An error netmaster reports keeps the code it came
 * with, also a code this build's catalogue does not know (a newer or older netmaster): the user
 * sees what the server said, not a code netdcli guessed.
 */
import { ERROR_CODES, NetpluginError, type ErrorCode } from '../common/errors.js';

/** An error netmaster reported with a code missing from this build's catalogue; `code` is verbatim. */
export class RemoteError extends Error {
  /** Keeps the remote `code` and `details` exactly as netmaster sent them. */
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

/** Whether `code` is a code of this build's catalogue. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** The error for a failed answer: known codes become NetpluginErrors, unknown ones RemoteErrors. */
function remoteError(master: string, status: number, body: unknown): Error {
  const e = (body as { error?: unknown } | undefined)?.error;
  if (e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string') {
    const { code, message, ...details } = e as { code: string; message?: unknown };
    const text = typeof message === 'string' ? message : `HTTP ${status}`;
    return isErrorCode(code) ? new NetpluginError(code, text, details) : new RemoteError(code, text, details);
  }
  // No error object with a code: whatever answered is not the netmaster this netdcli talks to.
  return new NetpluginError('NP_MASTER_UNREACHABLE', `${master} answered HTTP ${status} without an error code`, { status });
}

/** Calls `method path` on netmaster at `master` and returns the JSON answer; throws on failure. */
export async function callMaster(master: string, method: string, path: string, body?: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(new URL(path, master), { method, body, headers: body ? { 'content-type': 'application/json' } : undefined });
  } catch (err) {
    throw new NetpluginError('NP_MASTER_UNREACHABLE', `cannot reach netmaster at ${master}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new NetpluginError('NP_MASTER_UNREACHABLE', `${master} answered HTTP ${res.status} with a body that is not JSON`, { status: res.status });
  }
  if (!res.ok || (json as { error?: unknown } | null)?.error !== undefined) throw remoteError(master, res.status, json);
  return json;
}
