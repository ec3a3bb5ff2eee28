import { describe, expect, it } from 'vitest';
import { JsonStreamFramer } from './framing.js';

describe('JsonStreamFramer', () => {
  it('splits several concatenated messages in one chunk', () => {
    const f = new JsonStreamFramer();
    const out = f.push('{"id":1,"result":[]}{"id":2,"result":{"a":[1,2]}} \n{"method":"echo","params":[],"id":"echo"}');
    expect(out).toEqual([
      { id: 1, result: [] },
      { id: 2, result: { a: [1, 2] } },
      { method: 'echo', params: [], id: 'echo' },
    ]);
    expect(f.pending).toBe(false);
  });

  it('reassembles a message split at every possible byte boundary', () => {
    const msg = { id: 7, result: [{ rows: [{ name: 'br}{"x', external_ids: ['map', [['k', 'v\\"}']]] }] }] };
    const text = JSON.stringify(msg) + JSON.stringify({ id: 8 });
    for (let cut = 1; cut < text.length; cut++) {
      const f = new JsonStreamFramer();
      const out = [...f.push(text.slice(0, cut)), ...f.push(text.slice(cut))];
      expect(out).toEqual([msg, { id: 8 }]);
    }
  });

  it('is not fooled by braces, brackets and escaped quotes inside strings', () => {
    const f = new JsonStreamFramer();
    const tricky = { s: '}}]]{{[["\\', t: '\\"}' };
    expect(f.push(JSON.stringify(tricky))).toEqual([tricky]);
  });

  it('handles a multi-byte UTF-8 character split across chunks', () => {
    const text = Buffer.from(JSON.stringify({ name: 'brü€🙂' }), 'utf8');
    const f = new JsonStreamFramer();
    const idx = text.indexOf(0xe2); // first byte of the euro sign
    expect(f.push(text.subarray(0, idx + 1))).toEqual([]);
    expect(f.pending).toBe(true);
    expect(f.push(text.subarray(idx + 1))).toEqual([{ name: 'brü€🙂' }]);
  });

  it('delivers messages one byte at a time', () => {
    const text = '{"a":{"b":[1,{"c":"}"}]}}[1,2]';
    const f = new JsonStreamFramer();
    const out: unknown[] = [];
    for (const ch of Buffer.from(text)) out.push(...f.push(Buffer.from([ch])));
    expect(out).toEqual([{ a: { b: [1, { c: '}' }] } }, [1, 2]]);
  });

  it('rejects garbage between messages', () => {
    const f = new JsonStreamFramer();
    expect(() => f.push('{"a":1} x')).toThrow(SyntaxError);
  });
});
