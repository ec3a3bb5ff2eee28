/**
 * netdcli's client for netmaster's REST API. An error netmaster reports keeps the code it came
 * with, also a code this build's catalogue does not know (a newer or older netmaster): the user
 * sees what the server said, not a code netdcli guessed.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ERROR_CODES, NetpluginError, type ErrorCode } from '../common/errors.js';

/** How netdcli authenticates to netmaster: the bearer token, and TLS material for https:// masters. */
export interface MasterClientOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** CA certificate (PEM) that netmaster's certificate must chain to (`--cacert`). */
  ca?: string | Buffer;
  /** Client certificate (PEM) for a netmaster with --tls-client-ca (`--cert`). */
  cert?: string | Buffer;
  /** Private key (PEM) of `cert` (`--key`). */
  key?: string | Buffer;
}

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

/** One HTTP(S) exchange: status and body text; rejects when no answer came. */
function exchange(url: URL, method: string, body: string | undefined, opts: MasterClientOptions): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, { method, headers, ca: opts.ca, cert: opts.cert, key: opts.key }, onResponse)
        : httpRequest(url, { method, headers }, onResponse);
    req.on('error', reject);
    req.end(body);
  });
}

/** Calls `method path` on netmaster at `master` and returns the JSON answer; throws on failure. */
export async function callMaster(master: string, method: string, path: string, body?: string, opts: MasterClientOptions = {}): Promise<unknown> {
  let res: { status: number; text: string };
  try {
    const url = new URL(path, master);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--master must be an http:// or https:// URL, not ${master}`);
    res = await exchange(url, method, body, opts);
  } catch (err) {
    throw new NetpluginError('NP_MASTER_UNREACHABLE', `cannot reach netmaster at ${master}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    throw new NetpluginError('NP_MASTER_UNREACHABLE', `${master} answered HTTP ${res.status} with a body that is not JSON`, { status: res.status });
  }
  const ok = res.status >= 200 && res.status < 300;
  if (!ok || (json as { error?: unknown } | null)?.error !== undefined) throw remoteError(master, res.status, json);
  return json;
}
