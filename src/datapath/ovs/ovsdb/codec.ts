/**
 * RFC 7047 §5.1 value notation <-> plain JS. Pure: no I/O.
 * Without the schema a set of one element and a bare atom look alike on the wire, so
 * decoders are chosen by the caller per column (decodeSet, decodeMap, decodeOptional...).
 */

/** A scalar OVSDB atom as JSON carries it (uuids are decoded to their string form). */
export type Atom = string | number | boolean;

/** The wire form of a uuid atom. */
export type WireUuid = ['uuid', string];

/** The wire form of a reference to a row inserted earlier in the same transaction. */
export type WireNamedUuid = ['named-uuid', string];

/** Any atom as it may be written to the wire. */
export type WireAtom = Atom | WireUuid | WireNamedUuid;

/** The wire form of a set. */
export type WireSet = ['set', WireAtom[]];

/** The wire form of a map. */
export type WireMap = ['map', [WireAtom, WireAtom][]];

/** A `<row>` object: column name to wire value. */
export type WireRow = Record<string, unknown>;

/** Builds a `["uuid", id]` atom. */
export function uuid(id: string): WireUuid {
  return ['uuid', id];
}

/** Builds a `["named-uuid", name]` atom; names must match [A-Za-z_][A-Za-z0-9_]*. */
export function namedUuid(name: string): WireNamedUuid {
  return ['named-uuid', name];
}

/** Encodes a list of atoms as a set (always the explicit `["set", ...]` form). */
export function encodeSet(items: readonly WireAtom[]): WireSet {
  return ['set', [...items]];
}

/** Encodes a string-keyed record as a map. */
export function encodeMap(rec: Readonly<Record<string, Atom>>): WireMap {
  return ['map', Object.entries(rec).map(([k, v]) => [k, v] as [WireAtom, WireAtom])];
}

/** Encodes an optional scalar (a set with min 0, max 1): undefined becomes the empty set. */
export function encodeOptional(v: WireAtom | undefined): WireAtom | WireSet {
  return v === undefined ? encodeSet([]) : v;
}

function isTagged(v: unknown, tag: string): v is [string, unknown] {
  return Array.isArray(v) && v.length === 2 && v[0] === tag;
}

/** Decodes one atom; `["uuid", x]` becomes the string x. */
export function decodeAtom(v: unknown): Atom {
  if (isTagged(v, 'uuid') || isTagged(v, 'named-uuid')) return String(v[1]);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw new TypeError(`not an OVSDB atom: ${JSON.stringify(v)}`);
}

/** Decodes a set column; a bare atom is a set of one element. */
export function decodeSet(v: unknown): Atom[] {
  if (isTagged(v, 'set')) {
    if (!Array.isArray(v[1])) throw new TypeError(`malformed OVSDB set: ${JSON.stringify(v)}`);
    return v[1].map(decodeAtom);
  }
  return [decodeAtom(v)];
}

/** Decodes an optional scalar column (set of 0..1 atoms) to the atom or undefined. */
export function decodeOptional(v: unknown): Atom | undefined {
  const s = decodeSet(v);
  return s.length === 0 ? undefined : s[0];
}

/** Decodes a map column to a record with stringified keys and values. */
export function decodeMap(v: unknown): Record<string, string> {
  if (!isTagged(v, 'map') || !Array.isArray(v[1])) {
    throw new TypeError(`not an OVSDB map: ${JSON.stringify(v)}`);
  }
  const out: Record<string, string> = {};
  for (const pair of v[1] as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError(`malformed OVSDB map pair: ${JSON.stringify(pair)}`);
    out[String(decodeAtom(pair[0]))] = String(decodeAtom(pair[1]));
  }
  return out;
}

/**
 * Decodes any value without schema knowledge: sets become arrays, maps records,
 * uuids strings, atoms themselves. Use the typed decoders when the column type is known.
 */
export function decodeValue(v: unknown): Atom | Atom[] | Record<string, string> {
  if (isTagged(v, 'set')) return decodeSet(v);
  if (isTagged(v, 'map')) return decodeMap(v);
  return decodeAtom(v);
}

/** Builds a `<condition>` triple for `where` clauses. */
export function cond(column: string, fn: '==' | '!=' | 'includes' | 'excludes' | '<' | '<=' | '>' | '>=', value: unknown): [string, string, unknown] {
  return [column, fn, value];
}
