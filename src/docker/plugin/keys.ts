/**
 * Store keys of the Docker remote plugin, written only by the agent of the host named in
 * the key (Docker networks are local to one engine). Not in the shared KEYS layout's
 * collections, so other readers of the oper prefix skip them.
 *
 *   /netplugin/oper/docker/<host>/networks/<docker network id>  NetworkBinding
 *   /netplugin/oper/docker/<host>/pools/<pool id>               PoolRecord
 */
import { KEYS } from '../../state/keys.js';

const ROOT = `${KEYS.operPrefix}docker/`;

function seg(s: string): string {
  return encodeURIComponent(s);
}

/** The plugin's key layout. */
export const DOCKER_KEYS = {
  /** Everything the plugin of host `h` keeps. */
  hostPrefix: (h: string): string => KEYS.operDockerOf(h),
  /** Prefix of the network bindings of host `h`. */
  networksOf: (h: string): string => `${ROOT}${seg(h)}/networks/`,
  /** Binding of Docker network `id` on host `h` to an intent network. */
  network: (h: string, id: string): string => `${ROOT}${seg(h)}/networks/${seg(id)}`,
  /** Prefix of the IPAM pools of host `h`. */
  poolsOf: (h: string): string => `${ROOT}${seg(h)}/pools/`,
  /** IPAM pool `poolId` (with its reference count) on host `h`. */
  pool: (h: string, poolId: string): string => `${ROOT}${seg(h)}/pools/${seg(poolId)}`,
} as const;
