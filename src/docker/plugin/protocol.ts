/**
 * The wire format of Docker's remote plugin protocols (libnetwork remote.md and ipam.md):
 * request decoding with field-naming errors, and the `{"Err": ...}` error body. Pure: no I/O.
 */
import { NetpluginError } from '../../common/errors.js';

/** Content type of every answer (Docker's plugin client sends no Content-Type of its own). */
export const PLUGIN_CONTENT_TYPE = 'application/vnd.docker.plugins.v1.2+json';

/** A decoded request body. */
export type Body = Record<string, unknown>;

/** `Options` key under which Docker passes `docker network create -o k=v` to the network driver. */
export const GENERIC_OPTIONS = 'com.docker.network.generic';

/** `Options.RequestAddressType` value of the gateway request in IpamDriver.RequestAddress. */
export const GATEWAY_REQUEST = 'com.docker.network.gateway';

/** One element of CreateNetwork's IPv4Data (addresses carry a prefix length: "10.1.0.1/24"). */
export interface IpamData {
  addressSpace: string;
  pool: string;
  gateway?: string;
  auxAddresses: Record<string, string>;
}

/** Size limits of request fields (bytes for strings, entries for maps and lists). */
export const PLUGIN_LIMITS = {
  string: 4096,
  /** Docker object ids are 64 hex characters; room for other spellings, none for a flood. */
  id: 128,
  /** PATH_MAX - 1: the longest path open(2) takes. */
  path: 4095,
  mapEntries: 256,
  list: 64,
} as const;

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** A request Docker should not have sent: `malformed` makes the server answer HTTP 400. */
function bad(method: string, field: string, why: string): NetpluginError {
  return new NetpluginError('NP_DOCKER_PLUGIN', `${method}: ${field} ${why}`, { method, field, malformed: true });
}

/** True for errors that mean the request itself was malformed. */
export function isMalformed(err: unknown): boolean {
  return err instanceof NetpluginError && err.details?.malformed === true;
}

/** Parses a request body: empty means `{}` (Plugin.Activate and GetCapabilities have none); anything but an object is refused. */
export function parseBody(method: string, text: string): Body {
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new NetpluginError('NP_DOCKER_PLUGIN', `${method}: the body is not JSON (${(e as Error).message})`, { method, malformed: true });
  }
  // Docker sends `null` for methods without arguments on some paths.
  if (v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new NetpluginError('NP_DOCKER_PLUGIN', `${method}: the body must be a JSON object`, { method, malformed: true });
  return v as Body;
}

function sized(method: string, field: string, v: string, max: number): string {
  if (Buffer.byteLength(v) > max) throw bad(method, field, `must be at most ${max} bytes (got ${Buffer.byteLength(v)})`);
  return v;
}

/** A required non-empty string field of at most `max` bytes. */
export function reqString(method: string, body: Body, field: string, max: number = PLUGIN_LIMITS.string): string {
  const v = body[field];
  if (typeof v !== 'string' || v === '') throw bad(method, field, 'is required (a non-empty string)');
  return sized(method, field, v, max);
}

/** An optional string field of at most `max` bytes ('' when absent or null). */
export function optString(method: string, body: Body, field: string, max: number = PLUGIN_LIMITS.string): string {
  const v = body[field];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw bad(method, field, 'must be a string');
  return sized(method, field, v, max);
}

/** A required Docker object id (NetworkID, EndpointID): letters, digits, '_', '.', '-'; at most 128 bytes. */
export function reqId(method: string, body: Body, field: string): string {
  const v = reqString(method, body, field, PLUGIN_LIMITS.id);
  if (!ID_RE.test(v)) throw bad(method, field, `must be a Docker id (letters, digits, '_', '.', '-'), not ${JSON.stringify(v.slice(0, 80))}`);
  return v;
}

/** A required absolute path (SandboxKey) of at most PATH_MAX - 1 bytes, without NUL. */
export function reqPath(method: string, body: Body, field: string): string {
  const v = reqString(method, body, field, PLUGIN_LIMITS.path);
  if (!v.startsWith('/') || v.includes('\0')) throw bad(method, field, 'must be an absolute path');
  return v;
}

