/** Reads and writes the desired state in the store's config prefix (netmaster only). */
import { runSliced, runToEnd, YIELD_EVERY, type SliceOptions, type Steps } from '../common/sliced.js';
import type { DesiredState, EndpointState, HostIntent, Intent, NetworkState, Plan, Problem, TenantState } from '../intent/types.js';
import { stateIndexSteps } from '../intent/plan.js';
import type { TenantPolicyState } from '../intent/policy-types.js';
import { KEYS, parseConfigKey, parseOperKey } from '../state/keys.js';
import type { Op, StateStore } from '../state/store.js';

/** The stored desired state, the intent it came from, and the meta key's revision. */
export interface StoredDesired {
  state: DesiredState | undefined;
  intentText: string | undefined;
  /** modRevision of the meta key (0 when nothing was ever applied): the apply's compare. */
  metaRevision: number;
  /** True when the intent text is still at its old key under the config prefix (the next apply moves it). */
  legacyIntent: boolean;
}

/**
 * The desired state this process last read or committed, per store. Only an apply writes
 * config, and every apply writes the meta key and the intent key in the same transaction,
 * so while both keep their revisions the config is unchanged: re-reading and parsing
 * 100,000 networks for each apply is then skipped. Shared, so never mutated by its readers.
 */
const lastDesired = new WeakMap<StateStore, { desired: StoredDesired; intentRevision: number }>();

/** Records the desired state an apply just committed in the transaction of revision `revision` (meta and intent keys both written). */
export function rememberDesired(store: StateStore, desired: StoredDesired, revision: number): void {
  lastDesired.set(store, { desired, intentRevision: revision });
}

/** Loads everything under the config prefix, and the intent text beside it (from memory when neither key changed). */
export async function loadDesired(store: StateStore): Promise<StoredDesired> {
  const known = lastDesired.get(store);
  if (known && known.desired.metaRevision > 0) {
    // Revisions only: the intent text can be megabytes, and reading it took 100+ ms of the event loop.
    const [meta, intent] = await Promise.all([store.modRevision(KEYS.meta), store.modRevision(KEYS.intent)]);
    if (meta === known.desired.metaRevision && intent === known.intentRevision) return known.desired;
  }
  const loaded = await readDesired(store);
  lastDesired.set(store, loaded);
  return loaded.desired;
}

/** Reads the desired state from the store, with the intent key's revision. */
async function readDesired(store: StateStore): Promise<{ desired: StoredDesired; intentRevision: number }> {
  const [{ items }, text] = await Promise.all([store.list(KEYS.configPrefix), store.get(KEYS.intent)]);
  const state: DesiredState = { tenants: [], networks: [], endpoints: [], hosts: [], policies: [] };
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
    else if (k.kind === 'policy') state.policies.push(JSON.parse(kv.value) as TenantPolicyState);
  }
  // A store written before the intent text moved still has it under the config prefix.
  const legacyIntent = intentText !== undefined;
  if (text) intentText = text.value;
  return { desired: { state: metaRevision === 0 ? undefined : state, intentText, metaRevision, legacyIntent }, intentRevision: text?.modRevision ?? 0 };
}

/** Store key of a plan item. */
function keyOf(kind: string, id: string): string {
  const parts = id.split('/');
  if (kind === 'tenant') return KEYS.tenant(parts[0]);
  if (kind === 'network') return KEYS.network(parts[0], parts[1]);
  if (kind === 'endpoint') return KEYS.endpoint(parts[0], parts[1], parts[2]);
  if (kind === 'policy') return KEYS.policy(parts[0]);
  return KEYS.host(parts[0]);
}

/** The writes that move the store from the previous state to `next`, following `plan`. */
export function planOps(plan: Plan, next: DesiredState): Op[] {
  return runToEnd(planOpsSteps(plan, next));
}

/** planOps, letting the event loop turn while it runs; the same ops. */
export function planOpsSliced(plan: Plan, next: DesiredState, slicing?: SliceOptions): Promise<Op[]> {
  return runSliced(planOpsSteps(plan, next), slicing);
}

function* planOpsSteps(plan: Plan, next: DesiredState): Steps<Op[]> {
  const objects = yield* stateIndexSteps(next);
  let n = 0;
  const ops: Op[] = [];
  for (const item of [...plan.create, ...plan.update]) {
    const key = keyOf(item.kind, item.id);
    ops.push({ type: 'put', key, value: JSON.stringify(objects[item.kind].get(item.id)) });
    if (++n % YIELD_EVERY === 0) yield;
  }
  for (const item of plan.delete) {
    ops.push({ type: 'delete', key: keyOf(item.kind, item.id) });
    if (++n % YIELD_EVERY === 0) yield;
  }
  return ops;
}

/** Addresses and networks held by runtime attachments and Docker IPAM, as netmaster must honour them. */
export interface RuntimeHolds {
  /** `tenant/network` → ip → owner. */
  claims: Map<string, Map<string, string>>;
  /** `tenant/network` → descriptions of the attachments on it (`cni k1 on host1`). */
  attachments: Map<string, string[]>;
}

/** Reads every address claim and runtime attachment (two prefix reads). */
export async function loadRuntimeHolds(store: StateStore): Promise<RuntimeHolds> {
  const [claims, atts] = await Promise.all([store.list(KEYS.operClaimsPrefix), store.list(KEYS.operAttachmentsPrefix)]);
  const out: RuntimeHolds = { claims: new Map(), attachments: new Map() };
  for (const kv of claims.items) {
    const k = parseOperKey(kv.key);
    if (k?.kind !== 'operClaim') continue;
    const net = `${k.ids[0]}/${k.ids[1]}`;
    if (!out.claims.has(net)) out.claims.set(net, new Map());
    out.claims.get(net)!.set(k.ids[2], (JSON.parse(kv.value) as { owner: string }).owner);
  }
  for (const kv of atts.items) {
    const a = JSON.parse(kv.value) as { tenant: string; network: string; source: string; key: string; host: string };
    const net = `${a.tenant}/${a.network}`;
    if (!out.attachments.has(net)) out.attachments.set(net, []);
    out.attachments.get(net)!.push(`${a.source} ${a.key} on ${a.host}`);
  }
  return out;
}

/** Problems for networks the intent drops while runtime attachments or claims still use them. */
export function networksStillInUse(intent: Intent, holds: RuntimeHolds): Problem[] {
  const kept = new Set(intent.tenants.flatMap((t) => t.networks.map((n) => `${t.name}/${n.name}`)));
  const problems: Problem[] = [];
  const used = new Set([...holds.attachments.keys(), ...[...holds.claims].filter(([, m]) => m.size > 0).map(([k]) => k)]);
  for (const net of [...used].sort()) {
    if (kept.has(net)) continue;
    const users = holds.attachments.get(net) ?? [...(holds.claims.get(net)?.values() ?? [])];
    problems.push({ path: '$.Tenants', reason: `network ${net} cannot be removed: still used by ${users.length} runtime attachment(s) (${users.slice(0, 3).join('; ')}) [NP_NETWORK_IN_USE]` });
  }
  return problems;
}
