/**
 * The agent's local-API route for the CNI shim: `POST /v1/cni` with `{env, stdin}` (the
 * runtime's CNI_* variables and configuration, relayed unchanged). CNI-level outcomes,
 * errors included, are HTTP 200 `{exitCode, stdout}`; only a malformed relay body is 400.
 */
import type { Logger } from '../common/log.js';
import { API_VERSION_PREFIX, type ApiRoute } from '../local-api/types.js';
import type { RuntimeApi } from '../runtime/types.js';
import { IpamDelegate, type PluginRunner } from './delegate.js';
import { CNI_ENV_NAMES } from './env.js';
import { handleCni, type CniContext } from './handler.js';

/** Options of the route: where delegated plugins may run from, and (tests) how they are executed. */
export interface CniRouteOptions {
  runPlugin?: PluginRunner;
  /** The agent's `--cni-bin-dir` list (default DEFAULT_CNI_BIN_DIRS). */
  binDirs?: readonly string[];
}

function badRequest(message: string) {
  return { status: 400, body: { error: { code: 'NP_CNI_CONFIG', message } } };
}

/** Builds the `POST /v1/cni` route over a RuntimeApi. */
export function cniRoute(api: RuntimeApi, log: Logger, opts: CniRouteOptions = {}): ApiRoute {
  const ctx: CniContext = { api, log, ipam: new IpamDelegate(log, opts.runPlugin, opts.binDirs) };
  return {
    method: 'POST',
    path: `${API_VERSION_PREFIX}/cni`,
    async handle(req) {
      let body: unknown;
      try {
        body = JSON.parse(req.body.toString('utf8'));
      } catch {
        return badRequest('body must be JSON {"env": {...}, "stdin": "..."}');
      }
      if (typeof body !== 'object' || body === null) return badRequest('body must be a JSON object');
      const { env, stdin } = body as { env?: unknown; stdin?: unknown };
      if (typeof env !== 'object' || env === null || Array.isArray(env)) return badRequest('env: must be an object of CNI_* strings');
      const vars: Record<string, string> = {};
      // Only the protocol's variables: the relay must not be a way to set anything else.
      for (const name of CNI_ENV_NAMES) {
        const v = (env as Record<string, unknown>)[name];
        if (v === undefined) continue;
        if (typeof v !== 'string') return badRequest(`env.${name}: must be a string`);
        vars[name] = v;
      }
      if (typeof stdin !== 'string') return badRequest('stdin: must be a string');
      return { status: 200, body: await handleCni(ctx, vars, stdin) };
    },
  };
}
