/**
 * The check of a container's network-namespace path before anything is recorded or plumbed
 * for it: an nsfs file of a network namespace (the addon's open + fstatfs), not the host's
 * own namespace, answered within the namespace time limit.
 */
import { statSync } from 'node:fs';
import { NetpluginError } from '../../common/errors.js';
import { netlinkAddon, type NativeError } from './native.js';
import { NETNS_OP_TIMEOUT_MS, withNetnsTimeout } from './netns-timeout.js';

/** Identity of a namespace: st_dev and st_ino of its nsfs file. */
export interface NetnsIdentity {
  dev: number;
  ino: number;
}

/** What the check needs (the addon in the agent, fakes in tests). */
export interface NetnsProbe {
  /** The identity of the namespace behind `path`, or the addon's error. */
  identify(path: string): Promise<NetnsIdentity>;
  /** The namespaces a container must never be given: the agent's own and init's. */
  hostNamespaces(): NetnsIdentity[];
}

/** The probe over the addon and /proc. */
export const addonNetnsProbe: NetnsProbe = {
  identify: (path) => netlinkAddon().checkNetns(path),
  hostNamespaces: () => {
    const out: NetnsIdentity[] = [];
    for (const p of ['/proc/self/ns/net', '/proc/1/ns/net']) {
      try {
        const st = statSync(p);
        out.push({ dev: st.dev, ino: st.ino });
      } catch {
        // no /proc/1 view (a restricted procfs): the agent's own namespace still counts
      }
    }
    return out;
  },
};

/**
 * Resolves when `path` names a network namespace a container may be plumbed into; otherwise
 * throws NP_NETNS_INVALID (or NP_NETNS_TIMEOUT) naming `field`, with the addon's errno/syscall.
 */
export async function checkContainerNetns(path: string, field: string, probe: NetnsProbe = addonNetnsProbe, timeoutMs: number = NETNS_OP_TIMEOUT_MS): Promise<void> {
  let id: NetnsIdentity;
  try {
    id = await withNetnsTimeout(probe.identify(path), timeoutMs, `opening ${path}`);
  } catch (err) {
    const e = err as NativeError;
    const code = e.code === 'NP_NETNS_TIMEOUT' ? 'NP_NETNS_TIMEOUT' : 'NP_NETNS_INVALID';
    throw new NetpluginError(code, `${field}: ${e.message}`, { field, errno: e.errno, syscall: e.syscall });
  }
  if (probe.hostNamespaces().some((h) => h.dev === id.dev && h.ino === id.ino)) {
    throw new NetpluginError('NP_NETNS_INVALID', `${field}: ${path} is the host's own network namespace, not a container's`, { field });
  }
}
