/**
 * Meters against a real vswitchd (test/fixtures/openflow/capture-meters.mjs): the meter-mods ovs-ofctl sent,
 * the OFPMP_METER_CONFIG and OFPMP_METER requests and replies of `dump-meters` and `meter-stats` and the text
 * ovs-ofctl printed for them, the errors vswitchd answers to refused meter mods, and a reply split across
 * messages. Each is checked both ways (decode to the object written here, encode the object to the bytes),
 * then random meters go through decode -> encode -> decode.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMeterConfigReply,
  encodeMeterConfigRequest,
  encodeMeterMod,
  encodeMeterStatsReply,
  encodeMeterStatsRequest,
  meterConfigToString,
  meterModToString,
  meterStatsToString,
  OFPM_ALL,
  OFPMF_BURST,
  OFPMF_KBPS,
  OFPMF_PKTPS,
  OFPMF_STATS,
  OFPMP_METER,
  OFPMP_METER_CONFIG,
  OFPMPF_REPLY_MORE,
  OFPT_MULTIPART_REPLY,
  type MeterConfig,
  type MeterMod,
  type MeterStats,
} from './index.js';
import { firstDifference, firstTextDifference, loadMeterFixtures } from '../../../../test/helpers/openflow-fixtures.js';
import { rng } from '../../../../test/helpers/rng.js';

const fx = loadMeterFixtures();
const bytes = (h: string) => Buffer.from(h, 'hex');
const dump = (name: string) => fx.dumps.find((d) => d.name === name)!;
const sameBytes = (actual: Buffer, expected: string) => expect(firstDifference(actual, bytes(expected))).toBe('');
const sameText = (actual: string, expected: string) => expect(firstTextDifference(actual, expected)).toBe('');
/** ovs-ofctl's dump text without its `OFPST_... reply` header line. */
const entriesText = (text: string) => text.split('\n').slice(1).join('\n');

/** The meter-mods of the fixtures, written by hand from their ovs-ofctl text. */
const METER_MODS: Record<string, MeterMod> = {
  add_kbps_burst_stats: { command: 'add', meterId: 5, flags: OFPMF_KBPS | OFPMF_BURST | OFPMF_STATS, bands: [{ type: 'drop', rate: 10000, burstSize: 8000 }] },
  add_pktps_stats: { command: 'add', meterId: 7, flags: OFPMF_PKTPS | OFPMF_STATS, bands: [{ type: 'drop', rate: 1 }] },
  add_two_bands: { command: 'add', meterId: 9, flags: OFPMF_KBPS | OFPMF_STATS, bands: [{ type: 'drop', rate: 500 }, { type: 'drop', rate: 1000 }] },
  add_kbps_plain: { command: 'add', meterId: 11, flags: OFPMF_KBPS, bands: [{ type: 'drop', rate: 2000 }] },
  modify_two_bands: {
    command: 'modify',
    meterId: 9,
    flags: OFPMF_KBPS | OFPMF_BURST | OFPMF_STATS,
    bands: [
      { type: 'drop', rate: 600, burstSize: 100 },
      { type: 'drop', rate: 1200, burstSize: 200 },
    ],
  },
  delete_one: { command: 'delete', meterId: 11, flags: 0, bands: [] },
  delete_all: { command: 'delete', meterId: OFPM_ALL, flags: 0, bands: [] },
};

/**
 * The meters on the bridge while it was dumped (after modify_two_bands), in the order vswitchd listed them. A meter
 * without OFPMF_BURST comes back with burst_size equal to its rate (ovs-ofctl does not print it).
 */
const CONFIGS: Record<number, MeterConfig> = {
  11: { meterId: 11, flags: OFPMF_KBPS, bands: [{ type: 'drop', rate: 2000, burstSize: 2000 }] },
  7: { meterId: 7, flags: OFPMF_PKTPS | OFPMF_STATS, bands: [{ type: 'drop', rate: 1, burstSize: 1 }] },
  9: METER_MODS.modify_two_bands as MeterConfig,
  5: { meterId: 5, flags: OFPMF_KBPS | OFPMF_BURST | OFPMF_STATS, bands: [{ type: 'drop', rate: 10000, burstSize: 8000 }] },
};
const cfg = ({ meterId, flags, bands }: MeterConfig): MeterConfig => ({ meterId, flags, bands });

