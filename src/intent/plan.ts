/**
 * The difference between two desired states, object by object, and its rendering for
 * an operator (`netdcli -cfg --dry-run`).
 */

import { runSliced, runToEnd, YIELD_EVERY, type SliceOptions, type Steps } from '../common/sliced.js';
import type { PolicyRuleState, TenantPolicyState } from './policy-types.js';
import type { DesiredState, EndpointState, HostIntent, NetworkState, Plan, PlanItem, TenantState } from './types.js';

type Kind = PlanItem['kind'];

/** Objects of one kind keyed by id. */
type Objects = Map<string, object>;

/**
 * Indexes already built, per state object: a diff and its rendering index the same two
 * states, and the next apply's previous state is this apply's next one (netmaster keeps
 * it), so at 100,000 networks each state is indexed once instead of four times.
 */
const indexes = new WeakMap<DesiredState, Record<Kind, Objects>>();
const EMPTY: DesiredState = { tenants: [], networks: [], endpoints: [], hosts: [], policies: [] };

function* indexSteps(state: DesiredState | undefined): Steps<Record<Kind, Objects>> {
  const s = state ?? EMPTY;
  let known = indexes.get(s);
  if (!known) indexes.set(s, (known = yield* buildSteps(s)));
  return known;
}

function index(state: DesiredState | undefined): Record<Kind, Objects> {
  return runToEnd(indexSteps(state));
}

/** Indexes `state` for diffState and formatPlan now, letting the event loop turn while it does. */
export async function indexStateSliced(state: DesiredState | undefined, slicing?: SliceOptions): Promise<void> {
  await runSliced(indexSteps(state), slicing);
}

/** The objects of a state by id (network and endpoint ids, tenant and host names, policies by tenant); shared, never to be mutated. */
export type StateIndex = { readonly [K in Kind]: ReadonlyMap<string, object> };

/** The index of `state` (built once per state object). */
export function stateIndex(state: DesiredState | undefined): StateIndex {
  return index(state);
}

/** stateIndex as steps, for callers that run in slices. */
export function stateIndexSteps(state: DesiredState | undefined): Steps<StateIndex> {
  return indexSteps(state);
}

function* buildSteps(s: DesiredState): Steps<Record<Kind, Objects>> {
  return {
    tenant: yield* mapSteps(s.tenants, (t) => t.name),
    network: yield* mapSteps(s.networks, (n) => n.id),
    endpoint: yield* mapSteps(s.endpoints, (e) => e.id),
    host: yield* mapSteps(s.hosts, (h) => h.name),
    // States read from stores written before policies have none.
    policy: yield* mapSteps(s.policies ?? [], (p) => p.tenant),
  };
}

/** `items` keyed by `id`, in steps. */
function* mapSteps<T extends object>(items: readonly T[], id: (item: T) => string): Steps<Objects> {
  const m: Objects = new Map();
  for (let i = 0; i < items.length; i++) {
    m.set(id(items[i]), items[i]);
    if (i % YIELD_EVERY === YIELD_EVERY - 1) yield;
  }
  return m;
}

function* sortedIdsSteps(m: Objects): Steps<string[]> {
  const ids = [...m.keys()];
  // States come sorted from allocation and (almost always) from the store: then checking
  // is all it takes. The default sort compares UTF-16 code units, exactly as `<` does.
  for (let i = 1; i < ids.length; i++) {
    if (ids[i - 1] >= ids[i]) return ids.sort();
    if (i % (YIELD_EVERY * 16) === 0) yield;
  }
  return ids;
}

/** Field names whose values differ; a field missing on one side counts as changed. */
function changedFields(a: object, b: object): string[] {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  return [...keys].filter((k) => JSON.stringify(ra[k]) !== JSON.stringify(rb[k])).sort();
}

/**
 * Creation runs parents first (hosts, tenants, networks, endpoints, then the policies
 * naming their groups); deletion runs children first.
 */
const CREATE_ORDER: Kind[] = ['host', 'tenant', 'network', 'endpoint', 'policy'];
const DELETE_ORDER: Kind[] = ['policy', 'endpoint', 'network', 'tenant', 'host'];

/** Lists what must be created, updated (with the changed field names) and deleted to go from `prev` to `next`. */
export function diffState(prev: DesiredState | undefined, next: DesiredState): Plan {
  return runToEnd(diffSteps(prev, next));
}

/** diffState, letting the event loop turn while it runs; the same plan. */
export function diffStateSliced(prev: DesiredState | undefined, next: DesiredState, slicing?: SliceOptions): Promise<Plan> {
  return runSliced(diffSteps(prev, next), slicing);
}

