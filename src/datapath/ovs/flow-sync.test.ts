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

describe('FlowSyncer (atomic bundles on OpenFlow 1.4)', () => {
  const out = (flows: FlowMod[], groups: GroupDesc[] = []): FeatureOutput => ({ flows, groups: groups.map((g) => ({ command: 'add', ...g })) });
  const kinds = (sw: FakeSwitch) => sw.messages.map((m) => m.kind);
  const described = (m: { kind: string; mod: FlowMod | { command: string; groupId: number } }) =>
    m.kind === 'flowMod' ? `${m.mod.command}:${(m.mod as FlowMod).match.inPort}` : `group-${m.mod.command}:${(m.mod as { groupId: number }).groupId}`;

  it('sends a change of N flows as ONE bundle holding exactly those mods, and nothing else', async () => {
    const sw = new FakeSwitch({ bundles: true });
    const sync = new FlowSyncer(60_000);
    await sync.sync(sw, out([flow(1, 1, 1), flow(1, 2, 2), flow(1, 3, 3)]));
    sw.clearLog();
    await sync.sync(sw, out([flow(1, 1, 1), flow(1, 2, 9), flow(1, 4, 4), flow(1, 5, 5)]));
    expect(kinds(sw)).toEqual(['bundle']);
    expect(sw.bundles[0].committed).toBe(true);
    expect(sw.bundles[0].mods.map(described)).toEqual(['add:2', 'add:4', 'add:5', 'deleteStrict:3']);
    expect(sw.flows().map((f) => f.match.inPort).sort()).toEqual([1, 2, 4, 5]);
  });

  it('orders group adds before the flows and group deletes after them, in the same bundle', async () => {
    const sw = new FakeSwitch({ bundles: true });
    const sync = new FlowSyncer(60_000);
    await sync.sync(sw, out([flow(1, 1, 1)], [group(13, [4])]));
    sw.clearLog();
    await sync.sync(sw, out([flow(1, 1, 1), flow(1, 2, 2)], [group(12, [3])]));
    expect(kinds(sw)).toEqual(['bundle']);
    expect(sw.bundles[0].mods.map(described)).toEqual(['group-add:12', 'add:2', 'group-delete:13']);
    expect(sw.groups().map((g) => g.groupId)).toEqual([12]);
  });

  it('uses a single bundle for the first full install too (after reading the bridge)', async () => {
    const sw = new FakeSwitch({ bundles: true });
    const flows = Array.from({ length: 500 }, (_, i) => flow(1, i + 1, 1));
    expect(await new FlowSyncer(60_000).sync(sw, out(flows))).toMatchObject({ full: true, flowsAdded: 500 });
    expect(kinds(sw)).toEqual(['dumpFlows', 'dumpGroups', 'bundle']);
    expect(sw.bundles[0].mods).toHaveLength(500);
  });

  it('on OpenFlow 1.3 writes pipelined batches instead (no bundle)', async () => {
    const sw = new FakeSwitch();
    const sync = new FlowSyncer(60_000);
    await sync.sync(sw, out([flow(1, 1, 1)], [group(13, [4])]));
    sw.clearLog();
    await sync.sync(sw, out([flow(1, 1, 1), flow(1, 2, 2)], [group(12, [3])]));
    expect(kinds(sw)).toEqual(['groupMod', 'flowMod', 'barrier', 'groupMod', 'barrier']);
    expect(sw.bundles).toEqual([]);
  });

  it('a rejected bundle changes nothing on the switch, and the next sync reads the bridge and sends it all again', async () => {
    const sw = new FakeSwitch({ bundles: true });
    const sync = new FlowSyncer(60_000);
    await sync.sync(sw, out([flow(1, 1, 1), flow(1, 2, 2)], [group(13, [4])]));
    const before = { flows: sw.flows(), groups: sw.groups() };
    sw.failWhen((m) => m.kind === 'flowMod' && m.mod.match.inPort === 4);
    sw.clearLog();
    await expect(sync.sync(sw, out([flow(1, 1, 9), flow(1, 3, 3), flow(1, 4, 4)], [group(12, [3])]))).rejects.toMatchObject({
      code: 'NP_OPENFLOW_ERROR',
      details: { failures: [{ index: 3 }] },
    });
    // Positive control: the bundle did carry the other changes; none of them was applied.
    expect(sw.bundles[0].mods.map(described)).toEqual(['group-add:12', 'add:1', 'add:3', 'add:4', 'deleteStrict:2', 'group-delete:13']);
    expect(sw.bundles[0].committed).toBe(false);
    expect(sw.flows()).toEqual(before.flows);
    expect(sw.groups()).toEqual(before.groups);
    sw.clearFailures();
    sw.clearLog();
    expect(await sync.sync(sw, out([flow(1, 1, 9), flow(1, 3, 3), flow(1, 4, 4)], [group(12, [3])]))).toMatchObject({ full: true, flowsAdded: 3, flowsDeleted: 1 });
    expect(kinds(sw)).toEqual(['dumpFlows', 'dumpGroups', 'bundle']);
    expect(sw.flows().map((f) => f.match.inPort).sort()).toEqual([1, 3, 4]);
    expect(sw.groups().map((g) => g.groupId)).toEqual([12]);
  });
});

describe('FakeSwitch bundles', () => {
  it('discards the whole bundle when the switch refuses a mod while applying it (group exists)', async () => {
    const sw = new FakeSwitch({ bundles: true });
    await sw.bundle({ groupMods: [{ command: 'add', ...group(1, [1]) }] });
    await expect(sw.bundle({ flowMods: [flow(1, 1, 1)], finalGroupMods: [{ command: 'add', ...group(1, [2]) }] })).rejects.toMatchObject({ code: 'NP_OPENFLOW_ERROR' });
    expect(sw.flows()).toEqual([]);
    expect(sw.groups()).toEqual([group(1, [1])]);
  });

  it('refuses bundles when playing an OpenFlow 1.3 switch', async () => {
    await expect(new FakeSwitch().bundle({ flowMods: [flow(1, 1, 1)] })).rejects.toMatchObject({ code: 'NP_OPENFLOW_ERROR' });
  });
});
