/**
 * Host checks: the Hosts list itself, endpoint Host names against it, HostBindings,
 * and that no container is placed on two hosts (a container runs in one place).
 */

import { ipToInt } from '../alloc/ip.js';
import { checkName } from './names.js';
import type { Intent, Problem } from './types.js';

/** Reports problems with Hosts[], endpoint hosts and HostBindings[]. */
export function checkHosts(intent: Intent, problems: Problem[]): void {
  const hostNames = new Map<string, string>();
  const vteps = new Map<number, string>();
  intent.hosts.forEach((h, i) => {
    const path = `$.Hosts[${i}]`;
    checkName(h.name, `${path}.Name`, problems);
    const first = hostNames.get(h.name);
    if (first !== undefined) problems.push({ path: `${path}.Name`, reason: `duplicate host name "${h.name}" (also ${first})` });
    else hostNames.set(h.name, path);
    if (h.vtepIp !== undefined) {
      const v = ipToInt(h.vtepIp);
      const other = v === undefined ? undefined : vteps.get(v);
      if (v === undefined) problems.push({ path: `${path}.VtepIp`, reason: `"${h.vtepIp}" is not an IPv4 address` });
      else if (other !== undefined) problems.push({ path: `${path}.VtepIp`, reason: `VtepIp ${h.vtepIp} already used by ${other}` });
      else vteps.set(v, path);
    }
  });
  // Only a non-empty Hosts list is a closed world; without one, hosts register themselves.
  const closed = intent.hosts.length > 0;
  const unknownHost = (host: string): string => `unknown host "${host}" (not in Hosts)`;

  const placed = new Map<string, { host: string; path: string }>();
  const place = (container: string, host: string, path: string): void => {
    const prior = placed.get(container);
    if (prior === undefined) placed.set(container, { host, path });
    else if (prior.host !== host) {
      problems.push({ path, reason: `container "${container}" is placed on host "${prior.host}" by ${prior.path}, not "${host}"` });
    }
  };

  const containers = new Set<string>();
  intent.tenants.forEach((t, i) =>
    t.networks.forEach((n, j) =>
      n.endpoints.forEach((e, k) => {
        containers.add(e.container);
        if (e.host === undefined) return;
        const path = `$.Tenants[${i}].Networks[${j}].Endpoints[${k}].Host`;
        if (closed && !hostNames.has(e.host)) problems.push({ path, reason: unknownHost(e.host) });
        place(e.container, e.host, path);
      }),
    ),
  );

  const bound = new Map<string, string>();
  intent.hostBindings.forEach((b, i) => {
    const path = `$.HostBindings[${i}]`;
    if (b.container !== '' && !containers.has(b.container)) {
      problems.push({ path: `${path}.Container`, reason: `unknown container "${b.container}" (no endpoint names it)` });
    }
    const first = bound.get(b.container);
    if (first !== undefined) {
      problems.push({ path: `${path}.Container`, reason: `container "${b.container}" is bound twice (also ${first})` });
      return;
    }
    bound.set(b.container, path);
    if (b.host === '') return;
    if (closed && !hostNames.has(b.host)) problems.push({ path: `${path}.Host`, reason: unknownHost(b.host) });
    place(b.container, b.host, `${path}.Host`);
  });
}
