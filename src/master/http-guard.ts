/**
 * The checks every request to netmaster's API passes before a route runs: a URL that decodes,
 * no foreign Origin, the bearer token, a JSON body of bounded size. Each refusal is a
 * NetpluginError whose code maps to its HTTP status.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { NetpluginError } from '../common/errors.js';
import { tokenMatches } from './api-token.js';
import { bodyTooLarge, type HttpLimits } from './http-limits.js';

/** Throws NP_INVALID_ARGUMENT when the request target holds malformed %-encoding. */
export function checkUrlEncoding(rawUrl: string): void {
  try {
    decodeURIComponent(rawUrl);
  } catch {
    throw new NetpluginError('NP_INVALID_ARGUMENT', 'the request URL holds malformed %-encoding', { url: rawUrl.slice(0, 200) });
  }
}

/** Whether `host` (an address or name, IPv6 with or without brackets) is this machine's loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/** Host names one origin string may take, normalised (lower case, IPv6 without brackets, IPv4-mapped unwrapped). */
function normalHost(host: string): string {
  return host.replace(/^\[|\]$/g, '').toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}

/**
 * Throws NP_FORBIDDEN_ORIGIN when the request has an Origin that is not netmaster's own: same
 * scheme and port, and a host that is the address the connection arrived on, the `--listen`
 * host, or (on loopback) `localhost`. The Host header is not trusted: DNS rebinding controls it.
 */
export function checkOrigin(req: IncomingMessage, own: { scheme: 'http' | 'https'; listenHost: string }): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  const local = normalHost(req.socket.localAddress ?? '');
  const port = req.socket.localPort;
  const hosts = new Set([local, normalHost(own.listenHost)]);
  if (isLoopbackHost(local)) for (const h of ['localhost', '127.0.0.1', '::1']) hosts.add(h);
  let ok = false;
  try {
    const u = new URL(origin);
    const uPort = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    ok = u.protocol === `${own.scheme}:` && uPort === port && hosts.has(normalHost(u.hostname));
  } catch {
    ok = false; // "null" and other unparsable origins are foreign
  }
  if (!ok) throw new NetpluginError('NP_FORBIDDEN_ORIGIN', `requests from origin ${origin.slice(0, 200)} are refused: only netmaster's own origin may call its API`);
}

/** Throws NP_UNAUTHORIZED unless the request carries `Authorization: Bearer <token>`. */
export function checkBearer(req: IncomingMessage, token: string): void {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
  if (!m) throw new NetpluginError('NP_UNAUTHORIZED', "missing API token: send 'Authorization: Bearer <token>' with the token from netmaster's --token-file");
  if (!tokenMatches(m[1], token)) throw new NetpluginError('NP_UNAUTHORIZED', "wrong API token: use the token from netmaster's --token-file");
}

/** Whether the request has a body (a length above zero, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

/** Throws NP_UNSUPPORTED_MEDIA_TYPE when the request has a body not declared as application/json. */
export function checkJsonBody(req: IncomingMessage): void {
  if (!hasBody(req)) return;
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new NetpluginError('NP_UNSUPPORTED_MEDIA_TYPE', `request body of type "${type || '(none)'}" is refused: send it as Content-Type: application/json`);
  }
}

/** Reads the body as text, refusing (before reading, when the length is declared) one over the cap. */
export async function readLimitedBody(req: IncomingMessage, limits: HttpLimits): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limits.maxBodyBytes) throw bodyTooLarge(limits, declared);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limits.maxBodyBytes) throw bodyTooLarge(limits, 'more');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
