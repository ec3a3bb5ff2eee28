/**
 * netmaster's REST API (versioned under /api/v1). Errors are JSON
 * `{ error: { code, message, problems? } }` with a stable code from the catalogue.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { NetpluginError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { StateStore } from '../state/store.js';
import { applyIntent, type ApplyResult } from './apply.js';
import { applyDelta } from './delta.js';
import { readViews } from './views.js';
import { forgetHost } from './forget-host.js';

/** Largest intent accepted (bytes): 10k endpoints fit comfortably. */
const MAX_BODY = 64 * 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text + '\n');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new NetpluginError('NP_USAGE', `request body larger than ${MAX_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `?dryRun=true` (or `1`) asks for the plan only. */
function dryRunOf(url: URL): boolean {
  return ['1', 'true'].includes(url.searchParams.get('dryRun') ?? '');
}

function statusOf(err: NetpluginError): number {
  if (err.code === 'NP_INTENT_INVALID' || err.code === 'NP_INTENT_PARSE' || err.code === 'NP_USAGE') return 400;
  if (err.code === 'NP_STORE_CONFLICT') return 409;
  if (err.code === 'NP_NOT_FOUND') return 404;
  if (err.code === 'NP_HOST_REGISTERED') return 409;
  if (err.code === 'NP_INVALID_ARGUMENT') return 400;
  return 500;
}

/** Creates (not yet listening) the HTTP server for `store`. */
export function createMasterServer(store: StateStore, log: Logger): Server {
  return createServer((req, res) => {
    void handle(req, res).catch((err: Error) => {
      if (err instanceof NetpluginError) {
        send(res, statusOf(err), { error: { code: err.code, message: err.message, ...err.details } });
      } else {
        log.error({ err: err.message }, 'request failed');
        send(res, 500, { error: { code: 'NP_INTERNAL', message: err.message } });
      }
    });
  });

  function sendResult(res: ServerResponse, result: ApplyResult, what: string): void {
    if (result.applied) log.info({ revision: result.revision, create: result.plan.create.length, update: result.plan.update.length, delete: result.plan.delete.length }, what);
    send(res, 200, { applied: result.applied, dryRun: result.dryRun, plan: result.plan, planText: result.planText, revision: result.revision });
  }

  /** Health is a store read: a store that fails it (closed, damaged, unreachable) is reported as not ok, 503. */
  async function sendHealth(res: ServerResponse): Promise<void> {
    try {
      send(res, 200, { ok: true, revision: await store.revision() });
    } catch (err) {
      const e = err instanceof NetpluginError ? err : new NetpluginError('NP_STORE_UNAVAILABLE', (err as Error).message);
      send(res, 503, { ok: false, error: { code: e.code, message: e.message } });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://netmaster');
    const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
    switch (route) {
      case 'GET /api/v1/health':
        return sendHealth(res);
      case 'POST /api/v1/intent':
      case 'PUT /api/v1/intent':
        return sendResult(res, await applyIntent(store, await readBody(req), { dryRun: dryRunOf(url) }), 'intent applied');
      case 'POST /api/v1/intent/add':
        return sendResult(res, await applyDelta(store, await readBody(req), 'add', { dryRun: dryRunOf(url) }), 'intent delta added');
      case 'POST /api/v1/intent/delete':
        return sendResult(res, await applyDelta(store, await readBody(req), 'delete', { dryRun: dryRunOf(url) }), 'intent delta deleted');
      case 'GET /api/v1/intent': {
        const v = await readViews(store);
        return send(res, 200, v.intent ? JSON.parse(v.intent) : { Tenants: [] });
      }
      case 'GET /api/v1/tenants':
      case 'GET /api/v1/networks':
      case 'GET /api/v1/endpoints':
      case 'GET /api/v1/hosts': {
        const v = await readViews(store);
        const what = url.pathname.split('/').filter(Boolean)[2] as 'tenants' | 'networks' | 'endpoints' | 'hosts';
        return send(res, 200, v[what]);
      }
      default: {
        const forget = /^POST \/api\/v1\/hosts\/([^/]+)\/forget$/.exec(route);
        if (forget) {
          const r = await forgetHost(store, decodeURIComponent(forget[1]));
          log.info(r, 'host forgotten');
          return send(res, 200, r);
        }
        throw new NetpluginError('NP_NOT_FOUND', `no such API: ${route}`);
      }
    }
  }
}
