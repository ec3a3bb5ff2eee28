/**
 * Meaning checks on a tenant's policy keys: names unique and resolvable within the
 * tenant, priorities, ports and CIDRs in range, and no two rules of equal Priority that
 * could match the same packet with different Actions (which one wins would be a guess).
 */

import { cidrOverlap, parseCidr, type Cidr } from '../alloc/ip.js';
import { checkName } from './names.js';
import { peerKey } from './parse-policy.js';
import type { PortRange, RuleIntent, RulePeer } from './policy-types.js';
import type { NetworkFacts } from './validate-addresses.js';
import type { Problem, TenantIntent } from './types.js';

/** Lowest and highest accepted rule `Priority`. */
export const PRIORITY_MIN = 1;
export const PRIORITY_MAX = 10000;
/** Lowest and highest accepted `Port`. */
export const PORT_MIN = 1;
export const PORT_MAX = 65535;

/** What the rule checks need to know about the tenant beyond its policy keys. */
export interface PolicyContext {
  /** Where the tenant is (`$.Tenants[i]`). */
  path: string;
  /** Per network of the tenant (parallel to `networks`): its facts, for subnets written out. */
  networks: NetworkFacts[];
  /** The tenant's SubnetPool, which bounds the subnet of every network that has none written. */
  pool?: Cidr;
  /** Group name → tenants that have it, over the whole intent (to say where a foreign name lives). */
  groupOwners: Map<string, string[]>;
}

/** One rule with where it is and the groups it applies to. */
interface PlacedRule {
  rule: RuleIntent;
  path: string;
  appliesTo: Set<string>;
}

/** Reports every problem with tenant `t`'s Groups, Policies and endpoint Groups. */
export function checkPolicies(t: TenantIntent, ctx: PolicyContext, problems: Problem[]): void {
  const groups = uniqueNames((t.groups ?? []).map((g) => g.name), (i) => `${ctx.path}.Groups[${i}].Name`, 'group', t.name, problems);
  const policies = uniqueNames((t.policies ?? []).map((p) => p.name), (i) => `${ctx.path}.Policies[${i}].Name`, 'policy', t.name, problems);
  const unknownGroup = (name: string): string => {
    const owners = (ctx.groupOwners.get(name) ?? []).filter((o) => o !== t.name);
    const elsewhere = owners.length > 0 ? ` (it is a group of tenant "${owners[0]}"; groups are per tenant)` : '';
    return `unknown group "${name}": not a group of tenant "${t.name}"${elsewhere}`;
  };
  (t.groups ?? []).forEach((g, i) =>
    g.policies.forEach((p, k) => {
      if (!policies.has(p)) problems.push({ path: `${ctx.path}.Groups[${i}].Policies[${k}]`, reason: `unknown policy "${p}": not a policy of tenant "${t.name}"` });
    }),
  );
  t.networks.forEach((n, j) =>
    n.endpoints.forEach((e, k) =>
      (e.groups ?? []).forEach((g, m) => {
        if (!groups.has(g)) problems.push({ path: `${ctx.path}.Networks[${j}].Endpoints[${k}].Groups[${m}]`, reason: unknownGroup(g) });
      }),
    ),
  );
  const listedBy = new Map<string, Set<string>>();
  for (const g of t.groups ?? []) for (const p of g.policies) (listedBy.get(p) ?? listedBy.set(p, new Set()).get(p)!).add(g.name);
  const placed: PlacedRule[] = [];
  (t.policies ?? []).forEach((p, i) =>
    p.rules.forEach((rule, k) => {
      const path = `${ctx.path}.Policies[${i}].Rules[${k}]`;
      const before = problems.length;
      checkRule(t, rule, path, groups, unknownGroup, problems);
      if (problems.length === before) placed.push({ rule, path, appliesTo: listedBy.get(p.name) ?? new Set() });
    }),
  );
  checkConflicts(t, placed, ctx, problems);
}

/** The set of names, reporting bad and duplicate ones at the later occurrence. */
function uniqueNames(names: string[], path: (i: number) => string, what: string, tenant: string, problems: Problem[]): Set<string> {
  const first = new Map<string, number>();
  names.forEach((n, i) => {
    checkName(n, path(i), problems);
    const j = first.get(n);
    if (j === undefined) first.set(n, i);
    else problems.push({ path: path(i), reason: `duplicate ${what} name "${n}" in tenant "${tenant}" (also ${path(j).replace(/\.Name$/, '')})` });
  });
  return new Set(first.keys());
}

