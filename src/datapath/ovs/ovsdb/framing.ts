/**
 * Splits a byte stream of concatenated JSON texts (RFC 7047 §3: JSON-RPC messages are
 * not delimited) into parsed values. Pure: no I/O.
 *
 * The scan works on bytes: `{ } [ ] " \` are ASCII and never occur inside a multi-byte
 * UTF-8 sequence, so a chunk boundary in the middle of a character is harmless, and each
 * message is decoded only once it is complete. Scan state survives across chunks so
 * every byte is looked at once, however a large reply is split.
 */

const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Incremental splitter for a stream of concatenated JSON objects or arrays. */
export class JsonStreamFramer {
  private parts: Buffer[] = [];
  private depth = 0;
  private inString = false;
  private escaped = false;

  /** Feeds a chunk; returns every value completed by it, in order. Throws on malformed JSON. */
  push(chunk: Buffer | string): unknown[] {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const out: unknown[] = [];
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
        continue;
      }
      if (this.depth === 0) {
        // Between messages only whitespace is legal; anything else is a protocol error.
        if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
          start = i + 1;
          continue;
        }
        if (b !== LBRACE && b !== LBRACKET) {
          throw new SyntaxError(`unexpected byte 0x${b.toString(16)} between JSON messages`);
        }
        start = i;
      }
      if (b === QUOTE) this.inString = true;
      else if (b === LBRACE || b === LBRACKET) this.depth++;
      else if (b === RBRACE || b === RBRACKET) {
        this.depth--;
        if (this.depth === 0) {
          this.parts.push(buf.subarray(start, i + 1));
          const text = Buffer.concat(this.parts).toString('utf8');
          this.parts = [];
          out.push(JSON.parse(text));
          start = i + 1;
        }
      }
    }
    if (this.depth > 0 && start < buf.length) this.parts.push(buf.subarray(start));
    return out;
  }

  /** True when a message has started but not yet finished. */
  get pending(): boolean {
    return this.depth > 0 || this.inString;
  }
}
