/**
 * iperf3 between two containers of a lab, as the receiver sees it: its steady rate (from 1 s on)
 * and its half-second intervals. Used by the QoS lab test and the QoS benchmark.
 */
import type { ChildProcess } from 'node:child_process';
import type { Lab } from './lab.js';

/** What the receiver measured. */
export interface Measured {
  /**
   * Steady rate, bits per second: from 1 s on. A meter's bucket starts full, so the first
   * second also carries the burst (0.8x the rate by default): that is by design, not error.
   */
  bps: number;
  /** Rate over the whole run, burst included. */
  wholeBps: number;
  /** Per-interval rates (0.5 s each), with their start in seconds. */
  intervals: Array<{ start: number; bps: number }>;
}

/** How to run: UDP at `udpRate` bits/s in 1400-byte datagrams (else TCP), for `seconds`; `during` runs once the client is sending. */
export interface MeasureOptions {
  udpRate?: number;
  seconds?: number;
  during?: () => Promise<void>;
}

let nextPort = 5300;

/** One iperf3 run from container `from` to container `to` (address `toIp`); `spawned` collects the server for cleanup on failure. */
export async function measureRate(lab: Lab, from: string, to: string, toIp: string, opts: MeasureOptions = {}, spawned: ChildProcess[] = []): Promise<Measured> {
  const port = nextPort++;
  const seconds = opts.seconds ?? 5;
  const server = lab.spawnIn(to, ['iperf3', '-s', '-1', '-p', String(port), '-J', '-i', '0.5']);
  spawned.push(server);
  let out = '';
  server.stdout!.on('data', (d) => (out += d));
  const ended = new Promise<void>((res) => server.once('exit', () => res()));
  try {
    const args = ['iperf3', '-c', toIp, '-p', String(port), '-t', String(seconds), '-J', ...(opts.udpRate ? ['-u', '-b', String(opts.udpRate), '-l', '1400'] : [])];
    // The server listens within a few hundred ms; a refused client is retried, anything else fails.
    let r = { code: 1, out: '' };
    for (let i = 0; i < 50; i++) {
      await new Promise((res) => setTimeout(res, 100));
      const client = lab.execAsync(from, args, (seconds + 30) * 1000);
      const first = await Promise.race([client, new Promise<undefined>((res) => setTimeout(() => res(undefined), 1000))]);
      if (first && /refused/i.test(first.out)) continue;
      const during = first ? Promise.resolve() : (opts.during?.() ?? Promise.resolve());
      [r] = await Promise.all([client, during]);
      break;
    }
    if (r.code !== 0) throw new Error(`iperf3 ${from} -> ${to} failed: ${r.out}`);
    // The server writes its JSON when the client is done; on a loaded machine that can take seconds.
    await Promise.race([ended, new Promise((res) => setTimeout(res, 20_000))]);
    if (!out.trim()) throw new Error(`iperf3 server in ${to} wrote no result (exit ${server.exitCode})`);
    const j = JSON.parse(out) as { end: { sum_received?: { bits_per_second: number }; sum?: { bits_per_second: number } }; intervals: Array<{ sum: { start: number; seconds: number; bytes: number; bits_per_second: number } }> };
    const wholeBps = j.end.sum_received?.bits_per_second ?? j.end.sum!.bits_per_second;
    const steady = j.intervals.filter((x) => x.sum.start >= 1);
    const bps = (8 * steady.reduce((n, x) => n + x.sum.bytes, 0)) / steady.reduce((n, x) => n + x.sum.seconds, 0);
    return { bps, wholeBps, intervals: j.intervals.map((x) => ({ start: x.sum.start, bps: x.sum.bits_per_second })) };
  } finally {
    if (server.exitCode === null && server.pid) server.kill('SIGKILL');
  }
}
