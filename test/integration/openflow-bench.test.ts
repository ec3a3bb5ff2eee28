/** The flow benchmark's machinery on a small scale: both installers verified by flow count, rows well-formed. */
import { describe, expect, it } from 'vitest';
import { runFlowBench } from '../../bench/flows.js';

describe('bench/flows.ts', () => {
  it('installs the same flows through the addon and ovs-ofctl and reports rates', async () => {
    const rows = await runFlowBench({ flows: Number(process.env.OF_BENCH_FLOWS ?? 2000), runs: Number(process.env.OF_BENCH_RUNS ?? 1) });
    console.log(JSON.stringify(rows, null, 2));
    expect(rows[0].name).toMatch(/^openflow: install \d+(\.\d+)?k flows$/);
    for (const r of rows) {
      expect(r.value).toBeGreaterThan(0);
      expect(r.baseline_value).toBeGreaterThan(0);
      expect(r.ratio).toBeCloseTo(r.value / r.baseline_value, 1);
    }
  }, 600_000);
});
