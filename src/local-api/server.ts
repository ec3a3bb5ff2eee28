/**
 * The agent's local API server: HTTP/1.1 over a unix socket that only root (and the
 * socket's group) may use. Routes come from feature modules; errors are JSON
 * `{ error: { code, message, ... } }` with a stable code from the catalogue.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { unlinkSync } from 'node:fs';
import { claimSocketPath, listenUnix } from '../common/unix-socket.js';
import { NetpluginError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { ApiRoute } from './types.js';

/** Largest request body accepted (a CNI config with a big prevResult fits easily). */
const MAX_BODY = 4 * 1024 * 1024;

/** HTTP status of an error code. */
export function httpStatusOf(code: string): number {
  if (code === 'NP_INVALID_ARGUMENT' || code === 'NP_USAGE' || code === 'NP_CNI_CONFIG' || code === 'NP_NETNS_INVALID') return 400;
  if (code === 'NP_NETNS_TIMEOUT') return 504;
  if (code === 'NP_NOT_FOUND') return 404;
  if (code === 'NP_ADDRESS_IN_USE' || code === 'NP_STORE_CONFLICT' || code === 'NP_NETWORK_IN_USE') return 409;
  if (code === 'NP_AGENT_NOT_READY') return 503;
  return 500;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new NetpluginError('NP_INVALID_ARGUMENT', `body: larger than ${MAX_BODY} bytes`, { field: 'body' });
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A listening local API server. */
export interface LocalApiServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

/** Serves `routes` on the unix socket `socketPath` (mode 0660). */
export async function startLocalApi(socketPath: string, routes: ApiRoute[], log: Logger): Promise<LocalApiServer> {
  const table = new Map(routes.map((r) => [`${r.method} ${r.path}`, r]));
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://agent');
    const respond = (status: number, body: unknown) => {
      const data = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body) + '\n');
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length });
      res.end(data);
    };
    void (async () => {
      const route = table.get(`${req.method} ${url.pathname}`);
      if (!route) throw new NetpluginError('NP_NOT_FOUND', `no route ${req.method} ${url.pathname} (this agent serves: ${[...table.keys()].join(', ')})`);
      const body = await readBody(req);
      const out = await route.handle({ method: req.method!, path: url.pathname, query: url.searchParams, body });
      respond(out.status, out.body);
    })().catch((err: Error) => {
      if (err instanceof NetpluginError) {
        respond(httpStatusOf(err.code), { error: { code: err.code, message: err.message, ...err.details } });
      } else {
        log.error({ err: err.message, path: url.pathname }, 'local API request failed');
        respond(500, { error: { code: 'NP_INTERNAL', message: err.message } });
      }
    });
  });
  server.keepAliveTimeout = 5000;
  await claimSocketPath(socketPath, 'local API socket');
  await listenUnix(server, socketPath);
  log.info({ socket: socketPath }, 'local API listening');
  return {
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        try {
          unlinkSync(socketPath);
        } catch {
          /* already gone */
        }
      }),
  };
}
