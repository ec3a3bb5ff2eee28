/** The Docker `/events` stream: line framing and event decoding. Pure: no I/O. */
import { StringDecoder } from 'node:string_decoder';

/** One engine event, reduced to what the agent needs. */
export interface DockerEvent {
  /** start, die, destroy, ... (exec and health actions carry a suffix, e.g. `exec_start: sh`). */
  action: string;
  id: string;
  /** Actor.Attributes.name for container events. */
  name?: string;
  /** Object type: container, network, image, ... */
  type?: string;
  /** Seconds since the epoch. */
  time: number;
  /** Nanoseconds since the epoch, exact (a JSON number would lose the low digits). */
  timeNano?: bigint;
}

/**
 * Splits the stream into lines (the engine writes one JSON object per line) however the
 * chunks fall: several events per chunk, one event over several chunks, or a UTF-8
 * character cut in two.
 */
export class EventLineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  /** Feeds a chunk; returns the complete non-empty lines it finished. */
  push(chunk: Buffer | string): string[] {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines.map((l) => l.trim()).filter((l) => l.length > 0);
  }

  /** What is left when the stream ends (a last line without newline), if anything. */
  end(): string[] {
    const last = (this.rest + this.decoder.end()).trim();
    this.rest = '';
    return last ? [last] : [];
  }
}

/** Decodes one event line; throws SyntaxError if it is not JSON. */
export function parseEventLine(line: string): DockerEvent {
  const raw = JSON.parse(line) as {
    Type?: string; Action?: string; status?: string; id?: string; time?: number;
    Actor?: { ID?: string; Attributes?: Record<string, string> };
  };
  const ev: DockerEvent = {
    action: raw.Action ?? raw.status ?? '',
    id: raw.Actor?.ID ?? raw.id ?? '',
    time: raw.time ?? 0,
  };
  if (raw.Type) ev.type = raw.Type;
  const name = raw.Actor?.Attributes?.name;
  if (name !== undefined) ev.name = name;
  // Read from the text because timeNano exceeds 2^53.
  const nano = /"timeNano"\s*:\s*(\d+)/.exec(line);
  if (nano) ev.timeNano = BigInt(nano[1]);
  return ev;
}

/** The query string of `GET /events` for the given window and filters. */
export function eventsQuery(opts: { since?: number; until?: number; types?: string[]; actions?: string[] }): string {
  const q = new URLSearchParams();
  if (opts.since !== undefined) q.set('since', String(opts.since));
  if (opts.until !== undefined) q.set('until', String(opts.until));
  const filters: Record<string, string[]> = {};
  if (opts.types?.length) filters.type = opts.types;
  if (opts.actions?.length) filters.event = opts.actions;
  if (Object.keys(filters).length > 0) q.set('filters', JSON.stringify(filters));
  const s = q.toString();
  return s ? `?${s}` : '';
}
