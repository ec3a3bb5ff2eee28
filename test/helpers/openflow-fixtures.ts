/** Shared helpers for the codec unit tests: fixture loading and byte comparison with the first differing offset. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

/** The fixture file written by test/fixtures/openflow/capture.mjs from real ovs-ofctl traffic. */
export interface Fixtures {
  flowMods: { name: string; ofctl: string; hex: string }[];
  groupMods: { name: string; ofctl: string; hex: string }[];
  messages: Record<string, string | string[]>;
  ofctlDump: string[];
}

/** Loads test/fixtures/openflow/fixtures.json. */
export function loadFixtures(): Fixtures {
  return JSON.parse(readFileSync(join(here, '../fixtures/openflow/fixtures.json'), 'utf8')) as Fixtures;
}

/** Describes the first byte where `actual` and `expected` differ (bytes 4..7, the xid, are ignored); '' if equal. */
export function firstDifference(actual: Buffer, expected: Buffer): string {
  const n = Math.max(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (i >= 4 && i < 8) continue;
    if (actual[i] !== expected[i]) {
      const ctx = (b: Buffer) => b.subarray(Math.max(0, i - 4), i + 8).toString('hex');
      return `first difference at byte ${i} (0x${i.toString(16)}): actual ${actual[i]?.toString(16) ?? 'END'} expected ${expected[i]?.toString(16) ?? 'END'}; around: actual ${ctx(actual)} expected ${ctx(expected)}; lengths ${actual.length}/${expected.length}`;
    }
  }
  return '';
}


/** format-fixtures.json, written by test/fixtures/openflow/capture-format.mjs from real ovs-ofctl runs. */
export interface FormatFixtures {
  ovsVersion: string;
  flows: { name: string; ofctl: string; flowMod: string; dump: string; statsDump: string; flowStatsReplies: string[] }[];
  groups: { name: string; ofctl: string; groupMod: string; dump: string }[];
  groupDescReplies: string[];
  skipped: { name: string; why: string }[];
  /** Conntrack forms the codec keeps as `raw` actions: what ovs-ofctl sent, what it printed, what the switch dumped. */
  unmodeled: { name: string; ofctl: string; flowMod: string; dump: string; flowStatsReplies: string[] }[];
}

/** Loads test/fixtures/openflow/format-fixtures.json. */
export function loadFormatFixtures(): FormatFixtures {
  return JSON.parse(readFileSync(join(here, '../fixtures/openflow/format-fixtures.json'), 'utf8')) as FormatFixtures;
}

/** Describes the first character where two lines differ, with a caret under it; '' if equal. */
export function firstTextDifference(actual: string, expected: string): string {
  if (actual === expected) return '';
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  return `first difference at character ${i}:\n  actual:   ${actual}\n  expected: ${expected}\n            ${' '.repeat(i)}^`;
}

/** policy-fixtures.json, written by test/fixtures/openflow/capture-policy.mjs from a private vswitchd. */
export interface PolicyFixtures {
  ovsVersion: string;
  /** Conjunction, conj_id and controller flows, in format-fixtures.json's flow shape. */
  flows: FormatFixtures['flows'];
  /** OFPT_METER_MOD bytes ovs-ofctl sent, with the line `ovs-ofctl ofp-print` gives for them. */
  meterMods: { name: string; ofctl: string; meterMod: string; print: string }[];
  /** OFPT_PACKET_IN messages a bare connection got for `frame` without and with OFPT_SET_CONFIG (miss_send_len 0xffff). */
  packetIns: { name: string; version: number; frame: string; withoutSetConfig: string[]; withSetConfig: string[]; print: string[] }[];
}

/** Loads test/fixtures/openflow/policy-fixtures.json. */
export function loadPolicyFixtures(): PolicyFixtures {
  return JSON.parse(readFileSync(join(here, '../fixtures/openflow/policy-fixtures.json'), 'utf8')) as PolicyFixtures;
}

/** meter-fixtures.json, written by test/fixtures/openflow/capture-meters.mjs from a private vswitchd. */
export interface MeterFixtures {
  ovsVersion: string;
  /** Accepted OFPT_METER_MOD bytes ovs-ofctl sent, with the line `ovs-ofctl ofp-print` gives for them. */
  meterMods: { name: string; ofctl: string; meterMod: string; print: string }[];
  /** Meter mods vswitchd refused (or accepted silently): ovs-ofctl's exit code, the OFPT_ERRORs and their ofp-print line. */
  refusals: { name: string; ofctl: string; exitCode: number; meterMod: string; print: string; errors: string[]; errorPrint: string[] }[];
  /** dump-meters / meter-stats runs: the request, the replies (or errors) and what ovs-ofctl printed. */
  dumps: { name: string; ofctl: string; request: string; replies: string[]; errors: string[]; text: string }[];
  /** meter-stats of `meters` meters: a reply vswitchd split into several messages. */
  split: { meters: number; replies: string[] };
}

/** Loads test/fixtures/openflow/meter-fixtures.json. */
export function loadMeterFixtures(): MeterFixtures {
  return JSON.parse(readFileSync(join(here, '../fixtures/openflow/meter-fixtures.json'), 'utf8')) as MeterFixtures;
}

/** packet-out-fixtures.json, written by test/fixtures/openflow/capture-packet-out.mjs from ovs-ofctl and a private vswitchd. */
export interface PacketOutFixtures {
  ovsVersion: string;
  /** The frame every packet-out carries (an IGMPv3 general query), hex. */
  frame: string;
  packetOuts: { name: string; ofctl: string; exitCode: number; packetOut: string; print: string; errors: string[]; errorPrint: string[] }[];
}

/** Loads test/fixtures/openflow/packet-out-fixtures.json. */
export function loadPacketOutFixtures(): PacketOutFixtures {
  return JSON.parse(readFileSync(join(here, '../fixtures/openflow/packet-out-fixtures.json'), 'utf8')) as PacketOutFixtures;
}