function* diffSteps(prev: DesiredState | undefined, next: DesiredState): Steps<Plan> {
  const a = yield* indexSteps(prev);
  const b = yield* indexSteps(next);
  const plan: Plan = { create: [], update: [], delete: [] };
  let n = 0;
  for (const kind of CREATE_ORDER) {
    for (const id of yield* sortedIdsSteps(b[kind])) {
      const old = a[kind].get(id);
      if (!old) plan.create.push({ kind, id });
      else {
        const fields = changedFields(old, b[kind].get(id)!);
        if (fields.length > 0) plan.update.push({ kind, id, fields });
      }
      if (++n % YIELD_EVERY === 0) yield;
    }
  }
  for (const kind of DELETE_ORDER) {
    for (const id of yield* sortedIdsSteps(a[kind])) {
      if (!b[kind].has(id)) plan.delete.push({ kind, id });
      if (++n % (YIELD_EVERY * 4) === 0) yield;
    }
  }
  return plan;
}

/** Whether the plan changes nothing. */
export function planIsEmpty(plan: Plan): boolean {
  return plan.create.length + plan.update.length + plan.delete.length === 0;
}

function detail(kind: Kind, o: object | undefined): string {
  if (!o) return '';
  switch (kind) {
    case 'tenant': {
      const t = o as TenantState;
      return ` (${t.defaultNetType}, pool ${t.subnetPool || 'none'} by /${t.allocSubnetLen}, vlans ${t.vlans}, vxlans ${t.vxlans})`;
    }
    case 'network': {
      const n = o as NetworkState;
      return ` (${n.pktTagType} ${n.pktTag}, ${n.subnet}, gw ${n.gateway})`;
    }
    case 'endpoint': {
      const e = o as EndpointState;
      return ` (${e.ip}/${e.prefixLen}, ${e.mac}${e.host ? `, host ${e.host}` : ''})`;
    }
    case 'policy': {
      const p = o as TenantPolicyState;
      return ` (${p.groups.length} group(s), ${p.rules.length} rule(s))`;
    }
    case 'host': {
      const h = o as HostIntent;
      const parts = [h.intf && `intf ${h.intf}`, h.vtepIp && `vtep ${h.vtepIp}`].filter(Boolean);
      return parts.length > 0 ? ` (${parts.join(', ')})` : '';
    }
  }
}

/** The rules added (`+id`), changed (`~id`) and removed (`-id`) between two rule lists, by id. */
function ruleChanges(before: PolicyRuleState[] = [], after: PolicyRuleState[] = []): string {
  const old = new Map(before.map((r) => [r.id, JSON.stringify(r)]));
  const now = new Map(after.map((r) => [r.id, JSON.stringify(r)]));
  const ids = [...new Set([...old.keys(), ...now.keys()])].sort();
  return ids
    .map((id) => (!old.has(id) ? `+${id}` : !now.has(id) ? `-${id}` : old.get(id) !== now.get(id) ? `~${id}` : ''))
    .filter(Boolean)
    .join(' ');
}

function show(v: unknown): string {
  return v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Renders a plan one line per object: `+` create, `~` update (old → new per field),
 * `-` delete. Passing the states adds each object's resources to its line.
 */
export function formatPlan(plan: Plan, prev?: DesiredState, next?: DesiredState): string {
  return runToEnd(formatSteps(plan, prev, next));
}

/** formatPlan, letting the event loop turn while it runs; the same text. */
export function formatPlanSliced(plan: Plan, prev?: DesiredState, next?: DesiredState, slicing?: SliceOptions): Promise<string> {
  return runSliced(formatSteps(plan, prev, next), slicing);
}

function* formatSteps(plan: Plan, prev?: DesiredState, next?: DesiredState): Steps<string> {
  const a = yield* indexSteps(prev);
  const b = yield* indexSteps(next);
  // Lines are joined a block at a time, so no single join (or array) spans 100,000 lines.
  const blocks: string[] = [];
  let lines: string[] = [];
  const add = function* (line: string): Steps<void> {
    lines.push(line);
    if (lines.length === YIELD_EVERY) {
      blocks.push(`${lines.join('\n')}\n`);
      lines = [];
      yield;
    }
  };
  for (const it of plan.create) yield* add(`+ ${it.kind} ${it.id}${detail(it.kind, b[it.kind].get(it.id))}`);
  for (const it of plan.update) {
    const o = a[it.kind].get(it.id) as Record<string, unknown> | undefined;
    const n = b[it.kind].get(it.id) as Record<string, unknown> | undefined;
    const fields = (it.fields ?? []).map((f) => {
      if (!o || !n) return f;
      // A tenant's rules can number hundreds: name the rules that changed, not the whole list twice.
      if (it.kind === 'policy' && f === 'rules') return `rules ${ruleChanges(o[f] as PolicyRuleState[] | undefined, n[f] as PolicyRuleState[] | undefined)}`;
      return `${f} ${show(o[f])} -> ${show(n[f])}`;
    });
    yield* add(`~ ${it.kind} ${it.id} (${fields.join(', ')})`);
  }
  for (const it of plan.delete) yield* add(`- ${it.kind} ${it.id}${detail(it.kind, a[it.kind].get(it.id))}`);
  if (lines.length > 0) blocks.push(`${lines.join('\n')}\n`);
  if (blocks.length === 0) return 'no changes\n';
  return `${blocks.join('')}${plan.create.length} to create, ${plan.update.length} to update, ${plan.delete.length} to delete\n`;
}
