/**
 * Generic runtime routes of the local API (`/v1/status`, `/v1/attachments`, `/v1/attach`,
 * `/v1/detach`): what the CNI and Docker front ends do, for any other runtime or operator.
 */
import { NetpluginError } from '../common/errors.js';
import { ATTACH_LIMITS, parseAttachRequest } from '../runtime/attach-request.js';
import type { RuntimeApi, RuntimeSource } from '../runtime/types.js';
import type { ApiRoute } from './types.js';

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8') || '{}') as unknown;
  } catch (err) {
    throw new NetpluginError('NP_INVALID_ARGUMENT', `body: not JSON (${(err as Error).message})`, { field: 'body' });
  }
}

function sourceOf(v: unknown): RuntimeSource | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (v === 'cni' || v === 'docker') return v;
  throw new NetpluginError('NP_INVALID_ARGUMENT', `source: must be "cni" or "docker", not ${JSON.stringify(v)}`, { field: 'source' });
}

/** A detach body: an object with `source` and `key` only (unknown fields are refused, as for attach). */
function detachBody(v: unknown): { source?: unknown; key?: unknown } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new NetpluginError('NP_INVALID_ARGUMENT', 'body: must be a JSON object {source, key}', { field: 'body' });
  const extra = Object.keys(v).find((k) => k !== 'source' && k !== 'key');
  if (extra !== undefined) throw new NetpluginError('NP_INVALID_ARGUMENT', `${extra}: is not a field of the detach request (accepted: source, key)`, { field: extra });
  return v as { source?: unknown; key?: unknown };
}

/** The generic routes over `api`; `info` adds host facts to `/v1/status`. */
export function runtimeRoutes(api: RuntimeApi, info: () => Record<string, unknown>): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v1/status',
      handle: async () => ({ status: 200, body: { ...api.status(), ...info() } }),
    },
    {
      method: 'GET',
      path: '/v1/attachments',
      handle: async (req) => ({ status: 200, body: { attachments: api.list(sourceOf(req.query.get('source'))) } }),
    },
    {
      method: 'POST',
      path: '/v1/attach',
      // Only the caller's fields: what the agent decides itself (internal options) never comes from a body.
      handle: async (req) => ({ status: 200, body: await api.attach(parseAttachRequest(parseJson(req.body))) }),
    },
    {
      method: 'POST',
      path: '/v1/detach',
      handle: async (req) => {
        const b = detachBody(parseJson(req.body));
        const source = sourceOf(b.source);
        if (!source) throw new NetpluginError('NP_INVALID_ARGUMENT', 'source: required', { field: 'source' });
        if (typeof b.key !== 'string' || !b.key) throw new NetpluginError('NP_INVALID_ARGUMENT', 'key: required (a non-empty string)', { field: 'key' });
        if (Buffer.byteLength(b.key) > ATTACH_LIMITS.key) throw new NetpluginError('NP_INVALID_ARGUMENT', `key: must be at most ${ATTACH_LIMITS.key} bytes`, { field: 'key' });
        return { status: 200, body: { detached: await api.detach(source, b.key) } };
      },
    },
  ];
}
