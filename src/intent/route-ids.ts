/**
 * Tenant routing ids (TenantState.routeId): one per tenant, unique among tenants, kept
 * for as long as the tenant exists (agents build per-tenant routing state on it, so a
 * change would cut the tenant's routed and source-NATed connections).
 */

import { ROUTE_ID_MAX, ROUTE_ID_MIN } from './routing.js';
import type { Problem, TenantState } from './types.js';

/** Outcome of routing-id allocation: tenant name → id, or why the ids ran out. */
export type RouteIdResult = { ok: true; ids: Map<string, number> } | { ok: false; problem: Problem };

/**
 * Gives each tenant (names in intent order, unique) the id `previous` gave it when that is
 * still a valid id no other tenant kept, else the lowest free one. Ids of tenants that are
 * gone are free again.
 */
export function allocateRouteIds(tenants: readonly string[], previous: readonly TenantState[] | undefined): RouteIdResult {
  const before = new Map((previous ?? []).map((t) => [t.name, t.routeId]));
  const ids = new Map<string, number>();
  const taken = new Set<number>();
  for (const name of tenants) {
    const id = before.get(name);
    // States written before routing have no id; a hand-edited store may hold anything.
    if (typeof id === 'number' && Number.isInteger(id) && id >= ROUTE_ID_MIN && id <= ROUTE_ID_MAX && !taken.has(id)) {
      ids.set(name, id);
      taken.add(id);
    }
  }
  let next = ROUTE_ID_MIN;
  for (const [i, name] of tenants.entries()) {
    if (ids.has(name)) continue;
    while (taken.has(next)) next++;
    if (next > ROUTE_ID_MAX) {
      const count = ROUTE_ID_MAX - ROUTE_ID_MIN + 1;
      return {
        ok: false,
        problem: {
          path: '$.Tenants',
          reason: `too many tenants: ${tenants.length} given, at most ${count} can exist at once (routing ids ${ROUTE_ID_MIN}-${ROUTE_ID_MAX} are all taken when tenant "${name}", $.Tenants[${i}], needs one); remove tenants`,
        },
      };
    }
    ids.set(name, next);
    taken.add(next);
  }
  return { ok: true, ids };
}
