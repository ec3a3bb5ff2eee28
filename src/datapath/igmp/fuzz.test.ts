/** decodeIgmpFrame never throws: random bytes, and the kernel's frames with bytes changed, cut or grown. */
import { describe, expect, it } from 'vitest';
import { decodeIgmpFrame, internetChecksum, isMulticastIpv4, joinedGroups } from './index.js';
import { loadIgmpFixtures } from '../../../test/helpers/igmp-fixtures.js';
import { rng } from '../../../test/helpers/rng.js';

const fx = loadIgmpFixtures();
const seeds = [...fx.reports, ...fx.answers, ...fx.queries].map((f) => Buffer.from(f.hex, 'hex'));

/** What must hold of any decoded frame: groups are multicast, and joinedGroups reads it without throwing. */
function checkDecoded(frame: Buffer): boolean {
  const r = decodeIgmpFrame(frame);
  expect(typeof r.ok).toBe('boolean');
  if (!r.ok) {
    expect(r.reason.length).toBeGreaterThan(0);
    return false;
  }
  if (r.igmp.type !== 'query' && r.igmp.group !== undefined) expect(isMulticastIpv4(r.igmp.group)).toBe(true);
  for (const rec of r.igmp.records ?? []) expect(isMulticastIpv4(rec.group)).toBe(true);
  joinedGroups(r.igmp);
  return true;
}

describe('decodeIgmpFrame fuzz', () => {
  it('answers random bytes (any length, IPv4/IGMP-looking or not) without throwing', () => {
    const r = rng(14);
    for (let i = 0; i < 20000; i++) {
      const f = Buffer.from(Array.from({ length: r.int(120) }, () => r.int(256)));
      // Half look like IPv4 IGMP, so the deeper checks are reached too.
      if (r.next() < 0.5 && f.length > 24) {
        f.writeUInt16BE(0x0800, 12);
        f[14] = 0x45 + r.int(3);
        f[23] = 2;
      }
      checkDecoded(f);
    }
  });

  it('answers mutated kernel frames (checksums fixed or not) without throwing, many still decoding', () => {
    const r = rng(15);
    let decoded = 0;
    for (let i = 0; i < 20000; i++) {
      let f = Buffer.from(r.pick(seeds));
      for (let k = 1 + r.int(3); k > 0; k--) f[14 + r.int(f.length - 14)] = r.pick([0, 0xff, r.int(256), f[14 + r.int(f.length - 14)] + 1]);
      if (r.next() < 0.2) f = f.subarray(0, r.int(f.length));
      if (r.next() < 0.1) f = Buffer.concat([f, Buffer.from(Array.from({ length: r.int(40) }, () => r.int(256)))]);
      if (r.next() < 0.7 && f.length >= 38) {
        const ihl = (f[14] & 0x0f) * 4;
        if (ihl >= 20 && 14 + ihl <= f.length) {
          f.writeUInt16BE(0, 24);
          f.writeUInt16BE(internetChecksum(f, 14, 14 + ihl), 24);
          const end = Math.min(f.length, 14 + f.readUInt16BE(16));
          if (end >= 14 + ihl + 4) {
            f.writeUInt16BE(0, 14 + ihl + 2);
            f.writeUInt16BE(internetChecksum(f, 14 + ihl, end), 14 + ihl + 2);
          }
        }
      }
      if (checkDecoded(f)) decoded++;
    }
    // The control: with checksums fixed, many mutations (a changed group byte, a MAC) still decode.
    expect(decoded).toBeGreaterThan(1000);
  });
});
