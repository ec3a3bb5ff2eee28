/**
 * HTTP/1.1 on the plugin's unix socket: POST /<Interface>.<Method> with a JSON body (Docker
 * sends no Content-Type), JSON answers typed `application/vnd.docker.plugins.v1.2+json`.
 * The socket is root's and mode 0660: whoever can write to it can plumb containers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { claimSocketPath, listenUnix } from '../../common/unix-socket.js';
import type { Logger } from '../../common/log.js';
import type { Handler } from './context.js';
import { PLUGIN_CONTENT_TYPE, errorBody, isMalformed, parseBody } from './protocol.js';

const MAX_BODY = 1 << 20;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': PLUGIN_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * HTTP status of a failed call. Malformed requests are the caller's fault (400, as remote.md
 * asks); everything else is answered 200 with `Err`, which Docker shows as the plugin's own
 * message instead of wrapping it in its HTTP error text.
 */
export function statusOf(err: unknown): number {
  return isMalformed(err) ? 400 : 200;
}

/** Serves `routes` on `socketPath`; a stale socket file is replaced, a live one is an error. */
export async function servePluginSocket(socketPath: string, routes: Record<string, Handler>, log: Logger): Promise<Server> {
  await claimSocketPath(socketPath, 'docker plugin socket');
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const path = (req.url ?? '').split('?')[0];
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        send(res, 413, { Err: `request body over ${MAX_BODY} bytes` });
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      const handler = Object.hasOwn(routes, path) ? routes[path] : undefined;
      if (!handler) {
        // 404 tells Docker the method is not implemented (remote.md), which it tolerates for optional calls.
        log.debug({ path }, 'docker plugin: unknown method');
        send(res, 404, { Err: `netplugin does not implement ${path}` });
        return;
      }
      if (req.method !== 'POST') {
        send(res, 405, { Err: `${path} takes POST` });
        return;
      }
      const method = path.slice(1);
      void (async () => {
        try {
          const body = parseBody(method, Buffer.concat(chunks).toString('utf8'));
          const answer = await handler(body);
          send(res, 200, answer ?? {});
          log.debug({ method, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'docker plugin call');
        } catch (err) {
          const out = errorBody(err);
          log.warn({ method, err: out.Err }, 'docker plugin call failed');
          send(res, statusOf(err), out);
        }
      })();
    });
  });
  // Connections from Docker are few and long-lived; never time them out mid-attach.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  await listenUnix(server, socketPath);
  return server;
}