/** The counters ovs-ofctl printed: 20 UDP frames through meter 7 (1 packet/s, so it dropped 19), 5 TCP through meter 5. */
const COUNTERS: Record<number, Omit<MeterStats, 'durationSec' | 'durationNsec'>> = {
  11: { meterId: 11, flowCount: 0, packetInCount: 0n, byteInCount: 0n, bands: [{ packets: 0n, bytes: 0n }] },
  7: { meterId: 7, flowCount: 1, packetInCount: 20n, byteInCount: 1200n, bands: [{ packets: 19n, bytes: 1140n }] },
  9: { meterId: 9, flowCount: 0, packetInCount: 0n, byteInCount: 0n, bands: [{ packets: 0n, bytes: 0n }, { packets: 0n, bytes: 0n }] },
  5: { meterId: 5, flowCount: 2, packetInCount: 5n, byteInCount: 300n, bands: [{ packets: 0n, bytes: 0n }] },
};

/** The stats of `text` (ovs-ofctl meter-stats output): COUNTERS with the durations ovs-ofctl printed. */
function statsFromText(text: string): MeterStats[] {
  return [...text.matchAll(/^meter:(\d+) .* duration:(\d+)(?:\.(\d+))?s bands:$/gm)].map(([, id, sec, frac]) => ({
    ...COUNTERS[Number(id)],
    durationSec: Number(sec),
    durationNsec: Number((frac ?? '').padEnd(9, '0')),
  }));
}

describe('OFPT_METER_MOD against ovs-ofctl', () => {
  it('the fixtures hold every meter-mod written here', () => {
    expect(fx.meterMods.map((m) => m.name).sort()).toEqual(Object.keys(METER_MODS).sort());
  });
  for (const c of fx.meterMods) {
    it(`${c.name}: decodes to the object, encodes to ovs-ofctl's bytes, prints as ofp-print (${c.ofctl})`, () => {
      const mod = METER_MODS[c.name];
      expect(decodeMessage(bytes(c.meterMod)).meterMod).toEqual(mod);
      sameBytes(encodeMeterMod(mod, 2), c.meterMod);
      sameText(meterModToString(mod), c.print.replace(/^OFPT_METER_MOD \(OF1\.3\) \(xid=0x2\): /, ''));
    });
  }
});

describe('OFPMP_METER_CONFIG and OFPMP_METER requests', () => {
  const cases: [string, (xid: number, id?: number) => Buffer, number, number | undefined][] = [
    ['dump_meters_all', encodeMeterConfigRequest, OFPMP_METER_CONFIG, undefined],
    ['dump_meters_one', encodeMeterConfigRequest, OFPMP_METER_CONFIG, 5],
    ['dump_meters_missing', encodeMeterConfigRequest, OFPMP_METER_CONFIG, 99],
    ['meter_stats_all', encodeMeterStatsRequest, OFPMP_METER, undefined],
    ['meter_stats_one', encodeMeterStatsRequest, OFPMP_METER, 7],
    ['meter_stats_missing', encodeMeterStatsRequest, OFPMP_METER, 99],
  ];
  for (const [name, encode, mpType, meterId] of cases) {
    it(`${name}: encodes to ovs-ofctl's request and decodes to its meter id (${dump(name).ofctl})`, () => {
      sameBytes(encode(2, meterId), dump(name).request);
      const m = decodeMessage(bytes(dump(name).request));
      expect({ typeName: m.typeName, mpType: m.mpType, meterRequest: m.meterRequest }).toEqual({ typeName: 'OFPT_MULTIPART_REQUEST', mpType, meterRequest: { meterId: meterId ?? OFPM_ALL } });
    });
  }

  it('refuses a meter id that is not 32 bits, naming it', () => {
    expect(() => encodeMeterStatsRequest(1, 2 ** 32)).toThrow(/meterId/);
    expect(() => encodeMeterConfigRequest(1, -1)).toThrow(/meterId/);
  });

  it('refuses a request body that is not 8 bytes', () => {
    const h = dump('meter_stats_one').request;
    expect(() => decodeMessage(bytes(h.slice(0, 4) + '0014' + h.slice(8, 40)))).toThrow(RangeError);
    expect(() => decodeMessage(bytes(h.slice(0, 4) + '0020' + h.slice(8) + '0000000000000000'))).toThrow(/longer than 8 bytes/);
  });
});

describe('OFPMP_METER_CONFIG replies against dump-meters', () => {
  for (const name of ['dump_meters_all', 'dump_meters_one']) {
    const c = dump(name);
    it(`${name}: decodes to the meters, encodes back to vswitchd's bytes, prints as ovs-ofctl did (${c.ofctl})`, () => {
      expect(c.replies).toHaveLength(1);
      const m = decodeMessage(bytes(c.replies[0]));
      expect({ mpType: m.mpType, more: m.more }).toEqual({ mpType: OFPMP_METER_CONFIG, more: false });
      const expected = [...c.text.matchAll(/^meter=(\d+) /gm)].map(([, id]) => cfg(CONFIGS[Number(id)]));
      expect(expected).toHaveLength(name === 'dump_meters_all' ? 4 : 1);
      expect(m.meterConfigs).toEqual(expected);
      sameBytes(encodeMeterConfigReply(2, expected), c.replies[0]);
      sameText(m.meterConfigs!.map(meterConfigToString).join('\n\n'), entriesText(c.text));
    });
  }

  it('refuses an entry shorter than its 8-byte header or running past the reply', () => {
    const h = dump('dump_meters_one').replies[0];
    // ofp_meter_config.length is at byte 16.
    expect(() => decodeMessage(bytes(h.slice(0, 32) + '0004' + h.slice(36)))).toThrow(/shorter than 8 bytes/);
    expect(() => decodeMessage(bytes(h.slice(0, 32) + '0040' + h.slice(36)))).toThrow(RangeError);
  });
});

