/**
 * Intent text → typed Intent. Checks shape (JSON syntax, known keys matched
 * case-insensitively, value types, required names, enum values) and reports every
 * problem at once; meaning (ranges, CIDRs, uniqueness) is validate.ts's job, but when
 * the shape is wrong the meaning problems that can still be trusted are added too.
 */

import { readJson, type JsonValue } from './json.js';
import { validateIntent } from './validate.js';
import { EXTERNAL_MODES, GATEWAY_MODES } from './routing.js';
import { MULTICAST_MODES } from './multicast.js';
import type { MulticastMode } from './multicast-types.js';
import { readGroup, readPolicy } from './parse-policy.js';
import { arr, bool, compact, describe, isObject, num, Reader, str, strings, type KeySpec } from './parse-reader.js';
import { QOS_KEYS, readQos, refuseShared, SHARED_KEY } from './parse-qos.js';
import type { GroupIntent, PolicyIntent } from './policy-types.js';
import type {
  EndpointIntent,
  ExternalMode,
  GatewayMode,
  HostBindingIntent,
  HostIntent,
  Intent,
  NetworkIntent,
  PktTagType,
  Problem,
  TenantIntent,
} from './types.js';

/** Outcome of parsing: the intent, or every problem found. */
export type ParseResult = { ok: true; intent: Intent } | { ok: false; problems: Problem[] };

const TENANT_KEYS: KeySpec[] = [
  { key: 'Name', kind: 'string', required: true },
  { key: 'DefaultNetType', kind: 'tagType' },
  { key: 'SubnetPool', kind: 'string' },
  { key: 'AllocSubnetLen', kind: 'int' },
  { key: 'Vlans', kind: 'string' },
  { key: 'Vxlans', kind: 'string' },
  { key: 'Networks', kind: 'array' },
  { key: 'Groups', kind: 'array' },
  { key: 'Policies', kind: 'array' },
];
const NETWORK_KEYS: KeySpec[] = [
  { key: 'Name', kind: 'string', required: true },
  { key: 'PktTagType', kind: 'tagType' },
  { key: 'PktTag', kind: 'int' },
  { key: 'SubnetCIDR', kind: 'string' },
  { key: 'DefaultGw', kind: 'string' },
  { key: 'Gateway', kind: 'enum', values: GATEWAY_MODES },
  { key: 'External', kind: 'enum', values: EXTERNAL_MODES },
  { key: 'Multicast', kind: 'enum', values: MULTICAST_MODES },
  { key: 'MulticastRouter', kind: 'bool' },
  ...QOS_KEYS,
  // Read only to refuse it with a reason better than "unknown key".
  SHARED_KEY,
  { key: 'Endpoints', kind: 'array' },
];
const ENDPOINT_KEYS: KeySpec[] = [
  { key: 'Container', kind: 'string', required: true },
  { key: 'Host', kind: 'string' },
  { key: 'IpAddress', kind: 'string' },
  { key: 'AttachUUID', kind: 'string' },
  { key: 'Groups', kind: 'array' },
  ...QOS_KEYS,
  SHARED_KEY,
];
const HOST_KEYS: KeySpec[] = [
  { key: 'Name', kind: 'string', required: true },
  { key: 'Intf', kind: 'string' },
  { key: 'VtepIp', kind: 'string' },
];
const BINDING_KEYS: KeySpec[] = [
  { key: 'Container', kind: 'string', required: true },
  { key: 'Host', kind: 'string', required: true },
];
/** In a delete delta only the container identifies a binding, so its Host may be left out. */
const BINDING_KEYS_LOOSE: KeySpec[] = [
  { key: 'Container', kind: 'string', required: true },
  { key: 'Host', kind: 'string' },
];
const TOP_KEYS: KeySpec[] = [
  { key: 'Tenants', kind: 'array' },
  { key: 'Hosts', kind: 'array' },
  { key: 'HostBindings', kind: 'array' },
];

function readEndpoint(r: Reader, v: JsonValue, path: string): EndpointIntent | undefined {
  const f = r.fields(v, path, ENDPOINT_KEYS);
  if (!f) return undefined;
  refuseShared(r, f, path, 'endpoint');
  return compact({
    container: str(f, 'Container') ?? '',
    host: str(f, 'Host'),
    ipAddress: str(f, 'IpAddress'),
    attachUUID: str(f, 'AttachUUID'),
    groups: strings(r, f, 'Groups', path),
    qos: readQos(r, f, path),
  });
}

function readNetwork(r: Reader, v: JsonValue, path: string): NetworkIntent | undefined {
  const f = r.fields(v, path, NETWORK_KEYS);
  if (!f) return undefined;
  refuseShared(r, f, path, 'network');
  const endpoints = arr(f, 'Endpoints')
    .map((e, i) => readEndpoint(r, e, `${path}.Endpoints[${i}]`))
    .filter((e): e is EndpointIntent => e !== undefined);
  return compact({
    name: str(f, 'Name') ?? '',
    pktTagType: str(f, 'PktTagType') as PktTagType | undefined,
    pktTag: num(f, 'PktTag'),
    subnetCIDR: str(f, 'SubnetCIDR'),
    defaultGw: str(f, 'DefaultGw'),
    gatewayMode: str(f, 'Gateway') as GatewayMode | undefined,
    external: str(f, 'External') as ExternalMode | undefined,
    multicast: str(f, 'Multicast') as MulticastMode | undefined,
    multicastRouter: bool(f, 'MulticastRouter'),
    qos: readQos(r, f, path),
    endpoints,
  });
}

