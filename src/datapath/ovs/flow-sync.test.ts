import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlowSyncer, planSync } from './flow-sync.js';
import { FakeSwitch } from '../../../test/fakes/fake-switch.js';
import type { FlowMod, FlowStats, GroupDesc } from './openflow/index.js';
import { FEATURE, makeCookie, OWNER_MASK } from './pipeline/cookie.js';
import type { FeatureOutput } from './pipeline/model.js';

function flow(round: number, inPort: number, out: number, feature = FEATURE.L2_FORWARD): FlowMod {
  return {
    command: 'add',
    tableId: 40,
    priority: 100,
    cookie: makeCookie(round, feature, inPort),
    match: { inPort },
    instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: out }] }],
  };
}

/** A flow as the switch reports it. */
function dumped(f: FlowMod, cookie = f.cookie): FlowStats {
  return { tableId: f.tableId, priority: f.priority, cookie, idleTimeout: 0, hardTimeout: 0, flags: 0, packetCount: 7n, byteCount: 700n, durationSec: 3, match: f.match, instructions: f.instructions };
}

const group = (id: number, ports: number[]): GroupDesc => ({ type: 'all', groupId: id, buckets: ports.map((p) => ({ actions: [{ type: 'output', port: p }] })) });

describe('planSync', () => {
  it('keeps flows that are right even when an earlier round installed them', () => {
    const desired: FeatureOutput = { flows: [flow(2, 1, 1), flow(2, 2, 2)], groups: [] };
    const plan = planSync(desired, [dumped(flow(1, 1, 1)), dumped(flow(1, 2, 2))], []);
    expect(plan.flowMods).toEqual([]);
    expect(plan.stats).toMatchObject({ flowsKept: 2, flowsAdded: 0, flowsDeleted: 0 });
  });

  it('adds what is missing and deletes what is stale, matching the stale flow whatever its round', () => {
    const desired: FeatureOutput = { flows: [flow(2, 1, 1)], groups: [] };
    const plan = planSync(desired, [dumped(flow(1, 3, 3))], []);
    expect(plan.flowMods.map((m) => [m.command, m.match.inPort])).toEqual([
      ['add', 1],
      ['deleteStrict', 3],
    ]);
    const del = plan.flowMods[1];
    expect(del.cookie & del.cookieMask!).toBe(makeCookie(0, FEATURE.L2_FORWARD, 3));
  });

  it('replaces a changed flow with an add at the same position, without deleting it', () => {
    const desired: FeatureOutput = { flows: [flow(2, 1, 9)], groups: [] };
    const plan = planSync(desired, [dumped(flow(1, 1, 1))], []);
    expect(plan.flowMods.map((m) => m.command)).toEqual(['add']);
  });

  it('never touches flows without one of our cookies', () => {
    const foreign = dumped(flow(0, 5, 5), 0x1234n);
    const plan = planSync({ flows: [], groups: [] }, [foreign], []);
    expect(plan.flowMods).toEqual([]);
  });

  it('adds, modifies and (last) deletes groups', () => {
    const desired: FeatureOutput = { flows: [], groups: [{ command: 'add', ...group(11, [1, 2]) }, { command: 'add', ...group(12, [3]) }] };
    const plan = planSync(desired, [], [group(11, [1]), group(13, [4])]);
    expect(plan.groupAdds.map((g) => [g.command, g.groupId])).toEqual([
      ['modify', 11],
      ['add', 12],
    ]);
    expect(plan.groupDeletes.map((g) => [g.command, g.groupId])).toEqual([['delete', 13]]);
  });
});

describe('FlowSyncer (incremental path)', () => {
  afterEach(() => vi.useRealTimers());
  const out = (...flows: FlowMod[]): FeatureOutput => ({ flows, groups: [] });

  it('reads the bridge once, then sends only the changes it computes from memory', async () => {
    const sw = new FakeSwitch();
    const sync = new FlowSyncer(60_000);
    expect(await sync.sync(sw, out(flow(1, 1, 1), flow(1, 2, 2)))).toMatchObject({ full: true, flowsAdded: 2 });
    sw.clearLog();
    const stats = await sync.sync(sw, out(flow(1, 1, 1), flow(1, 2, 7), flow(1, 3, 3)));
    expect(stats).toMatchObject({ full: false, flowsAdded: 2, flowsDeleted: 0, flowsKept: 1 });
    expect(sw.messages.map((m) => (m.kind === 'flowMod' ? `${m.mod.command}:${m.mod.match.inPort}` : m.kind))).toEqual(['add:2', 'add:3', 'barrier']);
    sw.clearLog();
    await sync.sync(sw, out(flow(1, 1, 1)));
    expect(sw.flowMods.map((m) => [m.command, m.match.inPort, m.cookieMask])).toEqual([
      ['deleteStrict', 2, OWNER_MASK],
      ['deleteStrict', 3, OWNER_MASK],
    ]);
    expect(sw.flows().map((f) => f.match.inPort)).toEqual([1]);
  });

  it('sends nothing, not even a dump, when memory says the bridge is right', async () => {
    const sw = new FakeSwitch();
    const sync = new FlowSyncer(60_000);
    await sync.sync(sw, out(flow(1, 1, 1)));
    sw.clearLog();
    expect(await sync.sync(sw, out(flow(1, 1, 1)))).toMatchObject({ full: false, flowsKept: 1, flowsAdded: 0 });
    expect(sw.messages).toEqual([]);
  });

  it('reads the bridge again once the period is over, and puts back a flow deleted behind its back', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const sw = new FakeSwitch();
    const sync = new FlowSyncer(30_000);
    await sync.sync(sw, out(flow(1, 1, 1), flow(1, 2, 2)));
    await sw.write({ flowMods: [{ ...flow(1, 2, 2), command: 'deleteStrict', cookieMask: OWNER_MASK }] });
    sw.clearLog();
    vi.setSystemTime(1_000_000 + 29_999);
    expect(await sync.sync(sw, out(flow(1, 1, 1), flow(1, 2, 2)))).toMatchObject({ full: false, flowsAdded: 0 });
    vi.setSystemTime(1_000_000 + 30_000);
    expect(await sync.sync(sw, out(flow(1, 1, 1), flow(1, 2, 2)))).toMatchObject({ full: true, flowsAdded: 1, flowsKept: 1 });
    expect(sw.messages[0]).toEqual({ kind: 'dumpFlows' });
    expect(sw.flows().map((f) => f.match.inPort).sort()).toEqual([1, 2]);
  });

  it('after a failed write, or invalidate(), trusts nothing and reads the bridge back', async () => {
    const sw = new FakeSwitch();
    const sync = new FlowSyncer(60_000);
    await sync.sync(sw, out(flow(1, 1, 1)));
    sw.failWhen((m) => m.kind === 'flowMod' && m.mod.match.inPort === 2);
    await expect(sync.sync(sw, out(flow(1, 1, 1), flow(1, 2, 2)))).rejects.toMatchObject({ code: 'NP_OPENFLOW_ERROR' });
    sw.clearFailures();
    sw.clearLog();
    expect(await sync.sync(sw, out(flow(1, 1, 1), flow(1, 2, 2)))).toMatchObject({ full: true, flowsAdded: 1 });
    sync.invalidate();
    sw.clearLog();
    await sync.sync(sw, out(flow(1, 1, 1), flow(1, 2, 2)));
    expect(sw.messages).toEqual([{ kind: 'dumpFlows' }, { kind: 'dumpGroups' }]);
  });
});
