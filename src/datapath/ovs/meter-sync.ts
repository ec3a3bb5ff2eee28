/**
 * Makes the bridge's QoS meters (ids from QOS_METER_BASE up) equal to the desired ones. A meter
 * that is already right is left alone; a changed limit is a modify, which keeps the flows that
 * use the meter (deleting a meter deletes its flows, so a change never goes through a delete).
 * Meters below QOS_METER_BASE are never touched. Pure planning; FlowSyncer sends.
 */
import { OFPMF_BURST, OFPMF_KBPS, OFPMF_STATS, type MeterConfig, type MeterMod } from './openflow/index.js';
import type { MeterLimit } from './pipeline/model.js';
import { QOS_METER_BASE } from './pipeline/qos.js';

/** A meter as the bridge reports it (dump-meters). */
export type InstalledMeter = MeterConfig;

/** The meter changes of one sync: adds and modifies go before the flows, deletes after them. */
export interface MeterPlan {
  before: MeterMod[];
  after: MeterMod[];
}

/** The drop band of a limit, in the units meters count (kbit/s and kbit; at least 1 of each). */
export function meterBand(m: MeterLimit): { rate: number; burstSize: number } {
  return { rate: Math.max(1, Math.round(m.rate / 1000)), burstSize: Math.max(1, Math.round(m.burst / 1000)) };
}

/** The meter-mod that installs `m` (kbit/s, explicit burst, with statistics). */
export function meterModOf(command: 'add' | 'modify', m: MeterLimit): MeterMod {
  return { command, meterId: m.meterId, flags: OFPMF_KBPS | OFPMF_BURST | OFPMF_STATS, bands: [{ type: 'drop', ...meterBand(m) }] };
}

/** Whether an installed meter enforces exactly `m`. */
function sameLimit(installed: InstalledMeter, m: MeterLimit): boolean {
  const want = meterBand(m);
  const b = installed.bands;
  return (
    (installed.flags & (OFPMF_KBPS | OFPMF_BURST)) === (OFPMF_KBPS | OFPMF_BURST) &&
    b.length === 1 &&
    b[0].type === 'drop' &&
    b[0].rate === want.rate &&
    (b[0].burstSize ?? 0) === want.burstSize
  );
}

/** The changes turning the bridge's QoS meters (`installed`, any ids: others are ignored) into `desired`. */
export function planMeters(desired: readonly MeterLimit[], installed: readonly InstalledMeter[]): MeterPlan {
  const ours = new Map(installed.filter((m) => m.meterId >= QOS_METER_BASE).map((m) => [m.meterId, m]));
  const before: MeterMod[] = [];
  for (const m of desired) {
    const cur = ours.get(m.meterId);
    if (!cur) before.push(meterModOf('add', m));
    else if (!sameLimit(cur, m)) before.push(meterModOf('modify', m));
  }
  const wanted = new Set(desired.map((m) => m.meterId));
  const after: MeterMod[] = [...ours.keys()]
    .filter((id) => !wanted.has(id))
    .sort((a, b) => a - b)
    .map((meterId) => ({ command: 'delete', meterId, flags: 0, bands: [] }));
  return { before, after };
}

/** The installed form of what `planMeters` sent for `desired` (the next incremental plan's `installed`). */
export function installedOf(desired: readonly MeterLimit[]): InstalledMeter[] {
  return desired.map((m) => {
    const mod = meterModOf('add', m);
    return { meterId: m.meterId, flags: mod.flags, bands: mod.bands };
  });
}
