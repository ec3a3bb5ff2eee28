/**
 * The fake switch's meter table (test/fakes/fake-switch.ts) against what a real vswitchd did with the same
 * meter mods (test/fixtures/openflow/meter-fixtures.json): what it refuses and with which code, what
 * dump-meters reports, how flow_count follows the flows, and what deleting a meter takes with it.
 */
import { describe, expect, it } from 'vitest';
import { NetpluginError } from '../../../common/errors.js';
import { decodeMessage, OFPET_METER_MOD_FAILED, OFPM_ALL, OFPMF_KBPS, type FlowMod, type MeterMod } from './index.js';
import { FakeSwitch } from '../../../../test/fakes/fake-switch.js';
import { loadMeterFixtures } from '../../../../test/helpers/openflow-fixtures.js';

const fx = loadMeterFixtures();
const bytes = (h: string) => Buffer.from(h, 'hex');
const modOf = (hex: string): MeterMod => decodeMessage(bytes(hex)).meterMod!;
const accepted = (name: string) => modOf(fx.meterMods.find((m) => m.name === name)!.meterMod);
const fixtureDump = (name: string) => fx.dumps.find((d) => d.name === name)!.replies.flatMap((h) => decodeMessage(bytes(h)).meterConfigs ?? []);
const byId = <T extends { meterId: number }>(xs: T[]) => [...xs].sort((a, b) => a.meterId - b.meterId);

/** A flow in table 0 whose instructions go through meter `meterId`. */
const meteredFlow = (priority: number, meterId: number): FlowMod => ({
  command: 'add',
  tableId: 0,
  priority,
  cookie: 0n,
  match: { ethType: 0x0800, ipProto: priority },
  instructions: [{ type: 'meter', meterId }, { type: 'gotoTable', tableId: 1 }],
});

/** A fake holding the meters vswitchd held when it was dumped (the fixture's adds and modify, in order). */
async function fakeAsDumped(): Promise<FakeSwitch> {
  const sw = new FakeSwitch();
  await sw.meterMods(['add_kbps_burst_stats', 'add_pktps_stats', 'add_two_bands', 'add_kbps_plain', 'modify_two_bands'].map(accepted));
  return sw;
}

async function failureOf(p: Promise<unknown>) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(NetpluginError);
  return (e as NetpluginError).details as { failures: { kind: string; kindIndex: number; type: number; message: string }[] };
}

describe('FakeSwitch meters, as vswitchd keeps them', () => {
  it('dump-meters gives what vswitchd gave after the same meter mods (burstSize = rate without OFPMF_BURST)', async () => {
    const sw = await fakeAsDumped();
    expect(byId(await sw.dumpMeters())).toEqual(byId(fixtureDump('dump_meters_all')));
    expect(await sw.dumpMeters(5)).toEqual(fixtureDump('dump_meters_one'));
  });

  it('refuses what vswitchd refused, with its code, and applies the rest of the batch', async () => {
    const sw = await fakeAsDumped();
    for (const r of fx.refusals) {
      const expected = r.errors.map((e) => decodeMessage(bytes(e)).errorName);
      const batch = [{ command: 'add' as const, meterId: 500, flags: OFPMF_KBPS, bands: [{ type: 'drop' as const, rate: 1 }] }, modOf(r.meterMod)];
      if (expected.length === 0) {
        await sw.meterMods(batch);
      } else {
        const d = await failureOf(sw.meterMods(batch));
        expect(d.failures).toEqual([expect.objectContaining({ kind: 'meterMod', kindIndex: 1, type: OFPET_METER_MOD_FAILED, message: expected[0] })]);
      }
      expect(await sw.dumpMeters(500), r.name).toHaveLength(1);
      await sw.meterMods([{ command: 'delete', meterId: 500, flags: 0, bands: [] }]);
    }
    expect(byId(await sw.dumpMeters())).toEqual(byId(fixtureDump('dump_meters_all')));
  });

  it('answers a missing meter id with no meters, as OpenFlowConnection turns OFPMMFC_UNKNOWN_METER into []', async () => {
    const sw = await fakeAsDumped();
    expect(await sw.dumpMeters(99)).toEqual([]);
    expect(await sw.meterStats(99)).toEqual([]);
  });

  it('counts the flows using each meter, and reports the counters a test sets', async () => {
    const sw = await fakeAsDumped();
    // As in the capture: one UDP flow through meter 7, IP and ARP flows through meter 5.
    await sw.write({ flowMods: [meteredFlow(17, 7), meteredFlow(4, 5), meteredFlow(3, 5)] });
    sw.setMeterCounters(7, { packetInCount: 20n, byteInCount: 1200n, bands: [{ packets: 19n, bytes: 1140n }] });
    const stats = await sw.meterStats();
    expect(stats.map((s) => [s.meterId, s.flowCount])).toEqual([[5, 2], [7, 1], [9, 0], [11, 0]]);
    expect(await sw.meterStats(7)).toEqual([{ meterId: 7, flowCount: 1, packetInCount: 20n, byteInCount: 1200n, durationSec: 0, durationNsec: 0, bands: [{ packets: 19n, bytes: 1140n }] }]);
    expect(() => sw.setMeterCounters(7, { bands: [] })).toThrow(/1 bands, not 0/);
    expect(() => sw.setMeterCounters(99, {})).toThrow(/no meter 99/);
  });

  it('deleting a meter removes it and the flows using it; deleting OFPM_ALL removes every meter', async () => {
    const sw = await fakeAsDumped();
    await sw.write({ flowMods: [meteredFlow(17, 7), meteredFlow(4, 5), { ...meteredFlow(1, 0), instructions: [] }] });
    await sw.meterMods([accepted('delete_one'), { command: 'delete', meterId: 7, flags: 0, bands: [] }]);
    expect((await sw.dumpMeters()).map((m) => m.meterId).sort()).toEqual([5, 9]);
    expect(sw.flows().map((f) => f.priority).sort()).toEqual([1, 4]);
    expect(accepted('delete_all').meterId).toBe(OFPM_ALL);
    await sw.meterMods([accepted('delete_all')]);
    expect(await sw.dumpMeters()).toEqual([]);
    expect(sw.flows().map((f) => f.priority)).toEqual([1]);
    expect(sw.meterModsSent.map((m) => m.command)).toEqual(['add', 'add', 'add', 'add', 'modify', 'delete', 'delete', 'delete']);
  });

  it('fails a meter mod a test picks, like the other messages', async () => {
    const sw = new FakeSwitch();
    sw.failWhen((m) => m.kind === 'meterMod' && m.mod.meterId === 2);
    const d = await failureOf(sw.meterMods([1, 2, 3].map((meterId) => ({ command: 'add' as const, meterId, flags: OFPMF_KBPS, bands: [{ type: 'drop' as const, rate: 1 }] }))));
    expect(d.failures.map((f) => f.kindIndex)).toEqual([1]);
    expect((await sw.dumpMeters()).map((m) => m.meterId)).toEqual([1, 3]);
  });
});
