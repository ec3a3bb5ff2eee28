/**
 * A strict JSON (RFC 8259) reader that, unlike JSON.parse, always reports where a
 * syntax error is (offset, line, column) and remembers every key an object was
 * written with, duplicates included, so the intent parser can flag keys that differ
 * only in case.
 */

/** A JSON value as read. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** Outcome of reading a document: the value and each object's raw keys, or the first syntax error. */
export type JsonResult =
  | { ok: true; value: JsonValue; rawKeys: WeakMap<object, string[]> }
  | { ok: false; reason: string; offset: number; line: number; column: number };

class SyntaxFault {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {}
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Nesting limit: deeper documents are rejected instead of overflowing the stack. */
const MAX_DEPTH = 256;

/** Reads one JSON document from `text`. */
export function readJson(text: string): JsonResult {
  const rawKeys = new WeakMap<object, string[]>();
  let pos = 0;
  let depth = 0;

  const fail = (reason: string, at = pos): never => {
    throw new SyntaxFault(reason, at);
  };
  const describe = (): string => (pos >= text.length ? 'end of input' : `${JSON.stringify(text[pos])}`);
  const skipWs = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++;
      else break;
    }
  };
  const expect = (ch: string, what: string): void => {
    skipWs();
    if (text[pos] !== ch) fail(`expected ${what} but found ${describe()}`);
    pos++;
  };

  const readString = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    let chunk = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string', start);
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(chunk, pos);
        pos++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        out += text.slice(chunk, pos);
        const e = text[pos + 1];
        if (e !== undefined && e in ESCAPES) {
          out += ESCAPES[e];
          pos += 2;
        } else if (e === 'u') {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
        } else {
          fail('bad escape in string');
        }
        chunk = pos;
        continue;
      }
      pos++;
    }
  };

  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

  const readValue = (): JsonValue => {
    skipWs();
    const c = text[pos];
    if (c === '{' || c === '[') {
      if (++depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
      const v = c === '{' ? readObject() : readArray();
      depth--;
      return v;
    }
    if (c === '"') return readString();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = pos;
      const m = NUMBER.exec(text);
      if (!m) fail('bad number');
      pos += m![0].length;
      return Number(m![0]);
    }
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    return fail(`expected a value but found ${describe()}`);
  };

  const readArray = (): JsonValue[] => {
    pos++;
    const out: JsonValue[] = [];
    skipWs();
    if (text[pos] === ']') {
      pos++;
      return out;
    }
    for (;;) {
      out.push(readValue());
      skipWs();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === ']') {
        pos++;
        return out;
      }
      fail(`expected ',' or ']' but found ${describe()}`);
    }
  };

  const readObject = (): { [k: string]: JsonValue } => {
    pos++;
    // A null prototype keeps keys such as "__proto__" ordinary data.
    const out = Object.create(null) as { [k: string]: JsonValue };
    const keys: string[] = [];
    rawKeys.set(out, keys);
    skipWs();
    if (text[pos] === '}') {
      pos++;
      return out;
    }
    for (;;) {
      skipWs();
      if (text[pos] !== '"') fail(`expected a key string but found ${describe()}`);
      const key = readString();
      expect(':', "':'");
      out[key] = readValue();
      keys.push(key);
      skipWs();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === '}') {
        pos++;
        return out;
      }
      fail(`expected ',' or '}' but found ${describe()}`);
    }
  };

  try {
    const value = readValue();
    skipWs();
    if (pos < text.length) fail(`unexpected ${describe()} after the document`);
    return { ok: true, value, rawKeys };
  } catch (e) {
    if (!(e instanceof SyntaxFault)) throw e;
    const before = text.slice(0, e.offset);
    const line = before.split('\n').length;
    const column = e.offset - (before.lastIndexOf('\n') + 1) + 1;
    return { ok: false, reason: e.reason, offset: e.offset, line, column };
  }
}
