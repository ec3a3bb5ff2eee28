/**
 * Meters as text, exactly as `ovs-ofctl -O OpenFlow13` prints them: a meter-mod as `ofp-print` does,
 * a meter's configuration as `dump-meters` does and its counters as `meter-stats` does.
 */
import { OFPM_ALL, OFPM_CONTROLLER, OFPM_SLOWPATH, OFPMF_BURST, OFPMF_KBPS, OFPMF_PKTPS, OFPMF_STATS } from './constants.js';
import type { MeterConfig, MeterMod, MeterStats } from './types.js';

/** Meter flags in the order ofctl prints them. */
const METER_FLAG_NAMES: [number, string][] = [
  [OFPMF_KBPS, 'kbps'],
  [OFPMF_PKTPS, 'pktps'],
  [OFPMF_BURST, 'burst'],
  [OFPMF_STATS, 'stats'],
];
const METER_COMMANDS: Record<MeterMod['command'], string> = { add: 'ADD', modify: 'MOD', delete: 'DEL' };

/** A meter id as ofctl prints it: the reserved ones by name (`meter=all` deletes every meter). */
function meterIdString(id: number): string {
  if (id === OFPM_ALL) return 'all';
  if (id === OFPM_CONTROLLER) return 'controller';
  if (id === OFPM_SLOWPATH) return 'slowpath';
  return String(id);
}

/**
 * A meter's configuration as `ovs-ofctl -O OpenFlow13 dump-meters` prints it: `meter=5 kbps burst stats bands=`
 * then one `type=drop rate=N` line per band, with ` burst_size=N` when the meter has OFPMF_BURST.
 */
export function meterConfigToString(m: MeterConfig): string {
  let s = `meter=${meterIdString(m.meterId)} `;
  let unknown = m.flags;
  for (const [bit, name] of METER_FLAG_NAMES) {
    if (m.flags & bit) s += `${name} `;
    unknown &= ~bit;
  }
  if (unknown) s += `flags:0x${unknown.toString(16)} `;
  s += 'bands=';
  for (const b of m.bands) {
    if (b.type === 'raw') s += `\nraw:${b.hex.toLowerCase()}`;
    else s += `\ntype=drop rate=${b.rate}${m.flags & OFPMF_BURST ? ` burst_size=${b.burstSize ?? 0}` : ''}`;
  }
  return s;
}

/** A meter-mod as `ovs-ofctl ofp-print` prints it after the header: the command (`ADD`, `MOD`, `DEL`), then its configuration. */
export function meterModToString(m: MeterMod): string {
  return `${METER_COMMANDS[m.command]} ${meterConfigToString(m)}`;
}

/** Seconds as ofctl prints a duration: milliseconds when nanoseconds are whole milliseconds, else every digit needed. */
function durationString(sec: number, nsec: number): string {
  if (nsec === 0) return `${sec}s`;
  if (nsec % 1_000_000 === 0) return `${sec}.${String(nsec / 1_000_000).padStart(3, '0')}s`;
  return `${sec}.${String(nsec).padStart(9, '0').replace(/0+$/, '')}s`;
}

/**
 * A meter's counters as `ovs-ofctl -O OpenFlow13 meter-stats` prints them: `meter:5 flow_count:1 packet_in_count:20
 * byte_in_count:1200 duration:2.046s bands:` then `N: packet_count:P byte_count:B` per band (what it dropped).
 */
export function meterStatsToString(m: MeterStats): string {
  let s = `meter:${meterIdString(m.meterId)} flow_count:${m.flowCount} packet_in_count:${m.packetInCount} byte_in_count:${m.byteInCount} duration:${durationString(m.durationSec, m.durationNsec)} bands:`;
  m.bands.forEach((b, i) => (s += `\n${i}: packet_count:${b.packets} byte_count:${b.bytes}`));
  return s;
}
