import { describe, expect, it } from 'vitest';
import { readQosCounters, QosCountersPublisher, type MeterCounters } from './qos-counters.js';
import type { PortQos } from '../datapath/ovs/pipeline/index.js';
import { KEYS } from '../state/keys.js';
import type { Op, StateStore } from '../state/store.js';

const stats = (meterId: number, packets: bigint, dropped: bigint): MeterCounters => ({ meterId, packetInCount: packets, byteInCount: packets * 1400n, bands: [{ packets: dropped, bytes: dropped * 1400n }] });

describe('readQosCounters', () => {
  it('reports each endpoint\'s limits with what its meters passed and dropped, shared meters named', async () => {
    const qos = new Map<string, PortQos>([
      ['t/n/b', { egress: { meterId: 65538, rate: 10e6, burst: 8e6 }, dscp: 46 }],
      ['t/n/a', { ingress: { meterId: 0x30003, rate: 30e6, burst: 24e6, shared: 't/pool' }, dscp: 'trust' }],
    ]);
    const asked: string[] = [];
    const sw = { meterStats: async () => (asked.push('meterStats'), [stats(65538, 1000n, 40n), stats(0x30003, 10n, 0n), stats(1, 5n, 5n)]) };
    expect(await readQosCounters(sw, 'h1', qos)).toEqual({
      host: 'h1',
      endpoints: {
        't/n/a': { ingress: { rate: 30e6, burst: 24e6, shared: 't/pool', packets: 10, bytes: 14000, droppedPackets: 0, droppedBytes: 0 }, dscp: 'trust' },
        't/n/b': { egress: { rate: 10e6, burst: 8e6, packets: 1000, bytes: 1400000, droppedPackets: 40, droppedBytes: 56000 }, dscp: 46 },
      },
    });
    expect(asked).toEqual(['meterStats']);
  });

  it('reads no meter when no endpoint has a limit, and reports a missing meter as zeros', async () => {
    const asked: string[] = [];
    const sw = { meterStats: async () => (asked.push('meterStats'), []) };
    expect(await readQosCounters(sw, 'h1', new Map([['t/n/a', { dscp: 10 }]]))).toEqual({ host: 'h1', endpoints: { 't/n/a': { dscp: 10 } } });
    expect(asked).toEqual([]);
    expect((await readQosCounters(sw, 'h1', new Map([['t/n/a', { egress: { meterId: 65538, rate: 1e6, burst: 8e5 } }]]))).endpoints['t/n/a'].egress).toMatchObject({ packets: 0, droppedPackets: 0 });
  });
});

describe('QosCountersPublisher', () => {
  it('writes the host\'s report under its key, and only when it changed', async () => {
    const writes: Op[][] = [];
    const store = { txn: async (_c: unknown, ops: Op[]) => void writes.push(ops) } as unknown as StateStore;
    const p = new QosCountersPublisher(store, 'h1');
    const report = { host: 'h1', endpoints: { 't/n/a': { dscp: 10 } } };
    expect(await p.publish(report)).toBe(true);
    expect(await p.publish(structuredClone(report))).toBe(false);
    expect(writes).toEqual([[{ type: 'put', key: KEYS.operQosCounters('h1'), value: JSON.stringify(report) }]]);
  });
});
