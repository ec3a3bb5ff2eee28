/**
 * Delta documents (`netdcli -add-cfg` / `-del-cfg`): the classic intent format, read
 * with the same shape rules, plus which keys were actually written. A delta only means
 * something once merged onto the stored intent, so no meaning checks run here except
 * that a delta must not name the same object twice.
 */

import { readJson, type JsonValue } from './json.js';
import { parseIntentValue } from './parse.js';
import type { Origins } from './origins.js';
import type { Intent, Problem } from './types.js';

/** Which of a delta tenant's keys were written (the parser fills in defaults and empty arrays). */
export interface TenantPresence {
  defaultNetType: boolean;
  networks: boolean;
  /** Whether it wrote `Groups` / `Policies` (a delete delta then removes those by name, not the tenant). */
  groups: boolean;
  policies: boolean;
  /** Per network of the tenant: whether it wrote `Endpoints`. */
  endpoints: boolean[];
}

/** A parsed delta: the objects it names, and which keys each tenant and network wrote. */
export interface IntentDelta {
  intent: Intent;
  /** Parallel to `intent.tenants`. */
  tenants: TenantPresence[];
}

/** What a delta does to the stored intent. */
export type DeltaKind = 'add' | 'delete';

/** Outcome of parsing a delta. */
export type DeltaParseResult = { ok: true; delta: IntentDelta } | { ok: false; problems: Problem[] };

/** Outcome of applying a delta to an intent: the new intent and where its objects came from, or why not. */
export type DeltaResult = { ok: true; intent: Intent; origins: Origins } | { ok: false; problems: Problem[] };

type JsonObject = { [k: string]: JsonValue };

/** The value of `key` in `o` matched case-insensitively, when written and not null / "". */
function given(o: JsonValue | undefined, key: string): JsonValue | undefined {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
  const k = Object.keys(o).find((x) => x.toLowerCase() === key.toLowerCase());
  const v = k === undefined ? undefined : (o as JsonObject)[k];
  return v === null || v === '' ? undefined : v;
}

function list(o: JsonValue | undefined, key: string): JsonValue[] {
  const v = given(o, key);
  return Array.isArray(v) ? v : [];
}

/** Reports names written twice in one delta, where "which one wins" would be a guess. */
function checkTwice(names: string[], path: (i: number) => string, what: string, problems: Problem[]): void {
  const first = new Map<string, number>();
  names.forEach((n, i) => {
    const j = first.get(n);
    if (j === undefined) first.set(n, i);
    else problems.push({ path: path(i), reason: `${what} "${n}" appears twice in this delta (also ${path(j).replace(/\.(Name|Container)$/, '')})` });
  });
}

/** Reads a delta document; `kind` decides whether a HostBindings entry needs its Host. */
export function parseDelta(text: string, kind: DeltaKind): DeltaParseResult {
  const doc = readJson(text);
  if (!doc.ok) {
    return { ok: false, problems: [{ path: '$', reason: `invalid JSON at line ${doc.line} column ${doc.column} (offset ${doc.offset}): ${doc.reason}` }] };
  }
  const parsed = parseIntentValue(doc.value, doc.rawKeys, { meaning: false, bindingHostOptional: kind === 'delete' });
  if (!parsed.ok) return parsed;
  // Shape was clean, so the parsed arrays line up index for index with the raw ones.
  const rawTenants = list(doc.value, 'Tenants');
  const tenants = parsed.intent.tenants.map((_, i): TenantPresence => {
    const raw = rawTenants[i];
    return {
      defaultNetType: given(raw, 'DefaultNetType') !== undefined,
      networks: given(raw, 'Networks') !== undefined,
      groups: given(raw, 'Groups') !== undefined,
      policies: given(raw, 'Policies') !== undefined,
      endpoints: list(raw, 'Networks').map((n) => given(n, 'Endpoints') !== undefined),
    };
  });
  const problems: Problem[] = [];
  const { intent } = parsed;
  checkTwice(intent.tenants.map((t) => t.name), (i) => `$.Tenants[${i}].Name`, 'tenant', problems);
  intent.tenants.forEach((t, i) => {
    checkTwice(t.networks.map((n) => n.name), (j) => `$.Tenants[${i}].Networks[${j}].Name`, 'network', problems);
    checkTwice((t.groups ?? []).map((g) => g.name), (j) => `$.Tenants[${i}].Groups[${j}].Name`, 'group', problems);
    checkTwice((t.policies ?? []).map((p) => p.name), (j) => `$.Tenants[${i}].Policies[${j}].Name`, 'policy', problems);
    t.networks.forEach((n, j) =>
      checkTwice(n.endpoints.map((e) => e.container), (k) => `$.Tenants[${i}].Networks[${j}].Endpoints[${k}].Container`, 'container', problems),
    );
  });
  checkTwice(intent.hosts.map((h) => h.name), (i) => `$.Hosts[${i}].Name`, 'host', problems);
  checkTwice(intent.hostBindings.map((b) => b.container), (i) => `$.HostBindings[${i}].Container`, 'binding of container', problems);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, delta: { intent, tenants } };
}
