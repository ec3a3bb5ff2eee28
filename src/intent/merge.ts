/**
 * `-add-cfg`: merges a delta onto an intent. Objects are matched by name (tenants,
 * networks, hosts) or container (endpoints, bindings); unmatched ones are appended,
 * matched endpoints/hosts/bindings are replaced in place (same container on a new Host
 * is how an endpoint moves), matched tenants/networks take only the fields the delta
 * wrote. A tenant's groups and policies are matched by name and replaced whole (a
 * policy's rules are one list: merging rule by rule would guess at their order).
 * Pure: neither input is modified.
 */

import type { DeltaResult, IntentDelta } from './delta.js';
import { Origins } from './origins.js';
import type { Intent, NetworkIntent, TenantIntent } from './types.js';

/** Tenant fields a delta may override, with their classic spelling for paths. */
const TENANT_FIELDS = [
  ['subnetPool', 'SubnetPool'],
  ['allocSubnetLen', 'AllocSubnetLen'],
  ['vlans', 'Vlans'],
  ['vxlans', 'Vxlans'],
] as const;
/** Network fields a delta may override. */
const NETWORK_FIELDS = [
  ['pktTagType', 'PktTagType'],
  ['pktTag', 'PktTag'],
  ['subnetCIDR', 'SubnetCIDR'],
  ['defaultGw', 'DefaultGw'],
  ['gatewayMode', 'Gateway'],
  ['external', 'External'],
  ['multicast', 'Multicast'],
  ['multicastRouter', 'MulticastRouter'],
] as const;

/** Deep copy through JSON: intents hold only plain data. */
export function cloneIntent(i: Intent): Intent {
  return JSON.parse(JSON.stringify(i)) as Intent;
}

/** Replaces the element matching `same` in place, or appends; returns its index. */
function upsert<T>(arr: T[], item: T, same: (x: T) => boolean): number {
  const k = arr.findIndex(same);
  if (k >= 0) {
    arr[k] = item;
    return k;
  }
  return arr.push(item) - 1;
}

function mergeNetwork(n: NetworkIntent, d: NetworkIntent, mpath: string, dpath: string, origins: Origins): void {
  for (const [f, key] of NETWORK_FIELDS) {
    if (d[f] === undefined) continue;
    (n as unknown as Record<string, unknown>)[f] = d[f];
    origins.addField(`${mpath}.${key}`, `${dpath}.${key}`);
  }
  // QoS merges key by key too: a delta writing only Dscp keeps the network's Bandwidth.
  if (d.qos?.bandwidth) {
    n.qos = { ...n.qos, bandwidth: structuredClone(d.qos.bandwidth) };
    origins.addField(`${mpath}.Bandwidth`, `${dpath}.Bandwidth`);
  }
  if (d.qos?.dscp !== undefined) {
    n.qos = { ...n.qos, dscp: d.qos.dscp };
    origins.addField(`${mpath}.Dscp`, `${dpath}.Dscp`);
  }
  d.endpoints.forEach((e, k) => {
    const at = upsert(n.endpoints, structuredClone(e), (x) => x.container === e.container);
    origins.addObject(`${mpath}.Endpoints[${at}]`, `${dpath}.Endpoints[${k}]`);
  });
}

function mergeTenant(t: TenantIntent, d: TenantIntent, given: IntentDelta['tenants'][number], mpath: string, dpath: string, origins: Origins): void {
  if (given.defaultNetType) {
    t.defaultNetType = d.defaultNetType;
    origins.addField(`${mpath}.DefaultNetType`, `${dpath}.DefaultNetType`);
  }
  for (const [f, key] of TENANT_FIELDS) {
    if (d[f] === undefined) continue;
    (t as unknown as Record<string, unknown>)[f] = d[f];
    origins.addField(`${mpath}.${key}`, `${dpath}.${key}`);
  }
  (d.groups ?? []).forEach((g, j) => {
    const at = upsert((t.groups ??= []), structuredClone(g), (x) => x.name === g.name);
    origins.addObject(`${mpath}.Groups[${at}]`, `${dpath}.Groups[${j}]`);
  });
  (d.policies ?? []).forEach((p, j) => {
    const at = upsert((t.policies ??= []), structuredClone(p), (x) => x.name === p.name);
    origins.addObject(`${mpath}.Policies[${at}]`, `${dpath}.Policies[${j}]`);
  });
  d.networks.forEach((dn, j) => {
    const np = `${dpath}.Networks[${j}]`;
    const k = t.networks.findIndex((x) => x.name === dn.name);
    if (k < 0) {
      const at = t.networks.push(structuredClone(dn)) - 1;
      origins.addObject(`${mpath}.Networks[${at}]`, np);
    } else mergeNetwork(t.networks[k], dn, `${mpath}.Networks[${k}]`, np, origins);
  });
}

/** Merges `delta` onto `base` (see the file comment); never fails, validation comes after. */
export function mergeDelta(base: Intent, delta: IntentDelta): DeltaResult {
  const out = cloneIntent(base);
  const origins = new Origins();
  delta.intent.tenants.forEach((dt, i) => {
    const dpath = `$.Tenants[${i}]`;
    const k = out.tenants.findIndex((x) => x.name === dt.name);
    if (k < 0) {
      const at = out.tenants.push(structuredClone(dt)) - 1;
      origins.addObject(`$.Tenants[${at}]`, dpath);
    } else mergeTenant(out.tenants[k], dt, delta.tenants[i], `$.Tenants[${k}]`, dpath, origins);
  });
  delta.intent.hosts.forEach((h, i) => {
    const at = upsert(out.hosts, { ...h }, (x) => x.name === h.name);
    origins.addObject(`$.Hosts[${at}]`, `$.Hosts[${i}]`);
  });
  delta.intent.hostBindings.forEach((b, i) => {
    const at = upsert(out.hostBindings, { ...b }, (x) => x.container === b.container);
    origins.addObject(`$.HostBindings[${at}]`, `$.HostBindings[${i}]`);
  });
  return { ok: true, intent: out, origins };
}
