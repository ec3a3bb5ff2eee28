import { describe, expect, it } from 'vitest';
import { flowModToString } from '../openflow/format.js';
import { desiredPipeline, formulaMac, networkKey, TABLE, type HostView, type LocalNetwork } from './index.js';
import { egressMeterId, ingressMeterId, qosFlows, qosMeters, QOS_METER_BASE, SHARED_METER_BASE, sharedMeterId, sharedMeterSlots } from './qos.js';

const orange: LocalNetwork = { id: 't/orange', key: networkKey('vlan', 11), gateway: '11.1.0.1', gatewayMac: formulaMac('11.1.0.1'), pktTagType: 'vlan', pktTag: 11 };
const port = (ofport: number, ip: string) => ({ ofport, ip, mac: formulaMac(ip), network: orange });
const text = (v: HostView) => qosFlows(v, 1).map((f) => flowModToString(f));
const limit = (meterId: number, rate: number) => ({ meterId, rate, burst: rate * 0.8 });

describe('qosFlows', () => {
  it('clears the DSCP of every port with no QoS, and meters nothing', () => {
    const v: HostView = { ports: [port(3, '11.1.0.2'), port(4, '11.1.0.3')], remotes: [] };
    expect(text(v)).toEqual([
      'table=15, priority=100,ip,in_port=3 actions=set_field:0->ip_dscp,goto_table:20',
      'table=15, priority=100,ip,in_port=4 actions=set_field:0->ip_dscp,goto_table:20',
    ]);
    expect(qosMeters(v)).toEqual([]);
  });

  it('meters and marks a limited port, leaves a trusted one alone, and meters delivery to an ingress-limited one', () => {
    const v: HostView = {
      ports: [
        { ...port(3, '11.1.0.2'), qos: { egress: limit(egressMeterId(3), 10e6), dscp: 46 } },
        { ...port(4, '11.1.0.3'), qos: { ingress: limit(ingressMeterId(4), 20e6), dscp: 'trust' } },
      ],
      remotes: [],
    };
    expect(text(v)).toEqual([
      'table=15, priority=100,ip,in_port=3 actions=meter:65542,set_field:46->ip_dscp,goto_table:20',
      'table=15, priority=100,ip,in_port=4 actions=goto_table:20',
    ]);
    const l2 = desiredPipeline(v, 1).flows.filter((f) => f.tableId === TABLE.L2_FORWARD && f.priority === 100).map((f) => flowModToString(f));
    expect(l2).toEqual([
      'table=40, priority=100,metadata=0xb/0xffffffff,dl_dst=02:02:0b:01:00:02 actions=output:3',
      'table=40, priority=100,metadata=0xb/0xffffffff,dl_dst=02:02:0b:01:00:03 actions=meter:65545,output:4',
    ]);
    expect(qosMeters(v)).toEqual([limit(65542, 10e6), limit(65545, 20e6)]);
  });

  it('sends the spoof guard\'s IPv4 through the QoS table, and its ARP straight on', () => {
    const v: HostView = { ports: [port(3, '11.1.0.2')], remotes: [] };
    const spoof = desiredPipeline(v, 1).flows.filter((f) => f.tableId === TABLE.SPOOF_GUARD && f.priority === 100).map((f) => flowModToString(f));
    expect(spoof).toEqual([
      'table=10, priority=100,ip,in_port=3,dl_src=02:02:0b:01:00:02,nw_src=11.1.0.2 actions=goto_table:15',
      'table=10, priority=100,arp,in_port=3,dl_src=02:02:0b:01:00:02,arp_spa=11.1.0.2,arp_sha=02:02:0b:01:00:02 actions=goto_table:20',
    ]);
  });

  it('lists a meter shared by two ports once', () => {
    const shared = limit(sharedMeterId(7, 0), 30e6);
    const v: HostView = { ports: [{ ...port(3, '11.1.0.2'), qos: { egress: shared } }, { ...port(4, '11.1.0.3'), qos: { egress: shared } }], remotes: [] };
    expect(qosMeters(v)).toEqual([shared]);
    expect(text(v)).toEqual([
      `table=15, priority=100,ip,in_port=3 actions=meter:${SHARED_METER_BASE + 14},set_field:0->ip_dscp,goto_table:20`,
      `table=15, priority=100,ip,in_port=4 actions=meter:${SHARED_METER_BASE + 14},set_field:0->ip_dscp,goto_table:20`,
    ]);
  });
});

describe('meter ids', () => {
  it('derives per-port ids from the ofport, above the ids others use, and within vswitchd\'s 262,144 meters', () => {
    expect(egressMeterId(1)).toBe(QOS_METER_BASE + 2);
    expect(ingressMeterId(1)).toBe(QOS_METER_BASE + 3);
    expect(ingressMeterId(0xfeff)).toBeLessThan(SHARED_METER_BASE);
    expect(sharedMeterId(0x7fff, 1)).toBe(262143);
  });

  it('gives shared groups slots that depend only on the set of groups, moving on from a collision', () => {
    const a = sharedMeterSlots(['t/web', 't/db', 't2/web']);
    const b = sharedMeterSlots(['t2/web', 't/web', 't/db', 't/db']);
    expect(a).toEqual(b);
    expect(new Set(a.values()).size).toBe(3);
    // Find two names with the same hash: the later one (in name order) takes the next slot.
    const first = sharedMeterSlots(['g0']).get('g0')!;
    let twin = '';
    for (let i = 1; !twin; i++) if (sharedMeterSlots([`g${i}`]).get(`g${i}`) === first) twin = `g${i}`;
    const both = sharedMeterSlots(['g0', twin]);
    const [lo, hi] = ['g0', twin].sort();
    expect(both.get(lo)).toBe(first);
    expect(both.get(hi)).toBe((first + 1) % 0x8000);
  });
});
