/**
 * Fills in the routing fields (TenantState.routeId, NetworkState.gatewayMode/external) of
 * a desired state written before routing, by committing the stored intent again when
 * netmaster starts. Readers default a missing gateway mode or External, but a routeId has
 * no default: without this, a tenant would have none until the operator's next apply.
 */
import { parseIntent } from '../intent/parse.js';
import type { DesiredState } from '../intent/types.js';
import type { StateStore } from '../state/store.js';
import { commitIntent, rejection, type ApplyResult } from './apply.js';
import { loadDesired } from './desired-io.js';

/** Whether any stored tenant or network lacks a routing field. */
export function lacksRoutingFields(state: DesiredState): boolean {
  return (
    state.tenants.some((t) => typeof t.routeId !== 'number') ||
    state.networks.some((n) => n.gatewayMode === undefined || n.external === undefined || typeof n.routeId !== "number")
  );
}

/**
 * Re-commits the stored intent when the stored state lacks routing fields; undefined when
 * nothing needed it. Everything else keeps its allocation (the commit starts from the
 * stored state), so the only changes are the added fields. Throws NP_INTENT_INVALID when
 * the stored intent no longer passes (nothing is written then).
 */
export async function fillRoutingFields(store: StateStore): Promise<ApplyResult | undefined> {
  const first = await loadDesired(store);
  if (!first.state || first.intentText === undefined || !lacksRoutingFields(first.state)) return undefined;
  return commitIntent(store, (prev) => {
    // Another netmaster may have changed the store meanwhile; never guess an intent.
    if (prev.intentText === undefined) throw rejection([{ path: '$', reason: 'the stored intent is gone; nothing to re-apply' }]);
    const parsed = parseIntent(prev.intentText);
    if (!parsed.ok) throw rejection(parsed.problems.map((x) => ({ path: x.path, reason: `${x.reason} (in the stored intent)` })));
    return { intent: parsed.intent };
  });
}
