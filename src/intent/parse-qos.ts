/**
 * The QoS keys of a network, group or endpoint (`Bandwidth`, `Dscp`, a group's `Shared`):
 * read with the intent's key rules (case-insensitive, unknown keys refused) into numbers,
 * with every bad value reported at its own path (docs/qos.md). Values are checked here,
 * whole: no other check needs them, so nothing is left for validation.
 */

import type { JsonValue } from './json.js';
import { compact, pathKey, type Fields, type KeySpec, type Reader } from './parse-reader.js';
import { DSCP_MAX, DSCP_TRUST, limitProblem, rateLimit, readDscp, readRate } from './qos.js';
import type { Bandwidth, GroupQos, QosSettings, RateLimit } from './qos-types.js';

/** The QoS keys a network, group and endpoint accept. */
export const QOS_KEYS: readonly KeySpec[] = [
  { key: 'Bandwidth', kind: 'object' },
  { key: 'Dscp', kind: 'any' },
];
/** `Shared`: only a group's limit can be one for all its members. */
export const SHARED_KEY: KeySpec = { key: 'Shared', kind: 'bool' };

/** The keys of `Bandwidth`, each direction's rate and burst. */
const DIRECTIONS = [
  { dir: 'egress', rate: 'EgressRate', burst: 'EgressBurst' },
  { dir: 'ingress', rate: 'IngressRate', burst: 'IngressBurst' },
] as const;
const BANDWIDTH_KEYS: KeySpec[] = DIRECTIONS.flatMap((d): KeySpec[] => [
  { key: d.rate, kind: 'any' },
  { key: d.burst, kind: 'any' },
]);

/** Reads one rate or burst value, reporting a bad one at `where`. */
function readBits(r: Reader, v: JsonValue | undefined, where: string, what: 'rate' | 'burst'): number | undefined {
  if (v === undefined || v === '') return undefined;
  const read = readRate(v);
  const problem = read.ok ? limitProblem(read.bits, what) : read.reason;
  if (problem !== undefined) {
    r.add(where, problem);
    return undefined;
  }
  return read.ok ? read.bits : undefined;
}

/** One direction of `Bandwidth`; a burst without its rate is a problem (a burst is part of a limit). */
function readDirection(r: Reader, f: Fields, path: string, d: (typeof DIRECTIONS)[number]): RateLimit | undefined {
  const rateGiven = f.get(d.rate) !== undefined && f.get(d.rate) !== '';
  const burstGiven = f.get(d.burst) !== undefined && f.get(d.burst) !== '';
  if (burstGiven && !rateGiven) {
    r.add(pathKey(path, d.burst), `${d.burst} needs ${d.rate}: a burst belongs to a limit (write the rate, or leave the burst out)`);
    return undefined;
  }
  const rate = readBits(r, f.get(d.rate) as JsonValue | undefined, pathKey(path, d.rate), 'rate');
  const burst = readBits(r, f.get(d.burst) as JsonValue | undefined, pathKey(path, d.burst), 'burst');
  if (rate === undefined || (burstGiven && burst === undefined)) return undefined;
  return rateLimit(rate, burst);
}

/** Reads `Bandwidth` (already known to be an object); undefined when it sets no direction. */
function readBandwidth(r: Reader, v: JsonValue, path: string): Bandwidth | undefined {
  const f = r.fields(v, path, BANDWIDTH_KEYS);
  if (!f) return undefined;
  const out: Bandwidth = {};
  for (const d of DIRECTIONS) {
    const limit = readDirection(r, f, path, d);
    if (limit) out[d.dir] = limit;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The QoS settings of a network, group or endpoint whose fields `f` were read at `path`; undefined when none. */
export function readQos(r: Reader, f: Fields, path: string): QosSettings | undefined {
  const raw = f.get('Bandwidth');
  const bandwidth = raw === undefined ? undefined : readBandwidth(r, raw as JsonValue, pathKey(path, 'Bandwidth'));
  let dscp: QosSettings['dscp'];
  const d = f.get('Dscp');
  if (d !== undefined && d !== '') {
    dscp = readDscp(d);
    if (dscp === undefined) r.add(pathKey(path, 'Dscp'), `must be an integer 0-${DSCP_MAX} or "${DSCP_TRUST}" (got ${JSON.stringify(d)})`);
  }
  const out = compact<QosSettings>({ bandwidth, dscp });
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A group's QoS: its settings and `Shared`; undefined when it writes none of them. */
export function readGroupQos(r: Reader, f: Fields, path: string): GroupQos | undefined {
  const shared = f.get('Shared');
  const out: GroupQos = { ...readQos(r, f, path) };
  if (typeof shared === 'boolean') out.shared = shared;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Reports `Shared` written on a network or endpoint, where there is no group to share a limit among. */
export function refuseShared(r: Reader, f: Fields, path: string, what: 'network' | 'endpoint'): void {
  if (!f.has('Shared')) return;
  r.add(
    pathKey(path, 'Shared'),
    `Shared is a key of Groups only: ${what === 'network' ? 'a network' : 'an endpoint'}'s Bandwidth is already one limit per endpoint (to share a limit among endpoints, put them in a group with "Shared": true)`,
  );
}
