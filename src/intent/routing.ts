/**
 * The routing contract of a network (`Gateway`, `External`) and of a tenant (`routeId`):
 * accepted values, defaults, and how readers of stored state fill in what older
 * netmasters did not write (docs/intent.md, "Routing").
 */

import type { ExternalMode, GatewayMode, NetworkState } from './types.js';

/** Values of a network's `Gateway` key, as written in the intent. */
export const GATEWAY_MODES: readonly GatewayMode[] = ['distributed', 'external'];
/** Values of a network's `External` key, as written in the intent. */
export const EXTERNAL_MODES: readonly ExternalMode[] = ['snat', 'none'];
/** `Gateway` of a network that does not say: every host routes for its own endpoints. */
export const DEFAULT_GATEWAY_MODE: GatewayMode = 'distributed';
/** `External` of a network that does not say: containers reach the outside through their host. */
export const DEFAULT_EXTERNAL: ExternalMode = 'snat';
/** Lowest tenant routing id. */
export const ROUTE_ID_MIN = 1;
/**
 * Highest tenant routing id: agents derive each tenant's transit address as the start of
 * their /20 gateway block + 16 + routeId, which must stay below the block's broadcast
 * address (4096 - 16 - 2).
 */
export const ROUTE_ID_MAX = 4078;

/** A network's gateway mode; a state written before routing (field absent) means the default. */
export function gatewayModeOf(n: Pick<Partial<NetworkState>, 'gatewayMode'>): GatewayMode {
  return n.gatewayMode === 'external' ? 'external' : DEFAULT_GATEWAY_MODE;
}

/** A network's External mode; a state written before routing (field absent) means the default. */
export function externalOf(n: Pick<Partial<NetworkState>, 'external'>): ExternalMode {
  return n.external === 'none' ? 'none' : DEFAULT_EXTERNAL;
}
