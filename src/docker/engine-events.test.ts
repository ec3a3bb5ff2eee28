import { describe, expect, it } from 'vitest';
import { EventLineSplitter, eventsQuery, parseEventLine } from './engine-events.js';

const ev = (action: string, name: string, nano: string): string =>
  `{"status":"${action}","id":"abc","from":"img","Type":"container","Action":"${action}","Actor":{"ID":"abc","Attributes":{"image":"img","name":"${name}"}},"scope":"local","time":${nano.slice(0, 10)},"timeNano":${nano}}\n`;

describe('EventLineSplitter', () => {
  it('returns several events that arrive in one chunk', () => {
    const s = new EventLineSplitter();
    const lines = s.push(ev('start', 'a', '1700000000123456789') + ev('die', 'b', '1700000001123456789'));
    expect(lines.map(parseEventLine).map((e) => `${e.action}:${e.name}`)).toEqual(['start:a', 'die:b']);
  });

  it('reassembles an event split over chunks at every position', () => {
    const text = ev('destroy', 'np-é€', '1700000002000000001') + ev('start', 'x', '1700000003000000000');
    const bytes = Buffer.from(text, 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      const s = new EventLineSplitter();
      const lines = [...s.push(bytes.subarray(0, cut)), ...s.push(bytes.subarray(cut)), ...s.end()];
      expect(lines.map(parseEventLine).map((e) => e.name)).toEqual(['np-é€', 'x']);
    }
  });

  it('skips blank lines and returns a trailing line without newline at the end', () => {
    const s = new EventLineSplitter();
    expect(s.push('\n\r\n' + ev('start', 'a', '1700000000000000000').trimEnd())).toEqual([]);
    expect(s.end().map(parseEventLine).map((e) => e.action)).toEqual(['start']);
    expect(s.end()).toEqual([]);
  });
});

describe('parseEventLine', () => {
  it('keeps timeNano exact as a bigint and reads the actor', () => {
    const e = parseEventLine(ev('die', 'web', '1700000000123456789'));
    expect(e).toEqual({ action: 'die', id: 'abc', name: 'web', type: 'container', time: 1700000000, timeNano: 1700000000123456789n });
  });

  it('throws on a line that is not JSON', () => {
    expect(() => parseEventLine('{"Action":')).toThrow(SyntaxError);
  });
});

describe('eventsQuery', () => {
  it('encodes since and the type/event filters as Docker expects', () => {
    const q = eventsQuery({ since: 1700000000, types: ['container'], actions: ['start', 'die'] });
    const p = new URLSearchParams(q.slice(1));
    expect(p.get('since')).toBe('1700000000');
    expect(JSON.parse(p.get('filters')!)).toEqual({ type: ['container'], event: ['start', 'die'] });
    expect(eventsQuery({})).toBe('');
  });
});
