import { describe, expect, it } from 'vitest';
import { withEnforcedQos } from './qos-views.js';

const report = (droppedPackets: number) => ({ rate: 10e6, burst: 8e6, packets: 100, bytes: 140000, droppedPackets, droppedBytes: droppedPackets * 1400 });

describe('withEnforcedQos', () => {
  it('takes each endpoint\'s QoS from the report of the host it is attached on, not from another host\'s', () => {
    const rows = withEnforcedQos(
      [
        { id: 't/n/a', attachedHost: 'h1' },
        { id: 't/n/b', attachedHost: 'h2' },
        { id: 't/n/c', host: 'h1' },
      ],
      [
        { host: 'h1', endpoints: { 't/n/a': { egress: report(3), dscp: 46 }, 't/n/b': { dscp: 'trust' } } },
        { host: 'h2', endpoints: { 't/n/b': { ingress: report(5), dscp: 0 } } },
      ],
    );
    expect(rows).toEqual([
      { id: 't/n/a', attachedHost: 'h1', enforcedQos: { egress: report(3), dscp: 46 } },
      { id: 't/n/b', attachedHost: 'h2', enforcedQos: { ingress: report(5), dscp: 0 } },
      { id: 't/n/c', host: 'h1' },
    ]);
  });
});
