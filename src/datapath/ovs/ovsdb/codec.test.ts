import { describe, expect, it } from 'vitest';
import { decodeAtom, decodeMap, decodeOptional, decodeSet, decodeValue, encodeMap, encodeOptional, encodeSet, namedUuid, uuid } from './codec.js';

describe('OVSDB value codec', () => {
  it('encodes uuids, named uuids, sets and maps in RFC 7047 notation', () => {
    expect(uuid('3f2d')).toEqual(['uuid', '3f2d']);
    expect(namedUuid('np_p0')).toEqual(['named-uuid', 'np_p0']);
    expect(encodeSet(['OpenFlow13', 'OpenFlow14'])).toEqual(['set', ['OpenFlow13', 'OpenFlow14']]);
    expect(encodeSet([])).toEqual(['set', []]);
    expect(encodeMap({ a: '1', b: 2 })).toEqual(['map', [['a', '1'], ['b', 2]]]);
    expect(encodeOptional(undefined)).toEqual(['set', []]);
    expect(encodeOptional(5)).toBe(5);
  });

  it('decodes atoms, turning uuids into their string', () => {
    expect(decodeAtom('x')).toBe('x');
    expect(decodeAtom(3)).toBe(3);
    expect(decodeAtom(false)).toBe(false);
    expect(decodeAtom(['uuid', 'abc'])).toBe('abc');
    expect(() => decodeAtom({})).toThrow(TypeError);
  });

  it('decodes sets, including the bare-atom form of a one-element set', () => {
    expect(decodeSet(['set', [1, 2]])).toEqual([1, 2]);
    expect(decodeSet(['set', [['uuid', 'a'], ['uuid', 'b']]])).toEqual(['a', 'b']);
    expect(decodeSet(['uuid', 'a'])).toEqual(['a']);
    expect(decodeSet('secure')).toEqual(['secure']);
    expect(decodeOptional(['set', []])).toBeUndefined();
    expect(decodeOptional(7)).toBe(7);
  });

  it('decodes maps to records', () => {
    expect(decodeMap(['map', [['k', 'v'], ['n', 1]]])).toEqual({ k: 'v', n: '1' });
    expect(decodeMap(['map', []])).toEqual({});
    expect(() => decodeMap(['set', []])).toThrow(TypeError);
  });

  it('decodes any value without schema', () => {
    expect(decodeValue(['map', [['a', 'b']]])).toEqual({ a: 'b' });
    expect(decodeValue(['set', ['x']])).toEqual(['x']);
    expect(decodeValue(['uuid', 'u'])).toBe('u');
    expect(decodeValue('plain')).toBe('plain');
  });

  it('round-trips a map through encode and decode', () => {
    const rec = { 'iface-id': 'ep-1', 'attached-mac': '02:00:00:00:00:01' };
    expect(decodeMap(JSON.parse(JSON.stringify(encodeMap(rec))))).toEqual(rec);
  });
});