describe('OFPMP_METER replies against meter-stats', () => {
  for (const name of ['meter_stats_all', 'meter_stats_one']) {
    const c = dump(name);
    it(`${name}: decodes to the counters, encodes back to vswitchd's bytes, prints as ovs-ofctl did (${c.ofctl})`, () => {
      expect(c.replies).toHaveLength(1);
      const m = decodeMessage(bytes(c.replies[0]));
      expect({ mpType: m.mpType, more: m.more }).toEqual({ mpType: OFPMP_METER, more: false });
      const expected = statsFromText(c.text);
      expect(expected).toHaveLength(name === 'meter_stats_all' ? 4 : 1);
      expect(m.meterStats).toEqual(expected);
      sameBytes(encodeMeterStatsReply(2, expected), c.replies[0]);
      sameText(m.meterStats!.map(meterStatsToString).join('\n\n'), entriesText(c.text));
    });
  }

  it('refuses an entry whose length is not 40 plus whole band counters', () => {
    const h = dump('meter_stats_one').replies[0];
    // ofp_meter_stats.len is at byte 20.
    expect(() => decodeMessage(bytes(h.slice(0, 40) + '0030' + h.slice(44)))).toThrow(/40 plus a multiple of 16/);
    expect(() => decodeMessage(bytes(h.slice(0, 40) + '0020' + h.slice(44)))).toThrow(/40 plus a multiple of 16/);
  });

  it('refuses counters that do not fit their fields, naming the field', () => {
    const ok: MeterStats = { meterId: 1, flowCount: 0, packetInCount: 0n, byteInCount: 0n, durationSec: 0, durationNsec: 0, bands: [{ packets: 0n, bytes: 0n }] };
    expect(() => encodeMeterStatsReply(1, [{ ...ok, packetInCount: 1n << 64n }])).toThrow(/meterStats\[0\]\.packetInCount/);
    expect(() => encodeMeterStatsReply(1, [{ ...ok, bands: [{ packets: 1n } as never] }])).toThrow(/meterStats\[0\]\.bands\[0\]\.bytes/);
    expect(() => encodeMeterStatsReply(1, [{ ...ok, flowCount: -1 }])).toThrow(/meterStats\[0\]\.flowCount/);
    expect(() => encodeMeterConfigReply(1, [{ meterId: 1, flags: 1, bands: [{ type: 'remark' } as never] }])).toThrow(/meterConfigs\[0\]\.bands\[0\]\.type: 'remark'/);
    expect(() => encodeMeterConfigReply(1, [{ meterId: 1, flags: 0x10000, bands: [] }])).toThrow(/meterConfigs\[0\]\.flags/);
  });
});

describe('what vswitchd refuses', () => {
  it('an add of an existing meter: OFPMMFC_METER_EXISTS; a modify of a missing one: OFPMMFC_UNKNOWN_METER; a delete of a missing one: nothing', () => {
    const named = Object.fromEntries(fx.refusals.map((r) => [r.name, r]));
    const errorNames = (name: string) => named[name].errors.map((e) => decodeMessage(bytes(e)).errorName);
    expect(errorNames('add_existing')).toEqual(['OFPMMFC_METER_EXISTS']);
    expect(errorNames('modify_missing')).toEqual(['OFPMMFC_UNKNOWN_METER']);
    expect(named.delete_missing).toMatchObject({ exitCode: 0, errors: [] });
    // The error carries the refused meter-mod, whose xid it repeats.
    const e = decodeMessage(bytes(named.add_existing.errors[0]));
    expect(decodeMessage(e.data!).meterMod).toEqual({ command: 'add', meterId: 5, flags: OFPMF_KBPS, bands: [{ type: 'drop', rate: 1 }] });
  });

  it('a dump or stats request for a missing meter: OFPMMFC_UNKNOWN_METER, not an empty reply', () => {
    for (const name of ['dump_meters_missing', 'meter_stats_missing']) {
      expect(dump(name).replies).toEqual([]);
      const e = decodeMessage(bytes(dump(name).errors[0]));
      expect({ errorName: e.errorName, failedType: e.failedType }).toEqual({ errorName: 'OFPMMFC_UNKNOWN_METER', failedType: 18 });
    }
  });
});

