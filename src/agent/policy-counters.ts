/**
 * Per-rule policy counters on this host, read from the bridge and published to the store
 * (`KEYS.operPolicyCounters(host)`) for `netdcli get policies`. A rule's hits are the packet
 * and byte counts of its deciding flows (cookie feature POLICY_RULE, object: the rule): the
 * first packet of each connection the rule allowed or denied. The spoof guard's drops are the
 * counts of its table-miss flow.
 */
import type { FlowFilter, FlowStats } from '../datapath/ovs/openflow/index.js';
import { FEATURE, objectIdOf, OWNER_MASK, TABLE } from '../datapath/ovs/pipeline/index.js';
import { KEYS } from '../state/keys.js';
import type { StateStore } from '../state/store.js';
import type { Hits, PolicyCounters } from '../intent/policy-types.js';

export type { Hits, PolicyCounters } from '../intent/policy-types.js';

/** The part of an OpenFlow connection the counters read through. */
export interface FlowDumper {
  dumpFlows(filter?: FlowFilter): Promise<FlowStats[]>;
}

const FEATURE_SHIFT = 40n;
const FEATURE_MASK = 0xffn << FEATURE_SHIFT;
const OBJECT_MASK = (1n << FEATURE_SHIFT) - 1n;

/** Reads the counters of `ruleIds` (those with flows here) and of the spoof guard from the bridge. */
export async function readPolicyCounters(sw: FlowDumper, host: string, ruleIds: Iterable<string>): Promise<PolicyCounters> {
  const byObject = new Map<bigint, string>();
  for (const id of ruleIds) byObject.set(BigInt(objectIdOf(id)) & OBJECT_MASK, id);
  const [ruleFlows, spoofFlows] = await Promise.all([
    sw.dumpFlows({ cookie: BigInt(FEATURE.POLICY_RULE) << FEATURE_SHIFT, cookieMask: FEATURE_MASK }),
    sw.dumpFlows({ tableId: TABLE.SPOOF_GUARD, cookie: (BigInt(FEATURE.TABLE_MISS) << FEATURE_SHIFT) | BigInt(TABLE.SPOOF_GUARD), cookieMask: OWNER_MASK }),
  ]);
  const rules: Record<string, Hits> = {};
  for (const f of ruleFlows) {
    const id = byObject.get(f.cookie & OBJECT_MASK);
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
