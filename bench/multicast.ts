/**
 * Multicast (issue 14) on a 3-host lab (suite `multicast`; root, Open vSwitch): one sender on
 * host1 and 10 members of 239.1.1.1 over the 3 hosts (3, 3, 4) in a VXLAN network, snooping.
 * - join latency: while the sender sends 1,000 packets/s, each member joins in turn; the time
 *   from its join to its first packet (median and p90, beside the 500 ms goal);
 * - delivery: 1,000 packets/s for 5 s; the packets the member that got the fewest received,
 *   beside what was sent (must be all);
 * - agent CPU over those 5 s (the busiest host's agent, % of one core), beside the same agent
 *   over 5 s without multicast traffic.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Lab } from '../test/helpers/lab.js';
import { multicastSendCmd, startMulticastReceiver, type Receiver } from '../test/helpers/multicast.js';
import { waitAttached } from './dataplane.js';
import { median, row, type BenchRow } from './lib.js';

const GROUP = '239.1.1.1';
const PORT = 5000;
const PPS = 1000;
const SECONDS = 5;
const HOSTS = ['host1', 'host2', 'host3'];
const MEMBERS = Array.from({ length: 10 }, (_, i) => ({ name: `mm${i}`, host: HOSTS[i < 3 ? 0 : i < 6 ? 1 : 2] }));

function log(msg: string): void {
  process.stderr.write(`multicast: ${msg}\n`);
}

function intent(): Record<string, unknown> {
  return {
    Hosts: HOSTS.map((h, i) => ({ Name: h, Intf: 'up0', VtepIp: `198.18.100.${i + 1}` })),
    Tenants: [
      {
        Name: 'tb', DefaultNetType: 'vxlan', SubnetPool: '10.85.0.0/16', AllocSubnetLen: 24, Vxlans: '7500-7599',
        Networks: [{ Name: 'mc', PktTagType: 'vxlan', Endpoints: [{ Container: 'ms', Host: 'host1' }, ...MEMBERS.map((m) => ({ Container: m.name, Host: m.host }))] }],
      },
    ],
  };
}

/** CPU seconds (user + system) the process in `pidfile` has used. */
function cpuSeconds(pidfile: string): number {
  const pid = readFileSync(pidfile, 'utf8').trim();
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of /proc/PID/stat (index 11, 12 after the command).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function p90(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.9 * s.length) - 1)];
}

/** Runs the lab measurements and returns their rows. */
export async function runMulticastBench(): Promise<BenchRow[]> {
  const lab = await Lab.up({ hosts: 3 });
  const procs: ChildProcess[] = [];
  try {
    await lab.applyIntent(intent());
    lab.addContainer('host1', 'ms');
    for (const m of MEMBERS) lab.addContainer(m.host, m.name);
    await waitAttached(lab, ['ms', ...MEMBERS.map((m) => m.name)], 120_000);
    const receivers = new Map<string, Receiver>();
    for (const m of MEMBERS) receivers.set(m.name, await startMulticastReceiver(lab, m.name, GROUP, PORT, procs));
    const count = async (c: string) => JSON.parse(await receivers.get(c)!.ask('count')) as { counts: Record<string, number>; firstAfterJoin: number };

    // Join latency, one member at a time, under a running stream.
    const stream = lab.execAsync('ms', multicastSendCmd(GROUP, PORT, 'j', PPS * (MEMBERS.length * 1 + 3), PPS), 120_000);
    await new Promise((r) => setTimeout(r, 500));
    for (const m of MEMBERS) {
      await receivers.get(m.name)!.ask('join');
      await new Promise((r) => setTimeout(r, 900));
    }
    await stream;
    const joins = await Promise.all(MEMBERS.map(async (m) => (await count(m.name)).firstAfterJoin));
    log(`join to first packet (ms): ${joins.join(', ')}`);
    if (joins.some((j) => j < 0)) throw new Error(`a member got no packet after joining: ${joins.join(', ')}`);

    // Agent CPU: idle 5 s, then 5 s of 1,000 packets/s.
    const pidfiles = HOSTS.map((h) => join(lab.dir, h, 'netagent.pid'));
    const idle0 = pidfiles.map(cpuSeconds);
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const idle = pidfiles.map((f, i) => cpuSeconds(f) - idle0[i]);
    const busy0 = pidfiles.map(cpuSeconds);
    const sent = PPS * SECONDS;
    const r = await lab.execAsync('ms', multicastSendCmd(GROUP, PORT, 'd', sent, PPS), 60_000);
    if (r.code !== 0) throw new Error(`sender failed: ${r.out}`);
    const busy = pidfiles.map((f, i) => cpuSeconds(f) - busy0[i]);
    await new Promise((res) => setTimeout(res, 500));
    const delivered = await Promise.all(MEMBERS.map(async (m) => (await count(m.name)).counts.d ?? 0));
    log(`delivered per member: ${delivered.join(', ')} of ${sent}; agent CPU s idle ${idle.map((x) => x.toFixed(2)).join(', ')}, busy ${busy.map((x) => x.toFixed(2)).join(', ')}`);
    const worst = busy.indexOf(Math.max(...busy));
    return [
      row(`multicast: packets delivered to the member that got fewest (1 sender, 10 members on 3 hosts, ${PPS}/s for ${SECONDS} s)`, 'packets', Math.min(...delivered), 'packets sent', sent, '= 1.0x'),
      row('multicast: join to first packet delivered, median of 10 members', 'ms', median(joins), 'the goal, 500 ms', 500, '<= 1.0x'),
      row('multicast: join to first packet delivered, p90 of 10 members', 'ms', p90(joins), 'the goal, 500 ms', 500, '<= 1.0x'),
      row(`multicast: agent CPU during the stream, busiest host (${HOSTS[worst]})`, '% core', (100 * busy[worst]) / SECONDS, 'the same agent over 5 s without multicast traffic', (100 * idle[worst]) / SECONDS, 'report'),
    ];
  } finally {
    for (const p of procs) if (p.exitCode === null && p.pid) p.kill('SIGKILL');
    await lab.down();
  }
}
