/**
 * The key-table reader the intent parser is built on: known keys matched
 * case-insensitively, value types checked, every problem collected with its JSON path.
 */

import type { JsonValue } from './json.js';
import type { Problem } from './types.js';

/** A JSON object. */
export type JsonObject = { [k: string]: JsonValue };

/**
 * How one key's value is read (`port`: a number or a `"low-high"` string, kept as written for
 * its reader; `object`: a JSON object for its own key table; `any`: any value but null, for a
 * reader that judges it itself, such as a rate or a DSCP value).
 */
type Kind = 'string' | 'int' | 'tagType' | 'enum' | 'array' | 'bool' | 'port' | 'object' | 'any';

/** One known key of an object, spelled as the classic format spells it. */
export interface KeySpec {
  key: string;
  kind: Kind;
  required?: boolean;
  /** For `enum`: the accepted values, spelled exactly (no case folding: they are a contract). */
  values?: readonly string[];
}

/** Appends `.Key` or `["odd key"]` to a JSON path. */
export function pathKey(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Whether `v` is a JSON object (not an array, not null). */
export function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Names the JSON type of `v` for a message ("an array", "a string", "null"). */
export function describe(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Values read from one object, by canonical key; a key is absent when missing, empty or wrong. */
export type Fields = Map<string, string | number | boolean | JsonValue[] | JsonObject>;

/** Reads objects against key tables, collecting every problem (exported for parse-policy.ts). */
export class Reader {
  readonly problems: Problem[] = [];
  /** Objects that lost a value (wrong type, missing, ambiguous): meaning checks under them are unreliable. */
  readonly lossy: string[] = [];
  /** Whether whole objects or arrays were dropped, which would shift the indexes in later paths. */
  dropped = false;
  constructor(private readonly rawKeys: WeakMap<object, string[]>) {}

  /** Records a problem the caller found in an object this reader already read. */
  add(path: string, reason: string): void {
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

  private value(v: JsonValue, where: string, spec: KeySpec): string | number | boolean | JsonValue[] | JsonObject | undefined {
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
      case 'bool':
        if (typeof v !== 'boolean') return this.wrong(where, 'must be true or false');
        return v;
      case 'port':
        if (typeof v === 'number' || (typeof v === 'string' && v !== '')) return v;
        if (v === '') return undefined;
        return this.wrong(where, 'must be a port number or a range "low-high"');
      case 'object':
        if (!isObject(v)) return this.wrong(where, 'must be an object');
        return v;
      case 'any':
        return v ?? undefined;
    }
  }

  private wrong(where: string, reason: string): undefined {
    this.add(where, reason);
    return undefined;
  }
}

/** The string value of `key`, if read. */
export function str(f: Fields, key: string): string | undefined {
  const v = f.get(key);
  return typeof v === 'string' ? v : undefined;
}

/** The number value of `key`, if read. */
export function num(f: Fields, key: string): number | undefined {
  const v = f.get(key);
  return typeof v === 'number' ? v : undefined;
}

/** The boolean value of `key`, if read. */
export function bool(f: Fields, key: string): boolean | undefined {
  const v = f.get(key);
  return typeof v === 'boolean' ? v : undefined;
}

/** The array value of `key`, empty if not read. */
export function arr(f: Fields, key: string): JsonValue[] {
  const v = f.get(key);
  return Array.isArray(v) ? v : [];
}

/**
 * The strings of array key `key` (undefined when not written), reporting each element
 * that is not a non-empty string at its own path.
 */
export function strings(r: Reader, f: Fields, key: string, path: string): string[] | undefined {
  const v = f.get(key);
  if (!Array.isArray(v)) return undefined;
  const out: string[] = [];
  v.forEach((x, i) => {
    if (typeof x === 'string' && x !== '') out.push(x);
    else {
      r.add(`${pathKey(path, key)}[${i}]`, 'must be a non-empty string');
      r.lossy.push(path);
    }
  });
  return out;
}

/** Drops undefined properties so parsed objects compare and print cleanly. */
export function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

