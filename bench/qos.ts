/**
 * QoS (issue 13) on a 2-host lab (suite `qos`; root, Open vSwitch), VXLAN network, sender on
 * host1, receiver on host2 (iperf3, steady rate from 1 s on: test/helpers/iperf.ts):
 * - accuracy: the sender's egress limit set to 10M, 100M and 1G in turn (default burst); UDP at
 *   twice the limit in 1400-byte datagrams, and TCP, each beside the configured limit;
 * - the path's UDP ceiling without a limit (2G offered), which bounds the 1G UDP row;
 * - cost: TCP of an endpoint whose limit (40G) is above what it can send, beside an endpoint
 *   without any, same hosts, same run, alternating.
 */
import { Lab } from '../test/helpers/lab.js';
import { measureRate } from '../test/helpers/iperf.js';
import { waitAttached } from './dataplane.js';
import { median, row, type BenchRow } from './lib.js';

const RUNS = Number(process.env.NP_BENCH_RUNS ?? 3);
const LIMITS: Array<[string, number]> = [
  ['10M', 10e6],
  ['100M', 100e6],
  ['1G', 1e9],
];

function log(msg: string): void {
  process.stderr.write(`qos: ${msg}\n`);
}

/** The lab's intent: `qs` (host1) sends with egress limit `limit`, `qc` (host1) has a limit above what it can send, `qn` none. */
function intent(limit: string): Record<string, unknown> {
  return {
    Hosts: ['host1', 'host2'].map((h, i) => ({ Name: h, Intf: 'up0', VtepIp: `198.18.100.${i + 1}` })),
    Tenants: [
      {
        Name: 'tq', DefaultNetType: 'vxlan', SubnetPool: '10.75.0.0/16', AllocSubnetLen: 24, Vxlans: '7300-7399',
        Networks: [
          {
            Name: 'q', PktTagType: 'vxlan',
            Endpoints: [
              { Container: 'qs', Host: 'host1', Bandwidth: { EgressRate: limit } },
              { Container: 'qc', Host: 'host1', Bandwidth: { EgressRate: '40G' } },
              { Container: 'qn', Host: 'host1' },
              { Container: 'qr', Host: 'host2' },
            ],
          },
        ],
      },
    ],
  };
}

/** Waits until host1's bridge has a meter of `kbps`. */
async function waitMeter(lab: Lab, kbps: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const out = lab.ovs('host1', ['ovs-ofctl', '-O', 'OpenFlow13', 'dump-meters', 'netplugin']).out;
    if (new RegExp(`type=drop rate=${kbps}\\b`).test(out)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no meter of ${kbps} kbit/s on host1 after 10 s`);
}

/** Runs the lab measurements and returns their rows. */
export async function runQosBench(): Promise<BenchRow[]> {
  const lab = await Lab.up({ hosts: 2 });
  try {
    await lab.applyIntent(intent('10M'));
    const containers: [string, string][] = [['qs', 'host1'], ['qc', 'host1'], ['qn', 'host1'], ['qr', 'host2']];
    for (const [c, h] of containers) lab.addContainer(h, c);
    const eps = await waitAttached(lab, containers.map(([c]) => c), 120_000);
    const qr = eps.find((e) => e.container === 'qr')!.ip.split('/')[0];
    const rows: BenchRow[] = [];
    for (const [text, bps] of LIMITS) {
      await lab.applyIntent(intent(text));
      await waitMeter(lab, bps / 1000);
      const udp = (await measureRate(lab, 'qs', 'qr', qr, { udpRate: 2 * bps, seconds: 6 })).bps;
      const tcp = (await measureRate(lab, 'qs', 'qr', qr, { seconds: 6 })).bps;
      log(`limit ${text}: UDP ${(udp / 1e6).toFixed(2)} Mbit/s, TCP ${(tcp / 1e6).toFixed(2)} Mbit/s`);
      rows.push(row(`qos: UDP at 2x a ${text} egress limit, 1400 B, receiver's steady rate`, 'Mbit/s', udp / 1e6, `the configured limit, ${text}`, bps / 1e6, '0.95-1.05x'));
      rows.push(row(`qos: TCP under a ${text} egress limit (default burst 0.8x), receiver's steady rate`, 'Mbit/s', tcp / 1e6, `the configured limit, ${text}`, bps / 1e6, '0.9-1.1x'));
    }
    // What the path carries of UDP in 1400-byte datagrams without any limit: the ceiling every UDP row meets.
    const udpCeiling = (await measureRate(lab, 'qn', 'qr', qr, { udpRate: 2e9, seconds: 6 })).bps;
    log(`UDP without a limit, 2G offered: ${(udpCeiling / 1e6).toFixed(2)} Mbit/s`);
    rows.push(row('qos: UDP at 2G offered, 1400 B, no limit, receiver\'s steady rate (the path\'s UDP ceiling)', 'Mbit/s', udpCeiling / 1e6, 'the 1G limit', 1000, 'report'));
    const res = { limited: [] as number[], none: [] as number[] };
    for (let k = 0; k < RUNS; k++) {
      const order: Array<[number[], string]> = k % 2 ? [[res.none, 'qn'], [res.limited, 'qc']] : [[res.limited, 'qc'], [res.none, 'qn']];
      for (const [out, from] of order) out.push((await measureRate(lab, from, 'qr', qr, { seconds: 5 })).bps / 1e9);
      log(`run ${k + 1}: limit above capacity ${res.limited[k].toFixed(2)} / no limit ${res.none[k].toFixed(2)} Gbit/s`);
    }
    rows.push(row('qos: TCP host1 -> host2 of an endpoint limited above what it can send (40G meter)', 'Gbit/s', median(res.limited), 'an endpoint without a limit, same hosts, same run', median(res.none), '>= 0.95x'));
    return rows;
  } finally {
    await lab.down();
  }
}
