/**
 * The flow benchmark's machinery on a small scale: every flow of both installers lands on the
 * bridge, and the addon installs exactly the flows ovs-ofctl makes of the same text. Rates are
 * the benchmark's business (it refuses to report non-positive ones); no timing is asserted here.
 */
import { describe, expect, it } from 'vitest';
import { flowBenchProblems, runFlowBenchChecked } from '../../bench/flows.js';

describe('bench/flows.ts', () => {
  it('installs the same flows through the addon and ovs-ofctl, every one of them, and reports one row per measure', async () => {
    const flows = Number(process.env.OF_BENCH_FLOWS ?? 2000);
    const runs = Number(process.env.OF_BENCH_RUNS ?? 1);
    const { rows, checks } = await runFlowBenchChecked({ flows, runs });
    console.log(JSON.stringify(rows, null, 2));
    expect(checks.counts).toEqual(Array.from({ length: runs }, () => ({ addonPipelined: flows, addonBundle: flows, raw: flows, ofctlBundle: flows, afterDelete: 0 })));
    expect(checks.dumped).toEqual(Array.from({ length: runs }, () => flows));
    expect(checks.addonOnly).toEqual([]);
    expect(checks.ofctlOnly).toEqual([]);
    expect(flowBenchProblems(checks)).toEqual([]);
    // The checker itself can fail: one lost flow and one differing flow are both reported.
    const broken = { ...checks, counts: [{ ...checks.counts[0], ofctlBundle: flows - 1 }], addonOnly: ['x'] };
    expect(flowBenchProblems(broken)).toHaveLength(2);
    expect(rows.map((r) => r.name)).toEqual([`openflow: install ${flows / 1000}k flows`, `openflow: install ${flows / 1000}k flows (addon OF1.4 bundle)`, `openflow: install ${flows / 1000}k flows, against the raw ceiling`, `openflow: dump ${flows / 1000}k flows`]);
  }, 600_000);
});
