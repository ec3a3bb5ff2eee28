/**
 * encodeGeneralQuery against the fixture (test/fixtures/igmp/capture.mjs): the same bytes as the frames
 * tcpdump and tshark read there as valid v2/v3 general queries (checksums good, Router Alert present),
 * and which the Linux kernel answered with reports (the fixture's answers; test/integration/igmp-kernel.test.ts
 * repeats that live). Also the v3 float codes and multicastMac.
 */
import { describe, expect, it } from 'vitest';
import { decodeIgmpFrame, encodeGeneralQuery, expandV3Code, IGMP_V3_CODE_MAX, multicastMac, v3Code } from './index.js';
import { loadIgmpFixtures } from '../../../test/helpers/igmp-fixtures.js';

const fx = loadIgmpFixtures();

describe('encodeGeneralQuery', () => {
  for (const q of fx.queries) {
    it(`${q.name}: encodes to the fixture's bytes, which the tools read as a valid general query`, () => {
      const frame = encodeGeneralQuery(q.options);
      expect(frame.toString('hex')).toBe(q.hex);
      const d = decodeIgmpFrame(frame);
      expect(d).toMatchObject({ ok: true, srcMac: q.options.srcMac, dstMac: '01:00:5e:00:00:01', srcIp: q.options.srcIp, dstIp: '224.0.0.1' });
      expect(d.ok && d.igmp).toEqual({ type: 'query', group: '0.0.0.0', version: q.options.version, maxRespTime: expandV3Code(v3Code(q.options.maxRespTimeDs)) });
      expect(q.tcpdump).toContain(`ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length ${frame.length - 14}, options (RA))`);
      expect(q.tcpdump).toContain(`${q.options.srcIp} > 224.0.0.1: igmp query v${q.options.version} [max resp time`);
      expect(q.tshark).toContain('[Header checksum status: Good]');
      expect(q.tshark).toContain('[Checksum Status: Good]');
      expect(q.tshark).toContain('Router Alert: Router shall examine packet (0)');
      if (q.options.version === 3) {
        expect(q.tshark).toContain('QRV: 2');
        // tshark prints the QQIC code as sent (0x92 = 146 for 288 s), the max resp time expanded.
        expect(q.tshark).toContain(`QQIC: ${v3Code(q.options.qqic ?? 125)}\n`);
        const code = v3Code(q.options.maxRespTimeDs);
        expect(q.tshark).toContain(`Max Resp Time: ${(expandV3Code(code) / 10).toFixed(1)} sec (0x${code.toString(16).padStart(2, '0')})`);
      }
    });
  }

  it('the kernel answered both versions (fixture answers: a v3 current-state report, a v2 report)', () => {
    expect(fx.answers.map((a) => a.name).sort()).toEqual(['v2_answer', 'v3_answer']);
  });

  const base = { srcMac: '02:00:00:00:00:01', srcIp: '10.0.0.1', version: 3 as const, maxRespTimeDs: 100 };
  it('refuses bad options naming the field', () => {
    expect(() => encodeGeneralQuery({ ...base, srcMac: '02:00:00:00:00' })).toThrow(/^srcMac: '02:00:00:00:00' is not a MAC address/);
    expect(() => encodeGeneralQuery({ ...base, srcIp: '10.0.0.256' })).toThrow(/^srcIp: '10\.0\.0\.256' is not a dotted-quad/);
    expect(() => encodeGeneralQuery({ ...base, version: 1 as unknown as 2 })).toThrow(/^version: 1 is not 2 or 3/);
    expect(() => encodeGeneralQuery({ ...base, version: 2, maxRespTimeDs: 0 })).toThrow(/^maxRespTimeDs: 0 is not an integer in 1\.\.255 \(IGMPv2\)/);
    expect(() => encodeGeneralQuery({ ...base, version: 2, maxRespTimeDs: 256 })).toThrow(/^maxRespTimeDs: 256/);
    expect(() => encodeGeneralQuery({ ...base, maxRespTimeDs: IGMP_V3_CODE_MAX + 1 })).toThrow(/^maxRespTimeDs: 31745 is not an integer in 1\.\.31744 \(IGMPv3\)/);
    expect(() => encodeGeneralQuery({ ...base, maxRespTimeDs: 1.5 })).toThrow(/^maxRespTimeDs: 1\.5/);
    expect(() => encodeGeneralQuery({ ...base, qqic: 0 })).toThrow(/^qqic: 0 is not an integer/);
  });
});

describe('IGMPv3 codes (RFC 3376 §4.1.1)', () => {
  it('carries values below 128 as they are and the largest float not above the others', () => {
    expect(v3Code(127)).toBe(127);
    expect(v3Code(128)).toBe(0x80);
    expect(expandV3Code(0x80)).toBe(128);
    expect(expandV3Code(0xff)).toBe(31744);
    expect(v3Code(1000)).toBe(0xaf);
    expect(expandV3Code(0xaf)).toBe(992);
    for (let v = 1; v <= IGMP_V3_CODE_MAX; v += 7) {
      const got = expandV3Code(v3Code(v));
      expect(got).toBeLessThanOrEqual(v);
      // No code carries a value between what it chose and v.
      const next = v3Code(v) + 1;
      if (v >= 128 && next <= 0xff) expect(expandV3Code(next)).toBeGreaterThan(v);
    }
  });
});

describe('multicastMac', () => {
  it('maps 01:00:5e and the low 23 bits of the group', () => {
    expect(multicastMac('224.0.0.1')).toBe('01:00:5e:00:00:01');
    expect(multicastMac('239.1.2.3')).toBe('01:00:5e:01:02:03');
    expect(multicastMac('224.129.2.3')).toBe('01:00:5e:01:02:03');
    expect(multicastMac('239.255.255.255')).toBe('01:00:5e:7f:ff:ff');
  });
  it('refuses what is not a multicast group, naming it', () => {
    expect(() => multicastMac('10.0.0.1')).toThrow(/^group: '10\.0\.0\.1' is not in 224\.0\.0\.0\/4/);
    expect(() => multicastMac('240.0.0.1')).toThrow(/^group: '240\.0\.0\.1' is not in 224\.0\.0\.0\/4/);
    expect(() => multicastMac('239.1.2')).toThrow(/^group: '239\.1\.2' is not a dotted-quad/);
  });
});
