/**
 * Each local port's QoS, resolved from what the intent (or the runtime request) says at three
 * levels: the endpoint's own settings win over its groups', which win over its network's,
 * separately for egress, ingress and DSCP (docs/qos.md). Among several groups of an endpoint
 * that set the same thing, the first in name order wins. Pure.
 */
import type { GroupQos, QosSettings, RateLimit } from '../intent/qos-types.js';
import { egressMeterId, ingressMeterId, sharedMeterId, sharedMeterSlots, type MeterLimit, type PortQos } from '../datapath/ovs/pipeline/index.js';

/** What one port's QoS is resolved from. */
export interface PortQosInput {
  ofport: number;
  tenant: string;
  /** The endpoint's own settings (intent endpoint, or the runtime request's). */
  own?: QosSettings;
  /** The endpoint's groups, sorted. */
  groups?: readonly string[];
  /** Its tenant's group settings, by group name. */
  groupQos?: Readonly<Record<string, GroupQos>>;
  /** Its network's settings. */
  network?: QosSettings;
}

type Direction = 'egress' | 'ingress';

/** Where a direction's limit comes from: the port alone, or a group shared by its members on this host. */
type LimitSource = { limit: RateLimit; sharedGroup?: string };

function limitFor(p: PortQosInput, dir: Direction): LimitSource | undefined {
  const own = p.own?.bandwidth?.[dir];
  if (own) return { limit: own };
  for (const g of p.groups ?? []) {
    const q = p.groupQos?.[g];
    const l = q?.bandwidth?.[dir];
    if (l) return q!.shared ? { limit: l, sharedGroup: `${p.tenant}/${g}` } : { limit: l };
  }
  const net = p.network?.bandwidth?.[dir];
  return net ? { limit: net } : undefined;
}

function dscpFor(p: PortQosInput): number | 'trust' | undefined {
  if (p.own?.dscp !== undefined) return p.own.dscp;
  for (const g of p.groups ?? []) {
    const d = p.groupQos?.[g]?.dscp;
    if (d !== undefined) return d;
  }
  return p.network?.dscp;
}

/**
 * The QoS of every port, by ofport; ports with nothing configured (no limit, DSCP 0) are absent.
 * Members of a shared group on this host get the same meter; a shared group's meter id depends
 * only on the set of shared groups present here.
 */
export function portQos(ports: readonly PortQosInput[]): Map<number, PortQos> {
  const sources = ports.map((p) => ({ p, egress: limitFor(p, 'egress'), ingress: limitFor(p, 'ingress'), dscp: dscpFor(p) }));
  const shared = new Set<string>();
  for (const s of sources) for (const l of [s.egress, s.ingress]) if (l?.sharedGroup) shared.add(l.sharedGroup);
  const slots = sharedMeterSlots(shared);
  const meter = (src: LimitSource | undefined, own: number, dir: 0 | 1): MeterLimit | undefined => {
    if (!src) return undefined;
    if (!src.sharedGroup) return { meterId: own, rate: src.limit.rate, burst: src.limit.burst };
    return { meterId: sharedMeterId(slots.get(src.sharedGroup)!, dir), rate: src.limit.rate, burst: src.limit.burst, shared: src.sharedGroup };
  };
  const out = new Map<number, PortQos>();
  for (const { p, egress, ingress, dscp } of sources) {
    const q: PortQos = {};
    const e = meter(egress, egressMeterId(p.ofport), 0);
    const i = meter(ingress, ingressMeterId(p.ofport), 1);
    if (e) q.egress = e;
    if (i) q.ingress = i;
    if (dscp !== undefined && dscp !== 0) q.dscp = dscp;
    if (q.egress || q.ingress || q.dscp !== undefined) out.set(p.ofport, q);
  }
  return out;
}
