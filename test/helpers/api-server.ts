/**
 * A minimal server for local-API routes on a unix socket (HTTP/1.1, JSON bodies), so the CNI
 * shim can be tested against `cniRoute` without a whole agent.
 */
import { createServer, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import type { ApiRoute } from '../../src/local-api/types.js';

/** A running test server. */
export interface TestApiServer {
  server: Server;
  close(): Promise<void>;
}

/** Serves `routes` on `socketPath` until closed. */
export async function serveRoutes(socketPath: string, routes: ApiRoute[]): Promise<TestApiServer> {
  rmSync(socketPath, { force: true });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://agent');
      const route = routes.find((r) => r.method === req.method && r.path === url.pathname);
      const send = (status: number, body: unknown) => {
        const text = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': text.length });
        res.end(text);
      };
      if (!route) return send(404, { error: { code: 'NP_NOT_FOUND', message: `no route ${req.method} ${url.pathname}` } });
      route
        .handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body: Buffer.concat(chunks) })
        .then((r) => send(r.status, r.body))
        .catch((err: Error) => send(500, { error: { code: 'NP_INTERNAL', message: err.message } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(socketPath, { force: true });
          resolve();
        });
      }),
  };
}
