/**
 * netmaster's REST API (versioned under /api/v1). Errors are JSON
 * `{ error: { code, message, problems? } }` with a stable code from the catalogue. Every
 * `/api/` call but health needs the bearer token; see docs/security.md for what is checked.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { NetpluginError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { StateStore } from '../state/store.js';
import { applyIntent, type ApplyResult } from './apply.js';
import { applyResponseJson } from './apply-response.js';
import { applyDelta } from './delta.js';
import { readViews } from './views.js';
import { loadDesired } from './desired-io.js';
import { policyCountersView } from './policy-views.js';
import { withEnforcedQos } from './qos-views.js';
import { multicastView, readMulticastMembers, type MulticastReport } from './multicast-views.js';
import type { QosCounters } from '../intent/qos-types.js';
import { KEYS, parseOperKey } from '../state/keys.js';
import type { PolicyCounters } from '../intent/policy-types.js';
import { forgetHost } from './forget-host.js';
import { checkBearer, checkJsonBody, checkOrigin, checkUrlEncoding, readLimitedBody } from './http-guard.js';
import { checkIntentCounts, DEFAULT_HTTP_LIMITS, type HttpLimits } from './http-limits.js';

/** Certificate material for HTTPS; with `clientCa`, clients must present a certificate it signed. */
export interface MasterTls {
  cert: string | Buffer;
  key: string | Buffer;
  clientCa?: string | Buffer;
}

/** How one netmaster server authenticates and limits its callers. */
export interface MasterServerOptions {
  /** The bearer token every `/api/` call but health must carry. */
  token: string;
  /** Serve HTTPS instead of HTTP. */
  tls?: MasterTls;
  /** The `--listen` host, one of the hosts of netmaster's own origin. */
  listenHost?: string;
  /** Overrides of DEFAULT_HTTP_LIMITS. */
  limits?: Partial<HttpLimits>;
}

/** netmaster's server: HTTP, or HTTPS with --tls-cert/--tls-key. */
export type MasterServer = Server | HttpsServer;

/** Health stays open: load balancers and supervisors probe it without the token. */
const OPEN_ROUTES = new Set(['GET /api/v1/health']);

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text + '\n');
}

/** Refuses documents that name more objects than the caps allow; text that is not JSON is left for the parser to report. */
function checkCounts(text: string, limits: HttpLimits): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return;
  }
  checkIntentCounts(doc, limits);
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
  if (err.code === 'NP_UNAUTHORIZED') return 401;
  if (err.code === 'NP_FORBIDDEN_ORIGIN') return 403;
  if (err.code === 'NP_REQUEST_TOO_LARGE') return 413;
  if (err.code === 'NP_UNSUPPORTED_MEDIA_TYPE') return 415;
  return 500;
}

/** Creates (not yet listening) the HTTP or HTTPS server for `store`, with its limits set. */
export function createMasterServer(store: StateStore, log: Logger, options: MasterServerOptions): MasterServer {
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const own = { scheme: options.tls ? ('https' as const) : ('http' as const), listenHost: options.listenHost ?? '127.0.0.1' };
  const serverOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // Node checks both timeouts on this interval (default 30 s); a short one keeps them close to exact.
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch((err: Error) => {
      if (res.headersSent) {
        res.destroy();
      } else if (err instanceof NetpluginError) {
        const status = statusOf(err);
        // The rest of a refused body is not read: closing is cheaper than draining it.
        send(res, status, { error: { code: err.code, message: err.message, ...err.details } }, status === 413 || status === 415 ? { connection: 'close' } : {});
      } else {
        log.error({ err: err.message }, 'request failed');
        send(res, 500, { error: { code: 'NP_INTERNAL', message: err.message } });
      }
    });
  };
  const server = options.tls
    ? createHttpsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key, ...(options.tls.clientCa ? { ca: options.tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}) }, onRequest)
    : createHttpServer(serverOptions, onRequest);
  server.maxConnections = limits.maxConnections;
  return server;

  async function sendResult(res: ServerResponse, result: ApplyResult, what: string): Promise<void> {
    if (result.applied) log.info({ revision: result.revision, create: result.plan.create.length, update: result.plan.update.length, delete: result.plan.delete.length }, what);
    const text = await applyResponseJson(result);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(text + '\n');
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
    checkUrlEncoding(req.url ?? '/');
    const url = new URL(req.url ?? '/', 'http://netmaster');
    const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
    // Every path, not only /api/ ones: no spelling of a path (`//api`, `/API`) gets around the checks.
    checkOrigin(req, own);
    if (!OPEN_ROUTES.has(route)) checkBearer(req, options.token);
    checkJsonBody(req);
    const body = async () => {
      const text = await readLimitedBody(req, limits);
      checkCounts(text, limits);
      return text;
    };
    switch (route) {
      case 'GET /api/v1/health':
        return sendHealth(res);
      case 'POST /api/v1/intent':
      case 'PUT /api/v1/intent':
        return sendResult(res, await applyIntent(store, await body(), { dryRun: dryRunOf(url) }), 'intent applied');
      case 'POST /api/v1/intent/add':
        return sendResult(res, await applyDelta(store, await body(), 'add', { dryRun: dryRunOf(url) }), 'intent delta added');
      case 'POST /api/v1/intent/delete':
        return sendResult(res, await applyDelta(store, await body(), 'delete', { dryRun: dryRunOf(url) }), 'intent delta deleted');
      case 'GET /api/v1/intent': {
        const v = await readViews(store);
        return send(res, 200, v.intent ? JSON.parse(v.intent) : { Tenants: [] });
      }
      case 'GET /api/v1/policies': {
        const [desired, reports] = await Promise.all([loadDesired(store), store.list(KEYS.operPolicyCountersPrefix)]);
        const counters = reports.items.filter((kv) => parseOperKey(kv.key)?.kind === 'operPolicyCounters').map((kv) => JSON.parse(kv.value) as PolicyCounters);
        return send(res, 200, policyCountersView(desired.state?.policies ?? [], counters, url.searchParams.get('host') ?? undefined));
      }
      case 'GET /api/v1/multicast': {
        const [desired, reports] = await Promise.all([loadDesired(store), store.list(KEYS.operMulticastPrefix)]);
        const members = reports.items
          .map((kv) => ({ kv, key: parseOperKey(kv.key) }))
          .filter(({ key }) => key?.kind === 'operMulticast')
          .map(({ kv, key }) => readMulticastMembers(key!.ids[0], kv.value))
          .filter((m): m is MulticastReport => m !== undefined);
        return send(res, 200, multicastView(desired.state?.networks ?? [], members, Date.now()));
      }
      case 'GET /api/v1/endpoints': {
        const v = await readViews(store);
        if (url.searchParams.get('qos') !== 'true') return send(res, 200, v.endpoints);
        const reports = await store.list(KEYS.operQosCountersPrefix);
        const counters = reports.items.filter((kv) => parseOperKey(kv.key)?.kind === 'operQosCounters').map((kv) => JSON.parse(kv.value) as QosCounters);
        return send(res, 200, withEnforcedQos(v.endpoints, counters));
      }
      case 'GET /api/v1/tenants':
      case 'GET /api/v1/networks':
      case 'GET /api/v1/hosts':
      case 'GET /api/v1/groups': {
        const v = await readViews(store);
        const what = url.pathname.split('/').filter(Boolean)[2] as 'tenants' | 'networks' | 'hosts' | 'groups';
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
