/**
 * The addon's ethtool decoders on replies whose sizes come from the wire: a string-set count,
 * a string index and a bitset size of ~4 billion must not size a table by them (each once took
 * gigabytes; the fuzzer's inputs are kept in test/fuzz-regressions/netlink_decode/).
 */
import { describe, expect, it } from 'vitest';
import { netlinkAddon } from './native.js';

const addon = netlinkAddon();
const NLA_F_NESTED = 0x8000;
const HUGE = 0xfffffff0;

function attr(type: number, payload: Buffer): Buffer {
  const b = Buffer.alloc((4 + payload.length + 3) & ~3);
  b.writeUInt16LE(4 + payload.length, 0);
  b.writeUInt16LE(type, 2);
  payload.copy(b, 4);
  return b;
}
const nest = (type: number, ...parts: Buffer[]) => attr(type | NLA_F_NESTED, Buffer.concat(parts));
function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}
/** One generic-netlink reply: nlmsghdr, genlmsghdr (cmd), attributes. */
function genl(cmd: number, ...attrs: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from([cmd, 1, 0, 0]), ...attrs]);
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + body.length, 0);
  h.writeUInt16LE(0x1c, 4);
  return Buffer.concat([h, body]);
}
/** ETHTOOL_MSG_STRSET_GET_REPLY for ETH_SS_FEATURES with `count` and (index, name) strings. */
function strset(count: number, strings: Array<[number, string]>): Buffer {
  const list = strings.map(([i, n]) => nest(1, attr(1, u32(i)), attr(2, Buffer.from(`${n}\0`))));
  return genl(1, nest(2, nest(1, attr(1, u32(4)), attr(2, u32(count)), nest(3, ...list))));
}
/** ETHTOOL_MSG_FEATURES_GET_REPLY: compact bitsets hw, active, nochange of `size` bits over one word. */
function features(size: number, hw: number, active: number, nochange: number): Buffer {
  const set = (type: number, word: number) => nest(type, attr(2, u32(size)), attr(4, u32(word)));
  return genl(10, set(2, hw), set(4, active), set(5, nochange));
}

describe('decodeFeatures with sizes from the wire', () => {
  it('decodes a well-formed pair (positive control)', () => {
    const r = addon.decodeFeatures(strset(2, [[0, 'rx-gro'], [1, 'tx-checksum-ipv4']]), features(2, 0b11, 0b01, 0b10));
    expect(r).toEqual({ 'rx-gro': { active: true, changeable: true }, 'tx-checksum-ipv4': { active: false, changeable: false } });
  });

  it('keeps the names it was given when the declared count is ~4 billion', () => {
    const r = addon.decodeFeatures(strset(HUGE, [[0, 'rx-gro']]), features(1, 1, 1, 0));
    expect(r).toEqual({ 'rx-gro': { active: true, changeable: true } });
  });

  it('ignores a string whose index is ~4 billion and keeps the others', () => {
    const r = addon.decodeFeatures(strset(1, [[HUGE, 'bogus'], [0, 'rx-gro']]), features(1, 1, 0, 0));
    expect(r).toEqual({ 'rx-gro': { active: false, changeable: true } });
  });

  it('reads only the bits a bitset carries when its declared size is ~4 billion', () => {
    const r = addon.decodeFeatures(strset(2, [[0, 'rx-gro'], [1, 'rx-lro']]), features(HUGE, 0b11, 0b10, 0));
    expect(r).toEqual({ 'rx-gro': { active: false, changeable: true }, 'rx-lro': { active: true, changeable: true } });
  });
});
