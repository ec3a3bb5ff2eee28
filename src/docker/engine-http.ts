/** HTTP/1.1 to the Docker engine over its unix socket (transport layer of DockerEngine). */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { NetpluginError } from '../common/errors.js';

/** The engine API version every path is prefixed with (Docker 20.10 speaks 1.41). */
export const DOCKER_API_PREFIX = '/v1.41';

/** A buffered response. */
export interface DockerResponse {
  status: number;
  body: string;
}

/**
 * Sends one request and buffers the whole response; transport failures reject with NP_DOCKER_API
 * (status 0). `body`, when given, is sent as JSON.
 */
export function dockerRequest(socketPath: string, method: string, path: string, timeoutMs = 30_000, body?: unknown): Promise<DockerResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const headers = payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : undefined;
    const req = request({ socketPath, method, path: DOCKER_API_PREFIX + path, timeout: timeoutMs, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => reject(transportError(socketPath, method, path, e)));
    });
    req.on('timeout', () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on('error', (e) => reject(transportError(socketPath, method, path, e)));
    req.end(payload);
  });
}

/** Opens a streaming GET; `onResponse` gets the live response, transport failures go to `onError`. */
export function dockerStream(socketPath: string, path: string, onResponse: (res: IncomingMessage) => void, onError: (e: NetpluginError) => void): ClientRequest {
  const req = request({ socketPath, method: 'GET', path: DOCKER_API_PREFIX + path, agent: false }, onResponse);
  req.on('error', (e) => onError(transportError(socketPath, 'GET', path, e)));
  req.end();
  return req;
}

/** NP_DOCKER_API for a non-2xx reply, carrying the status and Docker's `message`. */
export function apiError(method: string, path: string, status: number, body: string): NetpluginError {
  let message = body.trim();
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // Not JSON (e.g. a proxy's text error): keep the raw body as the message.
  }
  return new NetpluginError('NP_DOCKER_API', `docker ${method} ${path}: HTTP ${status}: ${message}`, { status, message, method, path });
}

function transportError(socketPath: string, method: string, path: string, e: Error): NetpluginError {
  const errno = (e as NodeJS.ErrnoException).code;
  return new NetpluginError('NP_DOCKER_API', `docker ${method} ${path} via ${socketPath}: ${e.message}`, { status: 0, message: e.message, method, path, socketPath, ...(errno ? { errno } : {}) });
}
