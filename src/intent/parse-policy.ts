/**
 * Shape of the policy keys of a tenant (`Groups`, `Policies`, their rules): keys, types
 * and enums, which peer key a rule wrote, and `Port` read into a range. Meaning (names
 * that resolve, ranges, CIDRs, conflicts) is validate-policy.ts's job.
 */

import type { JsonValue } from './json.js';
import { compact, num, pathKey, Reader, str, strings, type Fields, type KeySpec } from './parse-reader.js';
import { QOS_KEYS, readGroupQos, SHARED_KEY } from './parse-qos.js';
import type { GroupIntent, PolicyIntent, PortRange, RuleIntent, RulePeer } from './policy-types.js';

/** Accepted `Direction` values. */
export const RULE_DIRECTIONS = ['in', 'out'] as const;
/** Accepted `Action` values. */
export const RULE_ACTIONS = ['allow', 'deny'] as const;
/** Accepted `Protocol` values. */
export const RULE_PROTOCOLS = ['tcp', 'udp', 'icmp'] as const;

const GROUP_KEYS: KeySpec[] = [
  { key: 'Name', kind: 'string', required: true },
  { key: 'Policies', kind: 'array' },
  ...QOS_KEYS,
  SHARED_KEY,
];
const POLICY_KEYS: KeySpec[] = [
  { key: 'Name', kind: 'string', required: true },
  { key: 'Rules', kind: 'array' },
];

/** The peer keys, each with the direction it belongs to and the kind of peer it names. */
export const PEER_KEYS = [
  { key: 'From', direction: 'in', peer: 'group' },
  { key: 'To', direction: 'out', peer: 'group' },
  { key: 'FromNetwork', direction: 'in', peer: 'network' },
  { key: 'ToNetwork', direction: 'out', peer: 'network' },
  { key: 'FromIpAddress', direction: 'in', peer: 'cidr' },
  { key: 'ToIpAddress', direction: 'out', peer: 'cidr' },
] as const;

const RULE_KEYS: KeySpec[] = [
  { key: 'Priority', kind: 'int', required: true },
  { key: 'Direction', kind: 'enum', values: RULE_DIRECTIONS, required: true },
  { key: 'Action', kind: 'enum', values: RULE_ACTIONS, required: true },
  ...PEER_KEYS.map((p): KeySpec => ({ key: p.key, kind: 'string' })),
  { key: 'Protocol', kind: 'enum', values: RULE_PROTOCOLS },
  { key: 'Port', kind: 'port' },
  { key: 'Log', kind: 'bool' },
];

/** The classic key a rule's peer is written under, for paths and printing. */
export function peerKey(direction: RuleIntent['direction'], peer: RulePeer): string {
  const kind = 'group' in peer ? 'group' : 'network' in peer ? 'network' : 'cidr';
  return PEER_KEYS.find((p) => p.direction === direction && p.peer === kind)!.key;
}

/** The value a peer names (group, network or cidr). */
export function peerValue(peer: RulePeer): string {
  return 'group' in peer ? peer.group : 'network' in peer ? peer.network : peer.cidr;
}

/** Reads one `Groups[]` entry of a tenant. */
export function readGroup(r: Reader, v: JsonValue, path: string): GroupIntent | undefined {
  const f = r.fields(v, path, GROUP_KEYS);
  if (!f) return undefined;
  const qos = readGroupQos(r, f, path);
  return { name: str(f, 'Name') ?? '', policies: strings(r, f, 'Policies', path) ?? [], ...(qos ? { qos } : {}) };
}

/** Reads one `Policies[]` entry of a tenant. */
export function readPolicy(r: Reader, v: JsonValue, path: string): PolicyIntent | undefined {
  const f = r.fields(v, path, POLICY_KEYS);
  if (!f) return undefined;
  const raw = f.get('Rules');
  const rules = (Array.isArray(raw) ? raw : [])
    .map((x, i) => readRule(r, x, `${path}.Rules[${i}]`))
    .filter((x): x is RuleIntent => x !== undefined);
  return { name: str(f, 'Name') ?? '', rules };
}

const PORT_RANGE = /^(\d{1,5})(?:-(\d{1,5}))?$/;

/** `Port` as a range; bounds are checked by validation, so an out-of-range number still reads. */
function readPort(r: Reader, v: ReturnType<Fields['get']>, where: string): PortRange | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return { min: v, max: v };
  } else if (typeof v === 'string') {
    const m = PORT_RANGE.exec(v.trim());
    if (m) return { min: Number(m[1]), max: Number(m[2] ?? m[1]) };
  }
  r.add(where, `must be a port number or a range "low-high" (got ${JSON.stringify(v)})`);
  return undefined;
}

/** Reads one rule; a peer key that contradicts Direction, or a second peer key, is a shape problem. */
function readRule(r: Reader, v: JsonValue, path: string): RuleIntent | undefined {
  const f = r.fields(v, path, RULE_KEYS);
  if (!f) return undefined;
  const direction = str(f, 'Direction') as RuleIntent['direction'] | undefined;
  let peer: RulePeer | undefined;
  let peerFrom: string | undefined;
  for (const p of PEER_KEYS) {
    const value = str(f, p.key);
    if (value === undefined) continue;
    const where = pathKey(path, p.key);
    if (peerFrom !== undefined) {
      r.add(where, `a rule names at most one peer (it also has ${peerFrom})`);
      r.lossy.push(path);
      continue;
    }
    peerFrom = p.key;
    if (direction !== undefined && direction !== p.direction) {
      const other = PEER_KEYS.find((q) => q.peer === p.peer && q.direction === direction)!.key;
      r.add(where, `${p.key} names the peer of "${p.direction}" rules, and this rule's Direction is "${direction}" (use ${other})`);
      r.lossy.push(path);
    }
    // A bare address is the /32 holding it; anything else stays as written for validation to judge.
    const written = p.peer === 'cidr' && /^\d+\.\d+\.\d+\.\d+$/.test(value) ? `${value}/32` : value;
    peer = p.peer === 'group' ? { group: written } : p.peer === 'network' ? { network: written } : { cidr: written };
  }
  const before = r.problems.length;
  const ports = readPort(r, f.get('Port'), pathKey(path, 'Port'));
  if (r.problems.length > before) r.lossy.push(path);
  const log = f.get('Log');
  return compact<RuleIntent>({
    priority: num(f, 'Priority') ?? 0,
    direction: direction ?? 'in',
    action: (str(f, 'Action') as RuleIntent['action'] | undefined) ?? 'allow',
    peer,
    protocol: str(f, 'Protocol') as RuleIntent['protocol'] | undefined,
    ports,
    log: typeof log === 'boolean' ? log : undefined,
  });
}
