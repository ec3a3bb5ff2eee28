import { describe, expect, it } from 'vitest';
import { readJson } from './json.js';

describe('readJson', () => {
  it.each([
    '{}',
    '[]',
    '{"a":[1,-2.5e3,0,true,false,null],"b":{"c":"x\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"}}',
    ' \n\t"plain" ',
    '-0',
    '1E+2',
  ])('reads %j like JSON.parse', (text) => {
    const r = readJson(text);
    if (!r.ok) throw new Error(r.reason);
    expect(r.value).toEqual(JSON.parse(text));
  });

  it.each([
    ['{"a":}', 1, 6, /expected a value/],
    ['{\n  "a": 1,\n}', 3, 1, /expected a key string/],
    ['[1 2]', 1, 4, /expected ',' or ']'/],
    ['{"a" 1}', 1, 6, /expected ':'/],
    ['"abc', 1, 1, /unterminated string/],
    ['"a\\x"', 1, 3, /bad escape/],
    ['01', 1, 2, /after the document/],
    ['tru', 1, 1, /expected a value/],
    ['{"a":1} x', 1, 9, /after the document/],
    ['', 1, 1, /end of input/],
  ])('locates the error in %j', (text, line, column, reason) => {
    const r = readJson(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect([r.line, r.column]).toEqual([line, column]);
      expect(r.reason).toMatch(reason);
    }
  });

  it('keeps every raw key, duplicates included', () => {
    const r = readJson('{"Name":"a","name":"b","Name":"c"}');
    if (!r.ok) throw new Error(r.reason);
    expect(r.rawKeys.get(r.value as object)).toEqual(['Name', 'name', 'Name']);
  });

  it('treats __proto__ as a plain key', () => {
    const r = readJson('{"__proto__":{"polluted":1}}');
    if (!r.ok) throw new Error(r.reason);
    expect(Object.keys(r.value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    const r = readJson('['.repeat(100000));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/nested deeper/);
  });
});
