/**
 * ACL policy as the operator writes it (`Groups`, `Policies`, an endpoint's `Groups`) and as
 * netmaster stores it for agents: one TenantPolicyState per tenant, every rule flattened with
 * the groups it applies to (docs/policy.md).
 */

import type { GroupQos } from './qos-types.js';

/** Which way a rule looks: `in` is traffic to a member of the group, `out` traffic from it. */
export type RuleDirection = 'in' | 'out';

/** What a rule does with the first packet of a connection it matches. */
export type RuleAction = 'allow' | 'deny';

/** The protocols a rule can name; none means any IPv4 traffic. */
export type RuleProtocol = 'tcp' | 'udp' | 'icmp';

/** The other side of a rule: a group's members, a network's subnet, or a cidr; none means anyone. */
export type RulePeer = { group: string } | { network: string } | { cidr: string };

/** One rule of a policy as written (`Policies[].Rules[]`), keys normalised. */
export interface RuleIntent {
  priority: number;
  direction: RuleDirection;
  action: RuleAction;
  /** `From`/`To`, `FromNetwork`/`ToNetwork` or `FromIpAddress`/`ToIpAddress`, whichever was written. */
  peer?: RulePeer;
  protocol?: RuleProtocol;
  /** `Port`: a number, or `"low-high"` (tcp/udp only). */
  ports?: PortRange;
  /** `Log`: log the first packet of each connection this rule denies. */
  log?: boolean;
}

/** An inclusive port range; one port is `{min: p, max: p}`. */
export interface PortRange {
  min: number;
  max: number;
}

/** One policy of a tenant (`Policies[]`). */
export interface PolicyIntent {
  name: string;
  rules: RuleIntent[];
}

/** One endpoint group of a tenant (`Groups[]`): the policies that apply to its members, and its QoS. */
export interface GroupIntent {
  name: string;
  policies: string[];
  /** `Bandwidth`, `Dscp` and `Shared` (docs/qos.md); absent when the group writes none. */
  qos?: GroupQos;
}

/** One rule as stored for agents, with what it applies to resolved. */
export interface PolicyRuleState extends RuleIntent {
  /** `tenant/policy/index` (index in the policy's Rules): stable identity for flow cookies and counters. */
  id: string;
  policy: string;
  /** Groups whose members the rule applies to (every group that lists the policy), sorted. */
  appliesTo: string[];
}

/** A tenant's policy as stored (one key per tenant with groups or policies): what agents enforce. */
export interface TenantPolicyState {
  tenant: string;
  /** The tenant's routeId (its conntrack zones are derived from it, so overlapping tenants never share state). */
  routeId: number;
  /** Every group of the tenant, sorted (so an endpoint may name a group no policy uses yet). */
  groups: string[];
  /** Every rule of every policy some group uses, highest priority first. */
  rules: PolicyRuleState[];
  /**
   * Group name → its QoS as written (docs/qos.md), only for groups that set some; absent when
   * none does. Agents resolve each endpoint's limits: endpoint over group over network.
   */
  groupQos?: Record<string, GroupQos>;
}

/** Packets and bytes. */
export interface Hits {
  packets: number;
  bytes: number;
}

/** What one agent publishes at `KEYS.operPolicyCounters(host)`: its rules' hits and its spoof guard's drops. */
export interface PolicyCounters {
  host: string;
  /** By rule id (`tenant/policy/index`); rules without flows on the host are absent. */
  rules: Record<string, Hits>;
  /** Packets the spoof guard dropped (a source MAC, IP or ARP sender not the port's own, or not IPv4/ARP). */
  spoofDrops: Hits;
}
