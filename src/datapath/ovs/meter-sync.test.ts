import { describe, expect, it } from 'vitest';
import { installedOf, meterBand, planMeters, type InstalledMeter } from './meter-sync.js';
import { OFPMF_BURST, OFPMF_KBPS, OFPMF_PKTPS, OFPMF_STATS } from './openflow/index.js';

const FLAGS = OFPMF_KBPS | OFPMF_BURST | OFPMF_STATS;
const lim = (meterId: number, rate: number, burst = rate * 0.8) => ({ meterId, rate, burst });
const have = (meterId: number, rate: number, burstSize: number, flags = FLAGS): InstalledMeter => ({ meterId, flags, bands: [{ type: 'drop', rate, burstSize }] });

describe('planMeters', () => {
  it('adds missing meters, in kbit/s with an explicit burst and statistics', () => {
    expect(planMeters([lim(65542, 10e6)], [])).toEqual({
      before: [{ command: 'add', meterId: 65542, flags: FLAGS, bands: [{ type: 'drop', rate: 10000, burstSize: 8000 }] }],
      after: [],
    });
  });

  it('leaves a meter that is already right alone, modifies a changed one, and never deletes to change', () => {
    const plan = planMeters([lim(65542, 10e6), lim(65545, 50e6, 40e6)], [have(65542, 10000, 8000), have(65545, 20000, 16000)]);
    expect(plan.before).toEqual([{ command: 'modify', meterId: 65545, flags: FLAGS, bands: [{ type: 'drop', rate: 50000, burstSize: 40000 }] }]);
    expect(plan.after).toEqual([]);
  });

  it('modifies a meter in packets per second or without a burst into our form', () => {
    expect(planMeters([lim(65542, 10e6)], [have(65542, 10000, 8000, OFPMF_PKTPS | OFPMF_BURST)]).before.map((m) => m.command)).toEqual(['modify']);
    expect(planMeters([lim(65542, 10e6)], [{ meterId: 65542, flags: OFPMF_KBPS, bands: [{ type: 'drop', rate: 10000 }] }]).before.map((m) => m.command)).toEqual(['modify']);
  });

  it('deletes stale QoS meters after the flows, and never touches meters below the QoS range (the policy log meter)', () => {
    const plan = planMeters([], [have(1, 100, 100, OFPMF_PKTPS | OFPMF_BURST), have(65542, 10000, 8000), have(0x30004, 1000, 800)]);
    expect(plan.before).toEqual([]);
    expect(plan.after).toEqual([
      { command: 'delete', meterId: 65542, flags: 0, bands: [] },
      { command: 'delete', meterId: 0x30004, flags: 0, bands: [] },
    ]);
  });

  it('plans nothing against what it installed itself', () => {
    const desired = [lim(65542, 10e6), lim(65545, 1.5e9, 1.2e9)];
    expect(planMeters(desired, installedOf(desired))).toEqual({ before: [], after: [] });
  });

  it('rounds to whole kbit, never below 1', () => {
    expect(meterBand(lim(1, 1499, 400))).toEqual({ rate: 1, burstSize: 1 });
    expect(meterBand(lim(1, 2.5e9, 2e9))).toEqual({ rate: 2500000, burstSize: 2000000 });
  });
});
