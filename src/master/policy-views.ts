/** The rows of `netdcli get policies`: every stored rule with its hits summed over the hosts that report them. */
import type { Hits, PolicyCounters, PolicyRuleState, TenantPolicyState } from '../intent/policy-types.js';

/** One rule as `netdcli get policies` shows it. */
export interface PolicyRuleView {
  tenant: string;
  policy: string;
  /** `tenant/policy/index`. */
  id: string;
  priority: number;
  direction: string;
  action: string;
  /** Groups the rule applies to. */
  appliesTo: string[];
  /** The other side as written: `group:web`, `network:front`, a cidr, or `any`. */
  peer: string;
  protocol: string;
  /** `5432`, `8000-8080`, or `any`. */
  port: string;
  /** Connections (their first packets) the rule decided, and their bytes, on the hosts counted. */
  packets: number;
  bytes: number;
}

/** The whole answer: rules, the spoof guard's drops, and the hosts whose counters went in. */
export interface PolicyCountersView {
  rules: PolicyRuleView[];
  spoofDrops: Hits;
  hosts: string[];
}

function peerText(r: PolicyRuleState): string {
  if (!r.peer) return 'any';
  if ('group' in r.peer) return `group:${r.peer.group}`;
  if ('network' in r.peer) return `network:${r.peer.network}`;
  return r.peer.cidr;
}

/** Joins the stored rules with the hosts' counters (only `host`'s when given), in tenant order, highest priority first. */
export function policyCountersView(policies: readonly TenantPolicyState[], counters: readonly PolicyCounters[], host?: string): PolicyCountersView {
  const counted = counters.filter((c) => host === undefined || c.host === host);
  const spoofDrops: Hits = { packets: 0, bytes: 0 };
  for (const c of counted) {
    spoofDrops.packets += c.spoofDrops.packets;
    spoofDrops.bytes += c.spoofDrops.bytes;
  }
  const rules: PolicyRuleView[] = [];
  for (const p of [...policies].sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0))) {
    for (const r of p.rules) {
      let packets = 0;
      let bytes = 0;
      for (const c of counted) {
        packets += c.rules[r.id]?.packets ?? 0;
        bytes += c.rules[r.id]?.bytes ?? 0;
      }
      const port = r.ports ? (r.ports.min === r.ports.max ? String(r.ports.min) : `${r.ports.min}-${r.ports.max}`) : 'any';
      rules.push({ tenant: p.tenant, policy: r.policy, id: r.id, priority: r.priority, direction: r.direction, action: r.action, appliesTo: r.appliesTo, peer: peerText(r), protocol: r.protocol ?? 'any', port, packets, bytes });
    }
  }
  return { rules, spoofDrops, hosts: counted.map((c) => c.host).sort() };
}