/** An optional map of strings (Docker sends `null` for an empty one); non-string values are refused. */
export function optStringMap(method: string, body: Body, field: string): Record<string, string> {
  const v = body[field];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(method, field, 'must be an object of strings');
  const entries = Object.entries(v);
  if (entries.length > PLUGIN_LIMITS.mapEntries) throw bad(method, field, `must have at most ${PLUGIN_LIMITS.mapEntries} entries (got ${entries.length})`);
  const out: Record<string, string> = {};
  for (const [k, x] of entries) {
    sized(method, `${field} (a key)`, k, PLUGIN_LIMITS.string);
    if (typeof x !== 'string') throw bad(method, `${field}.${k}`, 'must be a string');
    out[k] = sized(method, `${field}.${k}`, x, PLUGIN_LIMITS.string);
  }
  return out;
}

/** An optional object whose values are left as they are. */
export function optObject(method: string, body: Body, field: string): Body {
  const v = body[field];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(method, field, 'must be an object');
  return v as Body;
}

/** The `-o k=v` driver options of a CreateNetwork request (values stringified, as the CLI only sends strings). */
export function genericOptions(method: string, body: Body): Record<string, string> {
  const opts = optObject(method, body, 'Options');
  const g = opts[GENERIC_OPTIONS];
  if (g === undefined || g === null) return {};
  const where = `Options["${GENERIC_OPTIONS}"]`;
  if (typeof g !== 'object' || Array.isArray(g)) throw bad(method, where, 'must be an object');
  const entries = Object.entries(g);
  if (entries.length > PLUGIN_LIMITS.mapEntries) throw bad(method, where, `must have at most ${PLUGIN_LIMITS.mapEntries} entries (got ${entries.length})`);
  const out: Record<string, string> = {};
  for (const [k, x] of entries) {
    sized(method, `${where} (a key)`, k, PLUGIN_LIMITS.string);
    out[k] = sized(method, `${where}.${k}`, typeof x === 'string' ? x : JSON.stringify(x) ?? 'null', PLUGIN_LIMITS.string);
  }
  return out;
}

/** CreateNetwork's IPv4Data (or IPv6Data) list. */
export function ipamDataList(method: string, body: Body, field: 'IPv4Data' | 'IPv6Data'): IpamData[] {
  const v = body[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(method, field, 'must be a list');
  if (v.length > PLUGIN_LIMITS.list) throw bad(method, field, `must have at most ${PLUGIN_LIMITS.list} entries (got ${v.length})`);
  return v.map((d, i) => {
    if (!d || typeof d !== 'object' || Array.isArray(d)) throw bad(method, `${field}[${i}]`, 'must be an object');
    const item = d as Body;
    const pool = reqString(method, item, 'Pool');
    const out: IpamData = {
      addressSpace: optString(method, item, 'AddressSpace'),
      pool,
      auxAddresses: optStringMap(method, item, 'AuxAddresses'),
    };
    const gw = optString(method, item, 'Gateway');
    if (gw) out.gateway = gw;
    return out;
  });
}

/**
 * The answer body of a failed request, carrying our message and the stable code
 * ("... [NP_CODE]"), which Docker shows to the user. The network driver protocol names the
 * field `Err`, the IPAM protocol `Error` (libnetwork's ipams/remote/api): both are sent, as
 * each side ignores the other's.
 */
export function errorBody(err: unknown): { Err: string; Error: string } {
  // A failure without a code of ours is a bug: it is reported as NP_INTERNAL, never as some other code.
  const text = err instanceof NetpluginError ? `${err.message} [${err.code}]` : `${err instanceof Error ? err.message : String(err)} [NP_INTERNAL]`;
  return { Err: text, Error: text };
}

/** Splits "a.b.c.d/len" into address and prefix length; a bare address gives `len` undefined. */
export function splitAddress(method: string, field: string, text: string): { ip: string; prefixLen?: number } {
  const slash = text.indexOf('/');
  if (slash < 0) return { ip: text };
  const len = Number(text.slice(slash + 1));
  if (!/^\d{1,2}$/.test(text.slice(slash + 1)) || len > 32) throw bad(method, field, `has a bad prefix length ("${text}")`);
  return { ip: text.slice(0, slash), prefixLen: len };
}
