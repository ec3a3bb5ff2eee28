/**
 * `-del-cfg`: removes from an intent what a delta names. A tenant without a `Networks`,
 * `Groups` or `Policies` key goes whole, a network without `Endpoints` goes whole, listed
 * endpoints, groups, policies, hosts and bindings go one by one (groups and policies by
 * name); every other key is ignored. Naming anything that does not
 * exist is a problem and nothing is removed. Bindings of containers left without any
 * endpoint are dropped too, since they would bind nothing. Pure.
 */

import type { DeltaResult, IntentDelta } from './delta.js';
import { cloneIntent } from './merge.js';
import { Origins } from './origins.js';
import type { Intent, Problem, TenantIntent } from './types.js';

function removeTenants(out: Intent, delta: IntentDelta, problems: Problem[]): void {
  delta.intent.tenants.forEach((dt, i) => {
    const tpath = `$.Tenants[${i}]`;
    const t = out.tenants.find((x) => x.name === dt.name);
    if (!t) {
      problems.push({ path: `${tpath}.Name`, reason: `no tenant "${dt.name}" in the stored intent` });
      return;
    }
    const given = delta.tenants[i];
    if (!given.networks && !given.groups && !given.policies) {
      out.tenants = out.tenants.filter((x) => x !== t);
      return;
    }
    removeNamed(t, 'groups', dt.groups ?? [], (j) => `${tpath}.Groups[${j}].Name`, 'group', problems);
    removeNamed(t, 'policies', dt.policies ?? [], (j) => `${tpath}.Policies[${j}].Name`, 'policy', problems);
    dt.networks.forEach((dn, j) => {
      const npath = `${tpath}.Networks[${j}]`;
      const n = t.networks.find((x) => x.name === dn.name);
      if (!n) {
        problems.push({ path: `${npath}.Name`, reason: `no network "${dn.name}" in tenant "${t.name}"` });
        return;
      }
      if (!given.endpoints[j]) {
        t.networks = t.networks.filter((x) => x !== n);
        return;
      }
      dn.endpoints.forEach((de, k) => {
        const before = n.endpoints.length;
        n.endpoints = n.endpoints.filter((x) => x.container !== de.container);
        if (n.endpoints.length === before) {
          problems.push({ path: `${npath}.Endpoints[${k}].Container`, reason: `no endpoint of container "${de.container}" in network "${t.name}/${n.name}"` });
        }
      });
    });
  });
}

/** Removes the groups or policies of `t` that `named` names; naming one it lacks is a problem. */
function removeNamed(
  t: TenantIntent,
  field: 'groups' | 'policies',
  named: { name: string }[],
  path: (j: number) => string,
  what: string,
  problems: Problem[],
): void {
  named.forEach((d, j) => {
    const kept = (t[field] ?? []).filter((x) => x.name !== d.name);
    if (kept.length === (t[field] ?? []).length) problems.push({ path: path(j), reason: `no ${what} "${d.name}" in tenant "${t.name}"` });
    else (t as unknown as Record<string, unknown>)[field] = kept;
  });
}

/** Removes what `delta` names from `base` (see the file comment). */
export function removeDelta(base: Intent, delta: IntentDelta): DeltaResult {
  const out = cloneIntent(base);
  const problems: Problem[] = [];
  removeTenants(out, delta, problems);
  delta.intent.hosts.forEach((h, i) => {
    const before = out.hosts.length;
    out.hosts = out.hosts.filter((x) => x.name !== h.name);
    if (out.hosts.length === before) problems.push({ path: `$.Hosts[${i}].Name`, reason: `no host "${h.name}" in the stored intent` });
  });
  delta.intent.hostBindings.forEach((b, i) => {
    const before = out.hostBindings.length;
    out.hostBindings = out.hostBindings.filter((x) => x.container !== b.container);
    if (out.hostBindings.length === before) {
      problems.push({ path: `$.HostBindings[${i}].Container`, reason: `no host binding of container "${b.container}" in the stored intent` });
    }
  });
  if (problems.length > 0) return { ok: false, problems };
  const containers = new Set(out.tenants.flatMap((t) => t.networks.flatMap((n) => n.endpoints.map((e) => e.container))));
  out.hostBindings = out.hostBindings.filter((b) => containers.has(b.container));
  return { ok: true, intent: out, origins: new Origins() };
}
