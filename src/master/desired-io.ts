/** Reads and writes the desired state in the store's config prefix (netmaster only). */
import type { DesiredState, EndpointState, HostIntent, NetworkState, Plan, TenantState } from '../intent/types.js';
import { KEYS, parseConfigKey } from '../state/keys.js';
import type { Op, StateStore } from '../state/store.js';

/** The stored desired state, the intent it came from, and the meta key's revision. */
export interface StoredDesired {
  state: DesiredState | undefined;
  intentText: string | undefined;
  /** modRevision of the meta key (0 when nothing was ever applied): the apply's compare. */
  metaRevision: number;
}

/** Loads everything under the config prefix in one read. */
export async function loadDesired(store: StateStore): Promise<StoredDesired> {
  const { items } = await store.list(KEYS.configPrefix);
  const state: DesiredState = { tenants: [], networks: [], endpoints: [], hosts: [] };
  let metaRevision = 0;
  let intentText: string | undefined;
  for (const kv of items) {
    const k = parseConfigKey(kv.key);
    if (!k) continue;
    if (k.kind === 'meta') metaRevision = kv.modRevision;
    else if (k.kind === 'intent') intentText = kv.value;
    else if (k.kind === 'tenant') state.tenants.push(JSON.parse(kv.value) as TenantState);
    else if (k.kind === 'network') state.networks.push(JSON.parse(kv.value) as NetworkState);
    else if (k.kind === 'endpoint') state.endpoints.push(JSON.parse(kv.value) as EndpointState);
    else if (k.kind === 'host') state.hosts.push(JSON.parse(kv.value) as HostIntent);
  }
  return { state: metaRevision === 0 ? undefined : state, intentText, metaRevision };
}

/** Store key of a plan item. */
function keyOf(kind: string, id: string): string {
  const parts = id.split('/');
  if (kind === 'tenant') return KEYS.tenant(parts[0]);
  if (kind === 'network') return KEYS.network(parts[0], parts[1]);
  if (kind === 'endpoint') return KEYS.endpoint(parts[0], parts[1], parts[2]);
  return KEYS.host(parts[0]);
}

/** The writes that move the store from the previous state to `next`, following `plan`. */
export function planOps(plan: Plan, next: DesiredState): Op[] {
  const byKey = new Map<string, unknown>();
  for (const t of next.tenants) byKey.set(keyOf('tenant', t.name), t);
  for (const n of next.networks) byKey.set(keyOf('network', n.id), n);
  for (const e of next.endpoints) byKey.set(keyOf('endpoint', e.id), e);
  for (const h of next.hosts) byKey.set(keyOf('host', h.name), h);
  const ops: Op[] = [];
  for (const item of [...plan.create, ...plan.update]) {
    const key = keyOf(item.kind, item.id);
    ops.push({ type: 'put', key, value: JSON.stringify(byKey.get(key)) });
  }
  for (const item of plan.delete) ops.push({ type: 'delete', key: keyOf(item.kind, item.id) });
  return ops;
}