function checkRule(
  t: TenantIntent,
  rule: RuleIntent,
  path: string,
  groups: Set<string>,
  unknownGroup: (name: string) => string,
  problems: Problem[],
): void {
  if (rule.priority < PRIORITY_MIN || rule.priority > PRIORITY_MAX) {
    problems.push({ path: `${path}.Priority`, reason: `Priority ${rule.priority} outside ${PRIORITY_MIN}-${PRIORITY_MAX}` });
  }
  if (rule.peer) {
    const where = `${path}.${peerKey(rule.direction, rule.peer)}`;
    if ('group' in rule.peer && !groups.has(rule.peer.group)) problems.push({ path: where, reason: unknownGroup(rule.peer.group) });
    const network = 'network' in rule.peer ? rule.peer.network : undefined;
    if (network !== undefined && !t.networks.some((n) => n.name === network)) {
      problems.push({ path: where, reason: `unknown network "${network}": not a network of tenant "${t.name}"` });
    }
    if ('cidr' in rule.peer) {
      const c = parseCidr(rule.peer.cidr);
      if (!c.ok) problems.push({ path: where, reason: c.reason });
    }
  }
  if (rule.ports) {
    const where = `${path}.Port`;
    const { min, max } = rule.ports;
    if (rule.protocol === undefined || rule.protocol === 'icmp') {
      const why = rule.protocol === undefined ? 'the rule has no Protocol' : 'ICMP has no ports';
      problems.push({ path: where, reason: `a Port needs Protocol "tcp" or "udp" (${why})` });
    } else if (min < PORT_MIN || max > PORT_MAX) {
      problems.push({ path: where, reason: `port ${min === max ? min : `${min}-${max}`} outside ${PORT_MIN}-${PORT_MAX}` });
    } else if (min > max) {
      problems.push({ path: where, reason: `port range ${min}-${max} is empty: low must not exceed high` });
    }
  }
}

/**
 * Reports rules of equal Priority and Direction but different Action that could match one
 * packet: each rule once, against the first earlier rule it conflicts with (so a long list of
 * clashing rules gives one problem per rule, not one per pair).
 */
function checkConflicts(t: TenantIntent, rules: PlacedRule[], ctx: PolicyContext, problems: Problem[]): void {
  const byKey = new Map<string, PlacedRule[]>();
  for (const r of rules) {
    if (r.appliesTo.size === 0) continue; // a policy no group lists applies to nothing
    const key = `${r.rule.priority}/${r.rule.direction}`;
    (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(r);
  }
  for (const same of byKey.values()) {
    // Only rules of the other Action can conflict: each rule is compared with those written before it.
    const seen: Record<RuleIntent['action'], PlacedRule[]> = { allow: [], deny: [] };
    for (const y of same) {
      for (const x of seen[y.rule.action === 'allow' ? 'deny' : 'allow']) {
        // Cheapest tests first: a tenant's rules may number thousands at one priority.
        if (!protocolsMeet(x.rule, y.rule) || !portsMeet(x.rule.ports, y.rule.ports)) continue;
        const common = [...x.appliesTo].filter((g) => y.appliesTo.has(g)).sort();
        if (common.length === 0 || !peersMeet(x.rule.peer, y.rule.peer, t, ctx)) continue;
        problems.push({
          path: `${y.path}.Priority`,
          reason: `rules ${x.path} (${x.rule.action}) and ${y.path} (${y.rule.action}) have the same Priority ${y.rule.priority} and can match the same packet (both apply to group "${common[0]}"); give one a different Priority or narrow its match`,
        });
        break;
      }
      seen[y.rule.action].push(y);
    }
  }
}

function protocolsMeet(a: RuleIntent, b: RuleIntent): boolean {
  return a.protocol === undefined || b.protocol === undefined || a.protocol === b.protocol;
}

function portsMeet(a: PortRange | undefined, b: PortRange | undefined): boolean {
  return a === undefined || b === undefined || (a.min <= b.max && b.min <= a.max);
}

/**
 * Whether some address can be both peers. Groups have members on any network, so a group
 * may meet any network or cidr; two groups meet when they are one group or an endpoint
 * of the intent belongs to both.
 */
function peersMeet(a: RulePeer | undefined, b: RulePeer | undefined, t: TenantIntent, ctx: PolicyContext): boolean {
  if (a === undefined || b === undefined) return true;
  if ('group' in a && 'group' in b) {
    if (a.group === b.group) return true;
    return t.networks.some((n) => n.endpoints.some((e) => e.groups?.includes(a.group) && e.groups.includes(b.group)));
  }
  if ('group' in a || 'group' in b) return true;
  if ('network' in a && 'network' in b) return a.network === b.network;
  const ca = blockOf(a, t, ctx);
  const cb = blockOf(b, t, ctx);
  return ca === undefined || cb === undefined || cidrOverlap(ca, cb);
}

/** The addresses a network or cidr peer stands for; undefined when unknown (then assume they meet). */
function blockOf(p: RulePeer, t: TenantIntent, ctx: PolicyContext): Cidr | undefined {
  if ('cidr' in p) {
    const c = parseCidr(p.cidr);
    return c.ok ? c.cidr : undefined;
  }
  if (!('network' in p)) return undefined;
  const j = t.networks.findIndex((n) => n.name === p.network);
  // A network without a written subnet gets one carved from the tenant's pool.
  return ctx.networks[j]?.subnet ?? ctx.pool;
}
