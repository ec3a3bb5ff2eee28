/**
 * The policy benchmarks' intent (issue 12, "Benchmarks"): one tenant with endpoints spread over
 * hosts and networks, groups, and policies whose rules mix directions, group / network / CIDR
 * peers, tcp/udp ports and ranges, icmp and deny defaults. Built from a seeded generator, so
 * every run (and the lab part) measures the same policy; written in the operator's keys, so it
 * goes through the same parse, validation and allocation as `netdcli -cfg`.
 */
import { rng, type Rng } from '../test/helpers/rng.js';

/** What to generate. */
export interface PolicyIntentShape {
  seed: number;
  tenant: string;
  hosts: string[];
  endpoints: number;
  networks: number;
  groups: number;
  /** Rules in all (every policy gets `rules / policies` of them). */
  rules: number;
  policies: number;
  /** Subnet pool of the tenant (networks get /24s of it). */
  subnetPool: string;
  /** VNIs of the tenant's VXLAN networks, `"low-high"`. */
  vxlans: string;
}

/** The figures of the issue: 1,000 endpoints on 10 hosts, 50 groups, 500 rules. */
export const ISSUE_SHAPE: PolicyIntentShape = {
  seed: 12,
  tenant: 'pb',
  hosts: Array.from({ length: 10 }, (_, i) => `host${i + 1}`),
  endpoints: 1000,
  networks: 10,
  groups: 50,
  rules: 500,
  policies: 50,
  subnetPool: '10.64.0.0/16',
  vxlans: '20001-20100',
};

/** Priorities of generated rules stay below this, so a bench may put its own rules above them. */
export const MAX_GENERATED_PRIORITY = 9000;

/** Network name `i`. */
export function networkName(i: number): string {
  return `n${i}`;
}

/** Group name `i`. */
export function groupName(i: number): string {
  return `g${i}`;
}

/** One rule in the operator's keys. */
export type RuleJson = Record<string, string | number>;

/** The tenant (operator keys) with its generated networks, endpoints, groups and policies. */
export function policyTenant(s: PolicyIntentShape): Record<string, unknown> {
  const r = rng(s.seed);
  // Endpoint k runs on host k mod hosts and sits in network floor(k / perNetwork), so every
  // host has endpoints of every network; its first group cycles, a second one is random.
  const perNetwork = Math.ceil(s.endpoints / s.networks);
  const networks = Array.from({ length: s.networks }, (_, n) => ({
    Name: networkName(n),
    PktTagType: 'vxlan',
    Endpoints: [] as Record<string, unknown>[],
  }));
  for (let k = 0; k < s.endpoints; k++) {
    const groups = [groupName(k % s.groups)];
    const second = r.maybe(0.3, () => groupName(r.int(s.groups)));
    if (second && second !== groups[0]) groups.push(second);
    networks[Math.floor(k / perNetwork)].Endpoints.push({ Container: `c${k}`, Host: s.hosts[k % s.hosts.length], Groups: groups });
  }
  // Each rule gets its own Priority (so no two rules can conflict), except the deny defaults,
  // which all sit at 1 with the same action.
  const perPolicy = Math.ceil(s.rules / s.policies);
  const priorities = shuffled(r, Array.from({ length: s.rules }, (_, i) => 2 + Math.floor((i * (MAX_GENERATED_PRIORITY - 2)) / s.rules)));
  let next = 0;
  const policies = Array.from({ length: s.policies }, (_, p) => {
    const count = Math.min(perPolicy, s.rules - p * perPolicy);
    const rules: RuleJson[] = [];
    for (let j = 0; j < count; j++) {
      const priority = priorities[next++];
      const denyDefault = p % 2 === 0 && j === count - 1;
      rules.push(denyDefault ? { Priority: 1, Direction: r.pick(['in', 'out']), Action: 'deny' } : randomRule(r, s, priority));
    }
    return { Name: `p${p}`, Rules: rules };
  });
  // Group g uses policy g (when there is one) and, for some groups, one more.
  const groups = Array.from({ length: s.groups }, (_, g) => {
    const uses = g < s.policies ? [`p${g}`] : [];
    const extra = r.maybe(0.3, () => `p${r.int(s.policies)}`);
    if (extra && !uses.includes(extra)) uses.push(extra);
    return { Name: groupName(g), Policies: uses };
  });
  return { Name: s.tenant, DefaultNetType: 'vxlan', SubnetPool: s.subnetPool, AllocSubnetLen: 24, Vxlans: s.vxlans, Networks: networks, Groups: groups, Policies: policies };
}

/** A whole intent (operator keys): the hosts and the generated tenant. */
export function policyIntent(s: PolicyIntentShape): Record<string, unknown> {
  return {
    Hosts: s.hosts.map((h, i) => ({ Name: h, Intf: 'up0', VtepIp: `198.18.100.${i + 1}` })),
    Tenants: [policyTenant(s)],
  };
}

/** One rule of the mix: 80% allow; peer a group, a CIDR, a network or anyone; tcp, udp, icmp or any. */
function randomRule(r: Rng, s: PolicyIntentShape, priority: number): RuleJson {
  const direction = r.next() < 0.5 ? 'in' : 'out';
  const rule: RuleJson = { Priority: priority, Direction: direction, Action: r.next() < 0.8 ? 'allow' : 'deny' };
  const side = direction === 'in' ? 'From' : 'To';
  const peer = r.next();
  if (peer < 0.5) rule[side] = groupName(r.int(s.groups));
  else if (peer < 0.75) rule[`${side}IpAddress`] = randomCidr(r);
  else if (peer < 0.85) rule[`${side}Network`] = networkName(r.int(s.networks));
  const proto = r.next();
  if (proto < 0.45) rule.Protocol = 'tcp';
  else if (proto < 0.65) rule.Protocol = 'udp';
  else if (proto < 0.75) rule.Protocol = 'icmp';
  if (rule.Protocol === 'tcp' || rule.Protocol === 'udp') {
    const port = r.next();
    if (port < 0.6) rule.Port = 1 + r.int(65535);
    else if (port < 0.9) {
      const low = 1 + r.int(60000);
      rule.Port = `${low}-${low + 1 + r.int(2000)}`;
    }
  }
  return rule;
}

/** A CIDR outside the tenant's pool, /16 to /32, host bits clear. */
function randomCidr(r: Rng): string {
  const len = 16 + r.int(17);
  const addr = ((172 << 24) | ((16 + r.int(16)) << 16) | (r.int(256) << 8) | r.int(256)) >>> 0;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  const net = (addr & mask) >>> 0;
  return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${len}`;
}

/** A Fisher-Yates shuffle with `r`. */
function shuffled<T>(r: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
