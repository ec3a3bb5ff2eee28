import { describe, expect, it } from 'vitest';
import { qosCells } from './qos-table.js';

describe('qosCells', () => {
  it('shows limits as rate/burst with suffixes, drops beside what the meter saw, and shared groups by name', () => {
    expect(
      qosCells({
        tenant: 't',
        network: 'n',
        container: 'web1',
        attachedHost: 'h1',
        enforcedQos: {
          dscp: 46,
          egress: { rate: 50e6, burst: 40e6, packets: 1000, bytes: 1400000, droppedPackets: 12, droppedBytes: 16800 },
          ingress: { rate: 1.5e9, burst: 1.2e9, shared: 't/pool', packets: 0, bytes: 0, droppedPackets: 0, droppedBytes: 0 },
        },
      }),
    ).toEqual(['t', 'n', 'web1', 'h1', '46', '50M/40M', '12 pkts, 16800 B of 1000 pkts', '1.5G/1.2G (shared: pool)', '0 pkts, 0 B of 0 pkts']);
  });

  it('shows dashes for an endpoint no host reports QoS for', () => {
    expect(qosCells({ tenant: 't', network: 'n', container: 'db1', host: 'h2' })).toEqual(['t', 'n', 'db1', 'h2', '-', '-', '-', '-', '-']);
  });
});
