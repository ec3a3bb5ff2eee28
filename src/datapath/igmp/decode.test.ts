/**
 * decodeIgmpFrame against frames the Linux kernel sent (test/fixtures/igmp/capture.mjs: joins and leaves
 * through node's dgram, IGMPv3 and forced v2/v1, and its answers to our queries), checked against
 * tcpdump's reading of the same bytes; then every malformed case with its reason.
 */
import { describe, expect, it } from 'vitest';
import { decodeIgmpFrame, internetChecksum, joinedGroups, type IgmpDecodeResult, type IgmpFrame } from './index.js';
import { loadIgmpFixtures } from '../../../test/helpers/igmp-fixtures.js';

const fx = loadIgmpFixtures();
const all = [...fx.reports, ...fx.answers];
const frameOf = (name: string) => Buffer.from(all.find((f) => f.name === name)!.hex, 'hex');
const ok = (r: IgmpDecodeResult): IgmpFrame => {
  if (!r.ok) throw new Error(`not decoded: ${r.reason}`);
  return r;
};
const reason = (r: IgmpDecodeResult) => (r.ok ? 'decoded' : r.reason);

const GROUP = '239.1.2.3';
/** What each fixture must decode to, from how the capture made it. */
const EXPECTED: Record<string, { dstIp: string; igmp: IgmpFrame['igmp']; joined: string[]; left: string[] }> = {
  v3_join: { dstIp: '224.0.0.22', igmp: { type: 'v3report', records: [{ type: 4, group: GROUP, sources: [] }] }, joined: [GROUP], left: [] },
  v3_leave: { dstIp: '224.0.0.22', igmp: { type: 'v3report', records: [{ type: 3, group: GROUP, sources: [] }] }, joined: [], left: [GROUP] },
  v3_ssm_join: { dstIp: '224.0.0.22', igmp: { type: 'v3report', records: [{ type: 5, group: '232.1.1.1', sources: ['10.231.0.9'] }] }, joined: ['232.1.1.1'], left: [] },
  v3_ssm_leave: { dstIp: '224.0.0.22', igmp: { type: 'v3report', records: [{ type: 6, group: '232.1.1.1', sources: ['10.231.0.9'] }] }, joined: [], left: [] },
  v2_join: { dstIp: GROUP, igmp: { type: 'v2report', group: GROUP }, joined: [GROUP], left: [] },
  v2_leave: { dstIp: '224.0.0.2', igmp: { type: 'v2leave', group: GROUP }, joined: [], left: [GROUP] },
  v1_join: { dstIp: GROUP, igmp: { type: 'v1report', group: GROUP }, joined: [GROUP], left: [] },
  v3_answer: { dstIp: '224.0.0.22', igmp: { type: 'v3report', records: [{ type: 2, group: GROUP, sources: [] }] }, joined: [GROUP], left: [] },
  v2_answer: { dstIp: GROUP, igmp: { type: 'v2report', group: GROUP }, joined: [GROUP], left: [] },
};
/** tcpdump's names of the v3 record types. */
const TCPDUMP_MODES: Record<number, string> = { 1: 'is_in', 2: 'is_ex', 3: 'to_in', 4: 'to_ex', 5: 'allow', 6: 'block' };