function readTenant(r: Reader, v: JsonValue, path: string): TenantIntent | undefined {
  const f = r.fields(v, path, TENANT_KEYS);
  if (!f) return undefined;
  const networks = arr(f, 'Networks')
    .map((n, i) => readNetwork(r, n, `${path}.Networks[${i}]`))
    .filter((n): n is NetworkIntent => n !== undefined);
  return compact({
    name: str(f, 'Name') ?? '',
    defaultNetType: (str(f, 'DefaultNetType') as PktTagType | undefined) ?? 'vlan',
    subnetPool: str(f, 'SubnetPool'),
    allocSubnetLen: num(f, 'AllocSubnetLen'),
    vlans: str(f, 'Vlans'),
    vxlans: str(f, 'Vxlans'),
    networks,
    groups: f.has('Groups') ? arr(f, 'Groups').map((g, i) => readGroup(r, g, `${path}.Groups[${i}]`)).filter((g): g is GroupIntent => g !== undefined) : undefined,
    policies: f.has('Policies') ? arr(f, 'Policies').map((p, i) => readPolicy(r, p, `${path}.Policies[${i}]`)).filter((p): p is PolicyIntent => p !== undefined) : undefined,
  });
}

/** How parseIntentValue reads a document that is a delta rather than a whole intent. */
export interface ParseOptions {
  /** Add meaning (validation) problems to shape problems; off for deltas, whose meaning only exists once merged. */
  meaning?: boolean;
  /** Let HostBindings entries leave out Host (a delete delta names bindings by container). */
  bindingHostOptional?: boolean;
}

/** Parses an already-read JSON value; used by parseIntent and by callers holding a decoded body. */
export function parseIntentValue(value: JsonValue, rawKeys = new WeakMap<object, string[]>(), opts: ParseOptions = {}): ParseResult {
  const r = new Reader(rawKeys);
  // The field to change is Tenants whatever the top level holds instead of an object.
  if (!isObject(value)) return { ok: false, problems: [{ path: '$.Tenants', reason: `the intent must be a JSON object with a "Tenants" array, not ${describe(value)}` }] };
  const top = r.fields(value, '$', TOP_KEYS);
  if (!top) return { ok: false, problems: r.problems };
  // A whole intent replaces everything, so one without Tenants (a delta sent as -cfg, an
  // empty object) would delete every tenant; removing them all must be written out.
  if (opts.meaning !== false && !Object.keys(value).some((k) => k.toLowerCase() === 'tenants')) {
    r.problems.push({ path: '$.Tenants', reason: 'required: a whole intent must list its "Tenants" ("Tenants": [] removes every tenant)' });
  }
  const tenants = arr(top, 'Tenants')
    .map((t, i) => readTenant(r, t, `$.Tenants[${i}]`))
    .filter((t): t is TenantIntent => t !== undefined);
  const hosts = arr(top, 'Hosts')
    .map((h, i) => {
      const f = r.fields(h, `$.Hosts[${i}]`, HOST_KEYS);
      return f && compact<HostIntent>({ name: str(f, 'Name') ?? '', intf: str(f, 'Intf'), vtepIp: str(f, 'VtepIp') });
    })
    .filter((h): h is HostIntent => h !== undefined);
  const hostBindings = arr(top, 'HostBindings')
    .map((b, i) => {
      const f = r.fields(b, `$.HostBindings[${i}]`, opts.bindingHostOptional ? BINDING_KEYS_LOOSE : BINDING_KEYS);
      return f && { container: str(f, 'Container') ?? '', host: str(f, 'Host') ?? '' };
    })
    .filter((b): b is HostBindingIntent => b !== undefined);
  const intent: Intent = { tenants, hosts, hostBindings };
  if (r.problems.length === 0) return { ok: true, intent };
  // Report meaning problems too, so one round trip shows the operator everything; only
  // where the shape lost nothing they depend on (no shifted indexes, no guessed values).
  if (!r.dropped && opts.meaning !== false) {
    const under = (p: string, o: string): boolean => p === o || p.startsWith(`${o}.`) || p.startsWith(`${o}[`);
    const trusted = (p: string): boolean => !r.lossy.some((o) => under(p, o));
    for (const m of validateIntent(intent)) {
      const cited = m.reason.match(/\$[^\s)"]*/g) ?? [];
      if (trusted(m.path) && cited.every(trusted)) r.problems.push(m);
    }
  }
  return { ok: false, problems: r.problems };
}

/** Parses intent JSON text, reporting every shape problem with its JSON path. */
export function parseIntent(text: string): ParseResult {
  const doc = readJson(text);
  if (!doc.ok) {
    return {
      ok: false,
      problems: [{ path: '$', reason: `invalid JSON at line ${doc.line} column ${doc.column} (offset ${doc.offset}): ${doc.reason}` }],
    };
  }
  return parseIntentValue(doc.value, doc.rawKeys);
}
