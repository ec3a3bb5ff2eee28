/**
 * Generic runtime routes of the local API (`/v1/status`, `/v1/attachments`, `/v1/attach`,
 * `/v1/detach`): what the CNI and Docker front ends do, for any other runtime or operator.
 */
import { NetpluginError } from '../common/errors.js';
import type { AttachRequest, RuntimeApi, RuntimeSource } from '../runtime/types.js';
import type { ApiRoute } from './types.js';

function parseJson<T>(body: Buffer): T {
  try {
    return JSON.parse(body.toString('utf8') || '{}') as T;
  } catch (err) {
    throw new NetpluginError('NP_INVALID_ARGUMENT', `body: not JSON (${(err as Error).message})`, { field: 'body' });
  }
}

function sourceOf(v: unknown): RuntimeSource | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (v === 'cni' || v === 'docker') return v;
  throw new NetpluginError('NP_INVALID_ARGUMENT', `source: must be "cni" or "docker", not ${JSON.stringify(v)}`, { field: 'source' });
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
      handle: async (req) => ({ status: 200, body: await api.attach(parseJson<AttachRequest>(req.body)) }),
    },
    {
      method: 'POST',
      path: '/v1/detach',
      handle: async (req) => {
        const b = parseJson<{ source?: unknown; key?: unknown }>(req.body);
        const source = sourceOf(b.source);
        if (!source) throw new NetpluginError('NP_INVALID_ARGUMENT', 'source: required', { field: 'source' });
        if (typeof b.key !== 'string' || !b.key) throw new NetpluginError('NP_INVALID_ARGUMENT', 'key: required', { field: 'key' });
        return { status: 200, body: { detached: await api.detach(source, b.key) } };
      },
    },
  ];
}
