/**
 * The multicast contract of a network (`Multicast`, `MulticastRouter`): accepted values,
 * defaults, and how readers of stored state fill in what the intent did not write
 * (docs/multicast.md, "Contract").
 */

import type { MulticastMode } from './multicast-types.js';
import type { NetworkState } from './types.js';

/** Values of a network's `Multicast` key, as written in the intent. */
export const MULTICAST_MODES: readonly MulticastMode[] = ['snoop', 'flood'];
/** `Multicast` of a network that does not say: replicate each group only to its members. */
export const DEFAULT_MULTICAST_MODE: MulticastMode = 'snoop';

/** A network's effective multicast mode; a state that does not store one (the intent did not write it) means the default. */
export function multicastOf(n: Pick<Partial<NetworkState>, 'multicast'>): MulticastMode {
  return n.multicast === 'flood' ? 'flood' : DEFAULT_MULTICAST_MODE;
}

/** Whether a network also sends multicast to its VLAN trunk; absent means no. */
export function multicastRouterOf(n: Pick<Partial<NetworkState>, 'multicastRouter'>): boolean {
  return n.multicastRouter === true;
}