describe('a meter-stats reply split across messages (OFPMPF_REPLY_MORE)', () => {
  const parts = fx.split.replies.map((h) => decodeMessage(bytes(h)));
  it('every part but the last says more follow; together they hold every meter once', () => {
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((p) => p.more)).toEqual(parts.map((_, i) => i < parts.length - 1));
    expect(parts.every((p) => p.type === OFPT_MULTIPART_REPLY && p.mpType === OFPMP_METER)).toBe(true);
    const ids = parts.flatMap((p) => p.meterStats!.map((s) => s.meterId));
    expect(ids).toHaveLength(fx.split.meters);
    expect(new Set(ids).size).toBe(fx.split.meters);
    expect(ids.filter((id) => id >= 1000)).toHaveLength(fx.split.meters - 3);
  });
  it('each part encodes back to its bytes, flags included', () => {
    parts.forEach((p, i) => sameBytes(encodeMeterStatsReply(p.xid, p.meterStats!, p.flags), fx.split.replies[i]));
    expect(parts[0].flags).toBe(OFPMPF_REPLY_MORE);
  });
});

describe('decode -> encode -> decode round trip over random meters', () => {
  const seed = Number(process.env.OF_FUZZ_SEED ?? Date.now() % 1e9) + 3;
  const r = rng(seed);
  const band = () =>
    r.next() < 0.8
      ? { type: 'drop' as const, rate: r.int(0xffffffff), ...(r.next() < 0.5 ? { burstSize: 1 + r.int(0xfffffffe) } : {}) }
      : { type: 'raw' as const, hex: '0002001000000064000000000a000000' };

  it('meter-config replies', () => {
    for (let i = 0; i < 300; i++) {
      const meters: MeterConfig[] = Array.from({ length: r.int(6) }, () => ({ meterId: r.int(0xffffffff), flags: r.int(16), bands: Array.from({ length: r.int(4) }, band) }));
      const flags = r.int(2);
      const buf = encodeMeterConfigReply(i, meters, flags);
      const decoded = decodeMessage(buf);
      expect({ meters: decoded.meterConfigs, more: decoded.more }, `seed ${seed} case ${i}`).toEqual({ meters, more: flags === 1 });
      expect(firstDifference(encodeMeterConfigReply(i, decoded.meterConfigs!, decoded.flags), buf), `seed ${seed} case ${i}`).toBe('');
    }
  });

  it('meter-stats replies', () => {
    for (let i = 0; i < 300; i++) {
      const meters: MeterStats[] = Array.from({ length: r.int(6) }, () => ({
        meterId: r.int(0xffffffff),
        flowCount: r.int(0xffffffff),
        packetInCount: r.bits(64),
        byteInCount: r.bits(64),
        durationSec: r.int(0xffffffff),
        durationNsec: r.int(1e9),
        bands: Array.from({ length: r.int(4) }, () => ({ packets: r.bits(64), bytes: r.bits(64) })),
      }));
      const buf = encodeMeterStatsReply(i, meters);
      const decoded = decodeMessage(buf).meterStats!;
      expect(decoded, `seed ${seed} case ${i}`).toEqual(meters);
      expect(firstDifference(encodeMeterStatsReply(i, decoded), buf), `seed ${seed} case ${i}`).toBe('');
      expect(decoded.map(meterStatsToString)).toEqual(meters.map(meterStatsToString));
    }
  });

  it('truncated or corrupted fixture replies either throw RangeError or decode to what their re-encoding decodes to', () => {
    const sources = [dump('meter_stats_all').replies[0], dump('dump_meters_all').replies[0]].map(bytes);
    for (let i = 0; i < 2000; i++) {
      const src = r.pick(sources);
      const buf = Buffer.from(src.subarray(0, 16 + r.int(src.length - 15)));
      buf.writeUInt16BE(buf.length, 2);
      for (let k = r.int(3); k > 0; k--) buf[16 + r.int(buf.length - 16)] = r.int(256);
      let m;
      try {
        m = decodeMessage(buf);
      } catch (e) {
        expect(e, `seed ${seed} case ${i}`).toBeInstanceOf(RangeError);
        continue;
      }
      // Pad bytes do not survive (the encoder writes zeros); everything decoded does.
      const again = m.mpType === OFPMP_METER ? encodeMeterStatsReply(m.xid, m.meterStats!, m.flags) : encodeMeterConfigReply(m.xid, m.meterConfigs!, m.flags);
      expect(decodeMessage(again), `seed ${seed} case ${i}`).toEqual(m);
    }
  });
});
