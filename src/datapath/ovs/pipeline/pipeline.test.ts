import { describe, expect, it } from 'vitest';
import { desiredPipeline, FEATURE, isOwnCookie, makeCookie, networkKey, parseCookie, PIPELINE, TABLE, type HostView, type LocalNetwork } from './index.js';

const orange: LocalNetwork = { id: 't/orange', key: networkKey('vlan', 11), gateway: '11.1.0.1', gatewayMac: '02:02:0b:01:00:01' };
const blue: LocalNetwork = { id: 't/blue', key: networkKey('vxlan', 10001), gateway: '11.1.1.1', gatewayMac: '02:02:0b:01:01:01' };
const view: HostView = {
  ports: [
    { ofport: 1, mac: '02:02:0b:01:00:02', ip: '11.1.0.2', network: orange },
    { ofport: 2, mac: '02:02:0b:01:00:03', ip: '11.1.0.3', network: orange },
    { ofport: 3, mac: '02:02:0b:01:01:02', ip: '11.1.1.2', network: blue },
  ],
};

describe('cookies', () => {
  it('round-trip round, feature and object id', () => {
    const c = makeCookie(513, FEATURE.L2_FORWARD, 0x123456789an);
    expect(parseCookie(c)).toEqual({ round: 513, feature: FEATURE.L2_FORWARD, objectId: 0x123456789an });
    expect(isOwnCookie(c)).toBe(true);
    expect(isOwnCookie(0n)).toBe(false);
    expect(isOwnCookie(0xff0000000000n)).toBe(false);
  });
});

describe('networkKey', () => {
  it('keeps VLAN ids and VNIs apart', () => {
    expect(networkKey('vlan', 11)).toBe(11);
    expect(networkKey('vxlan', 11)).toBe(0x100000b);
  });
});

describe('desiredPipeline', () => {
  const out = desiredPipeline(view, 7);

  it('installs one miss flow per declared table, in pipeline order', () => {
    const miss = out.flows.filter((f) => parseCookie(f.cookie).feature === FEATURE.TABLE_MISS);
    expect(miss.map((f) => f.tableId)).toEqual(PIPELINE.map((t) => t.id));
    expect(miss.every((f) => f.priority === 0)).toBe(true);
  });

  it('only moves packets forward through the tables', () => {
    for (const f of out.flows)
      for (const i of f.instructions) if (i.type === 'gotoTable') expect(i.tableId).toBeGreaterThan(f.tableId);
  });

  it('classifies each port into its network', () => {
    const c = out.flows.filter((f) => f.tableId === TABLE.CLASSIFY && f.priority === 100);
    expect(c.map((f) => [f.match.inPort, (f.instructions[0] as { metadata: bigint }).metadata])).toEqual([
      [1, 11n],
      [2, 11n],
      [3, 0x1002711n],
    ]);
  });

  it('guards against spoofing with the allocated MAC and IP', () => {
    const g = out.flows.filter((f) => f.tableId === TABLE.SPOOF_GUARD && f.match.inPort === 2);
    expect(g.map((f) => f.match)).toEqual([
      { inPort: 2, ethSrc: '02:02:0b:01:00:03', ethType: 0x0800, ipv4Src: '11.1.0.3' },
      { inPort: 2, ethSrc: '02:02:0b:01:00:03', ethType: 0x0806, arpSpa: '11.1.0.3', arpSha: '02:02:0b:01:00:03' },
    ]);
  });

  it('answers ARP for endpoints and each network gateway', () => {
    const r = out.flows.filter((f) => f.tableId === TABLE.ARP_RESPONDER && f.priority === 100).map((f) => f.match.arpTpa);
    expect(r.sort()).toEqual(['11.1.0.1', '11.1.0.2', '11.1.0.3', '11.1.1.1', '11.1.1.2']);
  });

  it('floods each network only to its own ports', () => {
    expect(out.groups.map((g) => [g.groupId, g.buckets.map((b) => (b.actions[0] as { port: number }).port)])).toEqual([
      [11, [1, 2]],
      [0x1002711, [3]],
    ]);
  });

  it('gives every flow a distinct (table, priority, match)', () => {
    const keys = out.flows.map((f) => JSON.stringify([f.tableId, f.priority, f.match], (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('is deterministic', () => {
    expect(desiredPipeline(view, 7)).toEqual(out);
  });
});
