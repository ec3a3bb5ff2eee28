/**
 * Intent text → typed Intent. Checks shape (JSON syntax, known keys matched
 * case-insensitively, value types, required names, enum values) and reports every
 * problem at once; meaning (ranges, CIDRs, uniqueness) is validate.ts's job, but when
 * the shape is wrong the meaning problems that can still be trusted are added too.
 */

import { readJson, type JsonValue } from './json.js';
import { validateIntent } from './validate.js';
import { EXTERNAL_MODES, GATEWAY_MODES } from './routing.js';
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

type JsonObject = { [k: string]: JsonValue };

/** How one key's value is read. */
type Kind = 'string' | 'int' | 'tagType' | 'enum' | 'array';

/** One known key of an object, spelled as the classic format spells it. */
interface KeySpec {
  key: string;
  kind: Kind;
  required?: boolean;
  /** For `enum`: the accepted values, spelled exactly (no case folding: they are a contract). */
  values?: readonly string[];
}

const TENANT_KEYS: KeySpec[] = [
  { key: 'Name', kind: 'string', required: true },
  { key: 'DefaultNetType', kind: 'tagType' },
  { key: 'SubnetPool', kind: 'string' },
  { key: 'AllocSubnetLen', kind: 'int' },
  { key: 'Vlans', kind: 'string' },
  { key: 'Vxlans', kind: 'string' },
  { key: 'Networks', kind: 'array' },
];
const NETWORK_KEYS: KeySpec[] = [
  { key: 'Name', kind: 'string', required: true },
  { key: 'PktTagType', kind: 'tagType' },
  { key: 'PktTag', kind: 'int' },
  { key: 'SubnetCIDR', kind: 'string' },
  { key: 'DefaultGw', kind: 'string' },
  { key: 'Gateway', kind: 'enum', values: GATEWAY_MODES },
  { key: 'External', kind: 'enum', values: EXTERNAL_MODES },
  { key: 'Endpoints', kind: 'array' },
];
const ENDPOINT_KEYS: KeySpec[] = [
  { key: 'Container', kind: 'string', required: true },
  { key: 'Host', kind: 'string' },
  { key: 'IpAddress', kind: 'string' },
  { key: 'AttachUUID', kind: 'string' },
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

/** Appends `.Key` or `["odd key"]` to a JSON path. */
export function pathKey(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Names the JSON type of `v` for a message ("an array", "a string", "null"). */
function describe(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Values read from one object, by canonical key; a key is absent when missing, empty or wrong. */
type Fields = Map<string, string | number | JsonValue[]>;

class Reader {
  readonly problems: Problem[] = [];
  /** Objects that lost a value (wrong type, missing, ambiguous): meaning checks under them are unreliable. */
  readonly lossy: string[] = [];
  /** Whether whole objects or arrays were dropped, which would shift the indexes in later paths. */
  dropped = false;
  constructor(private readonly rawKeys: WeakMap<object, string[]>) {}

  private add(path: string, reason: string): void {
    this.problems.push({ path, reason });
  }

  /** Reads the known keys of `obj`, reporting unknown, duplicate, mistyped and missing ones. */
  fields(obj: JsonValue, path: string, specs: KeySpec[]): Fields | undefined {
    if (!isObject(obj)) {
      this.add(path, 'must be an object');
      this.dropped = true;
      return undefined;
    }
    const byLower = new Map(specs.map((s) => [s.key.toLowerCase(), s]));
    const seen = new Map<string, string>();
    const out: Fields = new Map();
    for (const raw of this.rawKeys.get(obj) ?? Object.keys(obj)) {
      const spec = byLower.get(raw.toLowerCase());
      if (!spec) {
        this.add(pathKey(path, raw), 'unknown key');
        continue;
      }
      const where = pathKey(path, spec.key);
      const earlier = seen.get(spec.key);
      if (earlier !== undefined) {
        this.add(where, earlier === raw ? 'duplicate key' : `duplicate key (written both as "${earlier}" and "${raw}")`);
        this.lossy.push(path);
        continue;
      }
      seen.set(spec.key, raw);
      const before = this.problems.length;
      const value = this.value(obj[raw], where, spec);
      if (this.problems.length > before) {
        this.lossy.push(path);
        if (spec.kind === 'array') this.dropped = true;
      }
      if (value !== undefined) out.set(spec.key, value);
    }
    for (const spec of specs) {
      if (spec.required && !seen.has(spec.key)) {
        this.add(pathKey(path, spec.key), 'required');
        this.lossy.push(path);
      }
    }
    return out;
  }

  private value(v: JsonValue, where: string, spec: KeySpec): string | number | JsonValue[] | undefined {
    // null means "not set" for optional keys, as generated intents often write it.
    if (v === null && !spec.required) return undefined;
    switch (spec.kind) {
      case 'string':
        if (typeof v !== 'string') return this.wrong(where, 'must be a string');
        if (v === '') return spec.required ? this.wrong(where, 'must not be empty') : undefined;
        return v;
      case 'int':
        if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
        if (typeof v === 'string' && /^\d{1,15}$/.test(v.trim())) return Number(v.trim());
        if (v === '') return undefined;
        return this.wrong(where, 'must be an integer (a number or a numeric string)');
      case 'tagType': {
        const t = typeof v === 'string' ? v.toLowerCase() : undefined;
        if (t === 'vlan' || t === 'vxlan') return t;
        if (v === '') return undefined;
        return this.wrong(where, `must be "vlan" or "vxlan" (got ${JSON.stringify(v)})`);
      }
      case 'enum': {
        const values = spec.values ?? [];
        if (typeof v === 'string' && values.includes(v)) return v;
        if (v === '') return undefined;
        return this.wrong(where, `must be ${values.map((x) => JSON.stringify(x)).join(' or ')} (got ${JSON.stringify(v)})`);
      }
      case 'array':
        if (!Array.isArray(v)) return this.wrong(where, 'must be an array');
        return v;
    }
  }

  private wrong(where: string, reason: string): undefined {
    this.add(where, reason);
    return undefined;
  }
}

function str(f: Fields, key: string): string | undefined {
  const v = f.get(key);
  return typeof v === 'string' ? v : undefined;
}

function num(f: Fields, key: string): number | undefined {
  const v = f.get(key);
  return typeof v === 'number' ? v : undefined;
}

function arr(f: Fields, key: string): JsonValue[] {
  const v = f.get(key);
  return Array.isArray(v) ? v : [];
}

/** Drops undefined properties so parsed objects compare and print cleanly. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function readEndpoint(r: Reader, v: JsonValue, path: string): EndpointIntent | undefined {
  const f = r.fields(v, path, ENDPOINT_KEYS);
  if (!f) return undefined;
  return compact({
    container: str(f, 'Container') ?? '',
    host: str(f, 'Host'),
    ipAddress: str(f, 'IpAddress'),
    attachUUID: str(f, 'AttachUUID'),
  });
}

function readNetwork(r: Reader, v: JsonValue, path: string): NetworkIntent | undefined {
  const f = r.fields(v, path, NETWORK_KEYS);
  if (!f) return undefined;
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
