/**
 * The multicast memberships an agent learned by snooping IGMP on its own ports: per network,
 * group address and endpoint, the time the membership expires unless a report renews it (RFC
 * 2236/3376 "group membership interval": robustness x query interval + query response
 * interval). A leave ends a membership at once: each port is one container, so no other
 * listener behind it needs a group-specific query first. Pure: time is a parameter.
 */
import type { MulticastMembers } from '../intent/multicast-types.js';

/** Querier timing (RFC 3376 §8 defaults: robustness 2, query interval 125 s, response 10 s). */
export interface QuerierTiming {
  queryIntervalMs: number;
  queryResponseMs: number;
  robustness: number;
}

/** The RFC defaults. */
export const DEFAULT_TIMING: QuerierTiming = { queryIntervalMs: 125_000, queryResponseMs: 10_000, robustness: 2 };

/** Timing for a query interval of `seconds` (the agent's `--igmp-query-interval`): the response time shrinks with it, never above 10 s. */
export function timingFor(seconds: number): QuerierTiming {
  const queryIntervalMs = seconds * 1000;
  return { queryIntervalMs, queryResponseMs: Math.min(10_000, Math.max(100, Math.floor(queryIntervalMs / 2))), robustness: 2 };
}

/** How long a report keeps a membership: robustness x query interval + query response interval. */
export function membershipMs(t: QuerierTiming): number {
  return t.robustness * t.queryIntervalMs + t.queryResponseMs;
}

/** Memberships by network id, group address and endpoint id (expiry, epoch ms). */
export class MembershipTable {
  private readonly nets = new Map<string, Map<string, Map<string, number>>>();

  /** Applies one report or leave of `endpoint` in `network`; returns whether the set of members changed. */
  apply(network: string, endpoint: string, change: { joined: readonly string[]; left: readonly string[] }, now: number, timing: QuerierTiming): boolean {
    let changed = false;
    let groups = this.nets.get(network);
    for (const g of change.joined) {
      if (!groups) this.nets.set(network, (groups = new Map()));
      let members = groups.get(g);
      if (!members) groups.set(g, (members = new Map()));
      if (!members.has(endpoint)) changed = true;
      members.set(endpoint, now + membershipMs(timing));
    }
    for (const g of change.left) {
      const members = groups?.get(g);
      if (!members?.delete(endpoint)) continue;
      changed = true;
      if (members.size === 0) groups!.delete(g);
    }
    if (groups?.size === 0) this.nets.delete(network);
    return changed;
  }

  /** Drops memberships that expired by `now`, and those of endpoints not in `present` (detached); returns whether any went. */
  expire(now: number, present?: (network: string, endpoint: string) => boolean): boolean {
    let changed = false;
    for (const [net, groups] of this.nets) {
      for (const [g, members] of groups) {
        for (const [ep, until] of members) {
          if (until > now && (!present || present(net, ep))) continue;
          members.delete(ep);
          changed = true;
        }
        if (members.size === 0) groups.delete(g);
      }
      if (groups.size === 0) this.nets.delete(net);
    }
    return changed;
  }

  /** Group address -> member endpoint ids of `network`. */
  groupsOf(network: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [g, members] of this.nets.get(network) ?? []) out.set(g, [...members.keys()].sort());
    return out;
  }

  /** The table as the agent publishes it (sorted, so equal tables serialise equally). */
  toPublished(host: string): MulticastMembers {
    const networks: MulticastMembers['networks'] = {};
    for (const net of [...this.nets.keys()].sort()) {
      const groups: Record<string, Record<string, number>> = {};
      const byGroup = this.nets.get(net)!;
      for (const g of [...byGroup.keys()].sort()) {
        const members = byGroup.get(g)!;
        groups[g] = Object.fromEntries([...members.keys()].sort().map((ep) => [ep, members.get(ep)!]));
      }
      networks[net] = groups;
    }
    return { host, networks };
  }

  /**
   * Takes back what a previous run of the agent published (after a restart). Each membership
   * lasts at least until `notBefore`: while the agent was down nobody queried, so its members
   * could not renew, and they are not gone for that.
   */
  load(published: MulticastMembers, notBefore = 0): void {
    this.nets.clear();
    for (const [net, groups] of Object.entries(published.networks ?? {})) {
      for (const [g, members] of Object.entries(groups)) {
        for (const [ep, until] of Object.entries(members)) {
          if (typeof until !== 'number') continue;
          let byGroup = this.nets.get(net);
          if (!byGroup) this.nets.set(net, (byGroup = new Map()));
          let m = byGroup.get(g);
          if (!m) byGroup.set(g, (m = new Map()));
          m.set(ep, Math.max(until, notBefore));
        }
      }
    }
  }
}
