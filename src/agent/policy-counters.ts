/**
 * Per-rule policy counters on this host, read from the bridge and published to the store
 * (`KEYS.operPolicyCounters(host)`) for `netdcli get policies`. A rule's hits are the packet
 * and byte counts of its deciding flows (cookie feature POLICY_RULE, object: the rule): the
 * first packet of each connection the rule allowed or denied. The spoof guard's drops are the
 * counts of its table-miss flow.
 */
import type { FlowFilter, FlowStats } from '../datapath/ovs/openflow/index.js';
import { FEATURE, featureFilter, objectFilter, objectIdOf, parseCookie, TABLE } from '../datapath/ovs/pipeline/index.js';
import { KEYS } from '../state/keys.js';
import type { StateStore } from '../state/store.js';
import type { Hits, PolicyCounters } from '../intent/policy-types.js';

export type { Hits, PolicyCounters } from '../intent/policy-types.js';

/** The part of an OpenFlow connection the counters read through. */
export interface FlowDumper {
  dumpFlows(filter?: FlowFilter): Promise<FlowStats[]>;
}

/** Rule ids by the cookie object of their flows (what a dumped flow or a packet-in names). */
export function rulesByObject(ruleIds: Iterable<string>): Map<bigint, string> {
  const byObject = new Map<bigint, string>();
  for (const id of ruleIds) byObject.set(BigInt(objectIdOf(id)), id);
  return byObject;
}

/** Reads the counters of `ruleIds` (those with flows here) and of the spoof guard from the bridge. */
export async function readPolicyCounters(sw: FlowDumper, host: string, ruleIds: Iterable<string>): Promise<PolicyCounters> {
  const byObject = rulesByObject(ruleIds);
  const [ruleFlows, spoofFlows] = await Promise.all([
    sw.dumpFlows(featureFilter(FEATURE.POLICY_RULE)),
    sw.dumpFlows({ tableId: TABLE.SPOOF_GUARD, ...objectFilter(FEATURE.TABLE_MISS, TABLE.SPOOF_GUARD) }),
  ]);
  const rules: Record<string, Hits> = {};
  for (const f of ruleFlows) {
    const id = byObject.get(parseCookie(f.cookie).objectId);
    if (!id) continue;
    const h = (rules[id] ??= { packets: 0, bytes: 0 });
    h.packets += Number(f.packetCount);
    h.bytes += Number(f.byteCount);
  }
  const spoofDrops: Hits = { packets: 0, bytes: 0 };
  for (const f of spoofFlows) {
    if (f.priority !== 0) continue;
    spoofDrops.packets += Number(f.packetCount);
    spoofDrops.bytes += Number(f.byteCount);
  }
  return { host, rules, spoofDrops };
}

/** Writes a host's counters when they changed since the last write. */
export class PolicyCountersPublisher {
  private last = '';

  constructor(
    private readonly store: StateStore,
    private readonly host: string,
  ) {}

  /** Publishes `counters`; returns whether anything was written. */
  async publish(counters: PolicyCounters): Promise<boolean> {
    const value = JSON.stringify(counters);
    if (value === this.last) return false;
    await this.store.txn([], [{ type: 'put', key: KEYS.operPolicyCounters(this.host), value }]);
    this.last = value;
    return true;
  }
}