describe('decodeIgmpFrame on the kernel\'s reports', () => {
  it('the fixtures hold every report written here', () => {
    expect(all.map((f) => f.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
  for (const f of all) {
    it(`${f.name} (${f.how}): decodes as expected and as tcpdump read it`, () => {
      const want = EXPECTED[f.name];
      const d = ok(decodeIgmpFrame(Buffer.from(f.hex, 'hex')));
      expect(d.igmp).toEqual(want.igmp);
      expect(d.srcIp).toBe('10.231.0.1');
      expect(d.dstIp).toBe(want.dstIp);
      expect(joinedGroups(d.igmp)).toEqual({ joined: want.joined, left: want.left });
      // The same facts in tcpdump's words.
      expect(f.tcpdump).toContain(`${d.srcMac} > ${d.dstMac}`);
      expect(f.tcpdump).toContain(`${d.srcIp} > ${d.dstIp}: igmp`);
      for (const r of d.igmp.records ?? []) expect(f.tcpdump).toContain(`[gaddr ${r.group} ${TCPDUMP_MODES[r.type]} { ${r.sources.map((s) => `${s} `).join('')}}]`);
      if (d.igmp.type === 'v2report') expect(f.tcpdump).toContain(`igmp v2 report ${d.igmp.group}`);
      if (d.igmp.type === 'v1report') expect(f.tcpdump).toContain(`igmp v1 report ${d.igmp.group}`);
      if (d.igmp.type === 'v2leave') expect(f.tcpdump).toContain(`igmp leave ${d.igmp.group}`);
      expect(f.tshark).toContain('[Checksum Status: Good]');
    });
  }

  it('decodes a report behind one 802.1Q tag and says which VLAN', () => {
    const f = frameOf('v3_join');
    const tagged = Buffer.concat([f.subarray(0, 12), Buffer.from('81002064', 'hex'), f.subarray(12)]);
    const d = ok(decodeIgmpFrame(tagged));
    expect(d.vlan).toBe(100);
    expect(d.igmp).toEqual(EXPECTED.v3_join.igmp);
  });

  it('ignores Ethernet padding beyond the IPv4 total length', () => {
    const f = frameOf('v2_join');
    expect(ok(decodeIgmpFrame(Buffer.concat([f, Buffer.alloc(60 - f.length)]))).igmp).toEqual(EXPECTED.v2_join.igmp);
  });
});

/** A copy of a fixture frame with `edit` applied, then the IPv4 and IGMP checksums fixed unless told not to. */
function mutated(from: string | Buffer, edit: (f: Buffer) => void, fix: { ip?: boolean; igmp?: boolean } = {}): Buffer {
  const f = Buffer.from(typeof from === 'string' ? frameOf(from) : from);
  edit(f);
  const ihl = (f[14] & 0x0f) * 4;
  if (fix.ip !== false && ihl >= 20 && 14 + ihl <= f.length) {
    f.writeUInt16BE(0, 24);
    f.writeUInt16BE(internetChecksum(f, 14, 14 + ihl), 24);
  }
  if (fix.igmp !== false && f.length >= 14 + 24 + 4) {
    const end = Math.min(f.length, 14 + f.readUInt16BE(16));
    f.writeUInt16BE(0, 14 + 24 + 2);
    f.writeUInt16BE(internetChecksum(f, 14 + 24, end), 14 + 24 + 2);
  }
  return f;
}

describe('decodeIgmpFrame refuses malformed frames with a reason', () => {
  const v3 = 'v3_join';
  const v2 = 'v2_join';
  const IGMP = 14 + 24;
  const cases: [string, () => Buffer, RegExp][] = [
    ['an empty buffer', () => Buffer.alloc(0), /frame too short: 0 bytes/],
    ['a cut Ethernet header', () => frameOf(v3).subarray(0, 10), /frame too short: 10 bytes/],
    ['a cut 802.1Q tag', () => Buffer.concat([frameOf(v3).subarray(0, 12), Buffer.from('8100', 'hex')]), /802\.1Q-tagged Ethernet header needs 18/],
    ['ARP', () => mutated(v3, (f) => f.writeUInt16BE(0x0806, 12)), /ethertype 0x0806 is not IPv4/],
    ['two 802.1Q tags', () => Buffer.concat([frameOf(v3).subarray(0, 12), Buffer.from('8100000581000006', 'hex'), frameOf(v3).subarray(12)]), /ethertype 0x8100 is not IPv4/],
    ['a cut IPv4 header', () => frameOf(v3).subarray(0, 30), /IPv4 header truncated: 16 bytes/],
    ['IP version 6', () => mutated(v3, (f) => (f[14] = 0x66)), /IP version 6 is not 4/],
    ['IHL 4', () => mutated(v3, (f) => (f[14] = 0x44)), /IPv4 IHL 4 is below the minimum 5/],
    ['IHL past the frame', () => mutated(v3, (f) => (f[14] = 0x4f)), /IPv4 IHL 15 \(60 bytes\) runs past the frame/],
    ['total length past the frame', () => mutated(v3, (f) => f.writeUInt16BE(200, 16)), /IPv4 total length 200 runs past the frame \(40 bytes of IP\)/],
    ['total length below the header', () => mutated(v3, (f) => f.writeUInt16BE(20, 16)), /IPv4 total length 20 is shorter than its header \(24\)/],
    ['a fragment', () => mutated(v3, (f) => f.writeUInt16BE(0x2000, 20)), /IPv4 fragment/],
    ['a bad IPv4 header checksum', () => mutated(v3, (f) => (f[22] = 2), { ip: false }), /bad IPv4 header checksum 0xf911/],
    ['UDP', () => mutated(v3, (f) => (f[23] = 17)), /IP protocol 17 is not IGMP/],
    ['a cut IGMP message', () => mutated(v3, (f) => f.writeUInt16BE(24 + 4, 16)), /IGMP message too short: 4 bytes/],
    ['a bad IGMP checksum', () => mutated(v3, (f) => (f[IGMP + 15] = 4), { igmp: false }), /bad IGMP checksum 0xe8f9/],
    ['an unknown IGMP type', () => mutated(v2, (f) => (f[IGMP] = 0x30)), /IGMP type 0x30 is not a query, report or leave/],
    ['a v2 report for a unicast group', () => mutated(v2, (f) => (f[IGMP + 4] = 10)), /group 10\.1\.2\.3 of the v2 report is not in 224\.0\.0\.0\/4/],
    ['a v2 leave for 240.0.0.1', () => mutated('v2_leave', (f) => f.set([240, 0, 0, 1], IGMP + 4)), /group 240\.0\.0\.1 of the v2 leave is not in 224\.0\.0\.0\/4/],
    ['a v3 record for a unicast group', () => mutated(v3, (f) => (f[IGMP + 12] = 10)), /group 10\.1\.2\.3 of IGMPv3 record 0 is not in 224\.0\.0\.0\/4/],
    ['a v3 report claiming more records than it holds', () => mutated(v3, (f) => f.writeUInt16BE(5, IGMP + 6)), /claims 5 records; record 1 overruns its 16 bytes/],
    ['a v3 record claiming more sources than the report holds', () => mutated(v3, (f) => f.writeUInt16BE(100, IGMP + 10)), /record 0 claims 100 sources and 0 aux bytes, which overrun its 16 bytes/],
    ['a v3 record with aux data past the end', () => mutated(v3, (f) => (f[IGMP + 9] = 1)), /record 0 claims 0 sources and 4 aux bytes/],
    ['a query of 9 bytes', () => mutated(Buffer.concat([frameOf(v2), Buffer.alloc(1)]), (f) => { f[IGMP] = 0x11; f.writeUInt16BE(24 + 9, 16); }), /IGMP query of 9 bytes: neither 8 \(v1\/v2\) nor at least 12 \(v3\)/],
    ['a v3 query claiming more sources than it holds', () => mutated(Buffer.concat([frameOf(v2), Buffer.alloc(4)]), (f) => { f[IGMP] = 0x11; f.writeUInt16BE(24 + 12, 16); f.writeUInt16BE(1, IGMP + 10); }), /IGMPv3 query claims 1 sources, which overrun its 12 bytes/],
    ['a query for a unicast group', () => mutated(v2, (f) => { f[IGMP] = 0x11; f[IGMP + 4] = 10; }), /group 10\.1\.2\.3 of the query is neither 0\.0\.0\.0 nor in 224\.0\.0\.0\/4/],
  ];
  for (const [what, make, want] of cases) {
    it(`${what}: ${want.source}`, () => {
      expect(reason(decodeIgmpFrame(make()))).toMatch(want);
    });
  }

  it('the mutation helper keeps an unmutated frame valid (the control for the cases above)', () => {
    expect(ok(decodeIgmpFrame(mutated(v3, () => undefined))).igmp).toEqual(EXPECTED.v3_join.igmp);
  });
});
