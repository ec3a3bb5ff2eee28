import { describe, expect, it } from 'vitest';
import { egressMeterId, ingressMeterId, sharedMeterId, sharedMeterSlots } from '../datapath/ovs/pipeline/index.js';
import { portQos, type PortQosInput } from './qos-view.js';

const r = (rate: number) => ({ rate, burst: rate * 0.8 });

describe('portQos', () => {
  it('leaves out ports with nothing configured', () => {
    expect(portQos([{ ofport: 3, tenant: 't' }, { ofport: 4, tenant: 't', network: { dscp: 0 } }])).toEqual(new Map());
  });

  it('takes the endpoint over its groups over its network, separately per direction and for DSCP', () => {
    const p: PortQosInput = {
      ofport: 3,
      tenant: 't',
      own: { bandwidth: { ingress: r(5e6) } },
      groups: ['db', 'web'],
      groupQos: { db: { dscp: 10 }, web: { bandwidth: { egress: r(20e6), ingress: r(1e6) }, dscp: 46 } },
      network: { bandwidth: { egress: r(100e6), ingress: r(100e6) }, dscp: 8 },
    };
    expect(portQos([p]).get(3)).toEqual({ egress: { meterId: egressMeterId(3), ...r(20e6) }, ingress: { meterId: ingressMeterId(3), ...r(5e6) }, dscp: 10 });
    expect(portQos([{ ...p, own: undefined, groups: [] }]).get(3)).toEqual({ egress: { meterId: egressMeterId(3), ...r(100e6) }, ingress: { meterId: ingressMeterId(3), ...r(100e6) }, dscp: 8 });
    expect(portQos([{ ...p, own: { dscp: 'trust' } }]).get(3)?.dscp).toBe('trust');
  });

  it('gives each member its own meter with a group limit, and one meter for all members of a shared group', () => {
    const groupQos = { web: { bandwidth: { egress: r(20e6) } }, pool: { bandwidth: { egress: r(30e6), ingress: r(10e6) }, shared: true } };
    const q = portQos([
      { ofport: 3, tenant: 't', groups: ['web'], groupQos },
      { ofport: 4, tenant: 't', groups: ['web'], groupQos },
      { ofport: 5, tenant: 't', groups: ['pool'], groupQos },
      { ofport: 6, tenant: 't', groups: ['pool'], groupQos },
    ]);
    expect(q.get(3)?.egress?.meterId).toBe(egressMeterId(3));
    expect(q.get(4)?.egress?.meterId).toBe(egressMeterId(4));
    const slot = sharedMeterSlots(['t/pool']).get('t/pool')!;
    expect(q.get(5)).toEqual({ egress: { meterId: sharedMeterId(slot, 0), ...r(30e6), shared: "t/pool" }, ingress: { meterId: sharedMeterId(slot, 1), ...r(10e6), shared: "t/pool" } });
    expect(q.get(6)).toEqual(q.get(5));
  });

  it('keeps the shared groups of two tenants with the same group name apart', () => {
    const groupQos = { pool: { bandwidth: { egress: r(30e6) }, shared: true } };
    const q = portQos([
      { ofport: 5, tenant: 't1', groups: ['pool'], groupQos },
      { ofport: 6, tenant: 't2', groups: ['pool'], groupQos },
    ]);
    expect(q.get(5)!.egress!.meterId).not.toBe(q.get(6)!.egress!.meterId);
  });
});
