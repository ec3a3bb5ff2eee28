/**
 * Forgetting a host that is gone for good: its agent's runtime attachments (CNI pods, Docker
 * endpoints), the address claims they and its Docker IPAM held, its endpoint reports, its
 * counters and multicast memberships, and its Docker plugin state. Without this, a dead
 * host's attachments would keep their addresses and keep their networks from ever being
 * removed. Only allowed once the host's agent is not
 * registered, and done in one transaction that checks so.
 */
import { NetpluginError } from '../common/errors.js';
import { KEYS } from '../state/keys.js';
import type { Compare, Op, StateStore } from '../state/store.js';

/** What a forget removed. */
export interface ForgetResult {
  host: string;
  attachments: number;
  claims: number;
  reports: number;
}

const MAX_ATTEMPTS = 5;

/** Removes the runtime state of `host`; NP_HOST_REGISTERED while its agent is registered. */
export async function forgetHost(store: StateStore, host: string): Promise<ForgetResult> {
  if (!host || host.includes('/')) throw new NetpluginError('NP_INVALID_ARGUMENT', `host: "${host}" is not a host name`, { field: 'host' });
  for (let attempt = 1; ; attempt++) {
    const [reg, atts, reports, claims] = await Promise.all([
      store.get(KEYS.operHost(host)),
      store.list(KEYS.operAttachmentsOf(host)),
      store.list(KEYS.operEndpointsOf(host)),
      store.list(KEYS.operClaimsPrefix),
    ]);
    if (reg) throw new NetpluginError('NP_HOST_REGISTERED', `host ${host} has a registered agent; stop it (its registration lapses within its lease TTL) before forgetting it`, { host });
    const held = claims.items.filter((kv) => (JSON.parse(kv.value) as { host?: string }).host === host);
    // Each claim is deleted only as it was read: one re-made meanwhile by a live agent stays.
    const compares: Compare[] = [{ key: KEYS.operHost(host), modRevision: 0 }, ...held.map((kv) => ({ key: kv.key, modRevision: kv.modRevision }))];
    const ops: Op[] = [
      { type: 'deletePrefix', prefix: KEYS.operAttachmentsOf(host) },
      { type: 'deletePrefix', prefix: KEYS.operEndpointsOf(host) },
      { type: 'deletePrefix', prefix: KEYS.operDockerOf(host) },
      { type: 'delete', key: KEYS.operPolicyCounters(host) },
      { type: 'delete', key: KEYS.operQosCounters(host) },
      { type: 'delete', key: KEYS.operMulticast(host) },
      ...held.map((kv) => ({ type: 'delete' as const, key: kv.key })),
    ];
    const res = await store.txn(compares, ops);
    if (res.succeeded) return { host, attachments: atts.items.length, claims: held.length, reports: reports.items.length };
    if (attempt >= MAX_ATTEMPTS) throw new NetpluginError('NP_STORE_CONFLICT', `forgetting host ${host} lost ${MAX_ATTEMPTS} races with concurrent changes; try again`);
  }
}
