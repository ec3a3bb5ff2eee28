/**
 * The difference between two desired states, object by object, and its rendering for
 * an operator (`netdcli -cfg --dry-run`).
 */

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
const EMPTY: DesiredState = { tenants: [], networks: [], endpoints: [], hosts: [] };

function index(state: DesiredState | undefined): Record<Kind, Objects> {
  const s = state ?? EMPTY;
  let known = indexes.get(s);
  if (!known) indexes.set(s, (known = build(s)));
  return known;
}

function build(s: DesiredState): Record<Kind, Objects> {
  return {
    tenant: new Map(s.tenants.map((t) => [t.name, t])),
    network: new Map(s.networks.map((n) => [n.id, n])),
    endpoint: new Map(s.endpoints.map((e) => [e.id, e])),
    host: new Map(s.hosts.map((h) => [h.name, h])),
  };
}

function sortedIds(m: Objects): string[] {
  // The default sort compares UTF-16 code units, exactly as `<` does, and is faster.
  return [...m.keys()].sort();
}

/** Field names whose values differ; a field missing on one side counts as changed. */
function changedFields(a: object, b: object): string[] {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  return [...keys].filter((k) => JSON.stringify(ra[k]) !== JSON.stringify(rb[k])).sort();
}

/** Creation runs parents first (hosts, tenants, networks, endpoints); deletion runs children first. */
const CREATE_ORDER: Kind[] = ['host', 'tenant', 'network', 'endpoint'];
const DELETE_ORDER: Kind[] = ['endpoint', 'network', 'tenant', 'host'];

/** Lists what must be created, updated (with the changed field names) and deleted to go from `prev` to `next`. */
export function diffState(prev: DesiredState | undefined, next: DesiredState): Plan {
  const a = index(prev);
  const b = index(next);
  const plan: Plan = { create: [], update: [], delete: [] };
  for (const kind of CREATE_ORDER) {
    for (const id of sortedIds(b[kind])) {
      const old = a[kind].get(id);
      if (!old) plan.create.push({ kind, id });
      else {
        const fields = changedFields(old, b[kind].get(id)!);
        if (fields.length > 0) plan.update.push({ kind, id, fields });
      }
    }
  }
  for (const kind of DELETE_ORDER) {
    for (const id of sortedIds(a[kind])) if (!b[kind].has(id)) plan.delete.push({ kind, id });
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
    case 'host': {
      const h = o as HostIntent;
      const parts = [h.intf && `intf ${h.intf}`, h.vtepIp && `vtep ${h.vtepIp}`].filter(Boolean);
      return parts.length > 0 ? ` (${parts.join(', ')})` : '';
    }
  }
}

function show(v: unknown): string {
  return v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Renders a plan one line per object: `+` create, `~` update (old → new per field),
 * `-` delete. Passing the states adds each object's resources to its line.
 */
export function formatPlan(plan: Plan, prev?: DesiredState, next?: DesiredState): string {
  const a = index(prev);
  const b = index(next);
  const lines: string[] = [];
  for (const it of plan.create) lines.push(`+ ${it.kind} ${it.id}${detail(it.kind, b[it.kind].get(it.id))}`);
  for (const it of plan.update) {
    const o = a[it.kind].get(it.id) as Record<string, unknown> | undefined;
    const n = b[it.kind].get(it.id) as Record<string, unknown> | undefined;
    const fields = (it.fields ?? []).map((f) => (o && n ? `${f} ${show(o[f])} -> ${show(n[f])}` : f));
    lines.push(`~ ${it.kind} ${it.id} (${fields.join(', ')})`);
  }
  for (const it of plan.delete) lines.push(`- ${it.kind} ${it.id}${detail(it.kind, a[it.kind].get(it.id))}`);
  if (lines.length === 0) return 'no changes\n';
  return `${lines.join('\n')}\n${plan.create.length} to create, ${plan.update.length} to update, ${plan.delete.length} to delete\n`;
}
