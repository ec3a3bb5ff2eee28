import { describe, expect, it } from 'vitest';
import type { FlowFilter, FlowStats } from '../datapath/ovs/openflow/index.js';
import { FEATURE, makeCookie, objectIdOf, TABLE } from '../datapath/ovs/pipeline/index.js';
import { readPolicyCounters, PolicyCountersPublisher, type FlowDumper } from './policy-counters.js';
import { KEYS } from '../state/keys.js';
import type { Op, StateStore } from '../state/store.js';

const flow = (tableId: number, priority: number, cookie: bigint, packets: number, bytes: number): FlowStats => ({
  tableId,
  priority,
  cookie,
  idleTimeout: 0,
  hardTimeout: 0,
  flags: 0,
  packetCount: BigInt(packets),
  byteCount: BigInt(bytes),
  durationSec: 1,
  match: {},
  instructions: [],
});

/** A bridge that answers dumps as OVS filters them (table, cookie under mask), and records each filter. */
function bridge(flows: FlowStats[]): FlowDumper & { filters: FlowFilter[] } {
  const filters: FlowFilter[] = [];
  return {
    filters,
    async dumpFlows(filter: FlowFilter = {}) {
      filters.push(filter);
      const mask = filter.cookieMask ?? 0n;
      return flows.filter((f) => (filter.tableId === undefined || f.tableId === filter.tableId) && (f.cookie & mask) === ((filter.cookie ?? 0n) & mask));
    },
  };
}

describe('readPolicyCounters', () => {
  const db = 't1/db-in/0';
  const deny = 't1/db-in/2';
  const flows = [
    // Two deciding flows of db-in/0 (a cross product), made in different agent rounds: both count.
    flow(TABLE.POLICY_INGRESS, 120, makeCookie(1, FEATURE.POLICY_RULE, objectIdOf(db)), 3, 180),
    flow(TABLE.POLICY_INGRESS, 120, makeCookie(2, FEATURE.POLICY_RULE, objectIdOf(db)), 1, 60),
    flow(TABLE.POLICY_INGRESS, 101, makeCookie(2, FEATURE.POLICY_RULE, objectIdOf(deny)), 7, 420),
    // A clause flow of db-in/0: not a hit (the deciding flow counts the connection).
    flow(TABLE.POLICY_INGRESS, 120, makeCookie(2, FEATURE.POLICY_CLAUSE, objectIdOf(db)), 50, 3000),
    // The spoof guard's miss, and a spoof guard flow that passes packets (not drops).
    flow(TABLE.SPOOF_GUARD, 0, makeCookie(2, FEATURE.TABLE_MISS, TABLE.SPOOF_GUARD), 9, 640),
    flow(TABLE.SPOOF_GUARD, 100, makeCookie(2, FEATURE.SPOOF_GUARD, 3), 100, 9000),
    // Another table's miss (table 22's): never the spoof guard's.
    flow(TABLE.POLICY_STATE, 0, makeCookie(2, FEATURE.TABLE_MISS, TABLE.POLICY_STATE), 4, 240),
  ];

  it("sums each rule's deciding flows, whatever round made them, and the spoof guard's drops, with two filtered dumps", async () => {
    const sw = bridge(flows);
    expect(await readPolicyCounters(sw, 'host2', [db, deny, 't1/other/0'])).toEqual({
      host: 'host2',
      rules: { [db]: { packets: 4, bytes: 240 }, [deny]: { packets: 7, bytes: 420 } },
      spoofDrops: { packets: 9, bytes: 640 },
    });
    expect(sw.filters).toEqual([
      { cookie: 0x0e0000000000n, cookieMask: 0xff0000000000n },
      { tableId: 10, cookie: 0x01000000000an, cookieMask: 0xffffffffffffn },
    ]);
  });

  it('ignores deciding flows of rules it was not asked about (a rule since removed)', async () => {
    expect((await readPolicyCounters(bridge(flows), 'host2', [deny])).rules).toEqual({ [deny]: { packets: 7, bytes: 420 } });
  });
});

describe('PolicyCountersPublisher', () => {
  it('writes the host key once per change', async () => {
    const writes: Op[][] = [];
    const store = { txn: async (_c: unknown, ops: Op[]) => void writes.push(ops) } as unknown as StateStore;
    const p = new PolicyCountersPublisher(store, 'host2');
    const c = { host: 'host2', rules: { a: { packets: 1, bytes: 60 } }, spoofDrops: { packets: 0, bytes: 0 } };
    expect(await p.publish(c)).toBe(true);
    expect(await p.publish({ ...c })).toBe(false);
    expect(await p.publish({ ...c, spoofDrops: { packets: 1, bytes: 42 } })).toBe(true);
    expect(writes.map((w) => w.map((o) => o.type === 'put' && [o.key, JSON.parse(o.value).spoofDrops.packets]))).toEqual([[[KEYS.operPolicyCounters('host2'), 0]], [[KEYS.operPolicyCounters('host2'), 1]]]);
  });
});
