import { describe, expect, it } from 'vitest';
import { FlowSyncer, planSync } from './flow-sync.js';
import { FEATURE, makeCookie } from './pipeline/cookie.js';
import type { FlowMod } from './openflow/index.js';
import { FakeSwitch } from '../../../test/fakes/fake-switch.js';

const flow = (inPort: number, out: number): FlowMod => ({ command: 'add', tableId: 40, priority: 100, cookie: makeCookie(1, FEATURE.L2_FORWARD, inPort), match: { inPort }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: out }] }] });

describe('planSync with flows carried over by reference', () => {
  it('keeps a shared object without comparing it, and still finds equal new objects and stale ones', () => {
    const kept = flow(1, 1);
    const installed = [kept, flow(2, 2), flow(3, 3)];
    // flow 2 rebuilt as an equal new object, flow 3 gone, flow 4 new.
    const plan = planSync({ flows: [kept, flow(2, 2), flow(4, 4)], groups: [] }, installed, [], undefined, false);
    expect(plan.stats).toMatchObject({ flowsKept: 2, flowsAdded: 1, flowsDeleted: 1 });
    expect(plan.flowMods.map((m) => [m.command, m.match.inPort])).toEqual([
      ['add', 4],
      ['deleteStrict', 3],
    ]);
  });

  it('the syncer remembers its objects between rounds', async () => {
    const sw = new FakeSwitch();
    const sync = new FlowSyncer(60_000);
    const a = [flow(1, 1), flow(2, 2)];
    await sync.sync(sw, { flows: a, groups: [] });
    sw.clearLog();
    expect(await sync.sync(sw, { flows: [a[0], flow(2, 9)], groups: [] })).toMatchObject({ flowsKept: 1, flowsAdded: 1, flowsDeleted: 0 });
    expect(sw.flowMods.map((m) => m.match.inPort)).toEqual([2]);
  });
});
