/**
 * A tenant's Groups and Policies → the TenantPolicyState agents read: every rule of every
 * policy some group lists, with the groups it applies to, highest priority first, and the
 * QoS of the groups that set some.
 */

import type { PolicyRuleState, TenantPolicyState } from './policy-types.js';
import type { GroupQos } from './qos-types.js';
import type { TenantIntent } from './types.js';

/** Orders strings by UTF-16 code units, independent of locale. */
function byCode(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The stored policy of a (validated) tenant, or undefined when it has neither groups nor policies. */
export function tenantPolicyState(t: TenantIntent, routeId: number): TenantPolicyState | undefined {
  if ((t.groups ?? []).length === 0 && (t.policies ?? []).length === 0) return undefined;
  const listedBy = new Map<string, Set<string>>();
  for (const g of t.groups ?? []) for (const p of g.policies) (listedBy.get(p) ?? listedBy.set(p, new Set()).get(p)!).add(g.name);
  const rules: PolicyRuleState[] = [];
  for (const p of t.policies ?? []) {
    const appliesTo = [...(listedBy.get(p.name) ?? [])].sort(byCode);
    // A policy no group lists applies to no one: agents have nothing to enforce for it.
    if (appliesTo.length === 0) continue;
    p.rules.forEach((r, i) => rules.push({ ...structuredClone(r), id: `${t.name}/${p.name}/${i}`, policy: p.name, appliesTo }));
  }
  rules.sort((a, b) => b.priority - a.priority || byCode(a.id, b.id));
  const state: TenantPolicyState = { tenant: t.name, routeId, groups: (t.groups ?? []).map((g) => g.name).sort(byCode), rules };
  const groupQos = groupQosOf(t);
  if (groupQos) state.groupQos = groupQos;
  return state;
}

/** Group name → QoS for the tenant's groups that set some, keys sorted; undefined when none does. */
function groupQosOf(t: TenantIntent): Record<string, GroupQos> | undefined {
  const set = (t.groups ?? []).filter((g) => g.qos !== undefined && Object.keys(g.qos).length > 0).sort((a, b) => byCode(a.name, b.name));
  return set.length > 0 ? Object.fromEntries(set.map((g) => [g.name, structuredClone(g.qos!)])) : undefined;
}

/** An endpoint's groups as stored: sorted, each once, undefined when none. */
export function endpointGroups(groups: string[] | undefined): string[] | undefined {
  return groups && groups.length > 0 ? [...new Set(groups)].sort(byCode) : undefined;
}
