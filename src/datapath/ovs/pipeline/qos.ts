/**
 * QOS_EGRESS and the QoS meters (docs/qos.md). IPv4 a port sends, once the spoof guard passed
 * it, goes through the port's egress meter (a drop band: what exceeds the rate is dropped) and
 * gets its DSCP set: the configured class, 0 by default, untouched when trusted. Ingress limits
 * are the meter on the port's unicast delivery flow in L2_FORWARD (l2-forward.ts).
 *
 * Meter ids are derived, not allocated, so a restarted agent names the same meters and the
 * bridge keeps enforcing them meanwhile: per port from its ofport, per shared group from a hash
 * of its name. Ids below QOS_METER_BASE belong to others (the policy log's packet-in meter).
 */
import type { FlowMod, Instruction } from '../openflow/index.js';
import { FEATURE, makeCookie } from './cookie.js';
import { hashSlots, type HostView, type MeterLimit } from './model.js';
import { TABLE } from './tables.js';

const ETH_TYPE_IPV4 = 0x0800;

/** First meter id QoS uses; the syncer never touches meters below it. */
export const QOS_METER_BASE = 0x10000;
/** First meter id of shared group limits (above every per-port id: ofports end at 0xfeff). */
export const SHARED_METER_BASE = 0x30000;
/** Slots for shared group meters (two ids each); the last id, 0x3ffff, is within vswitchd's 262,144 meters. */
export const SHARED_METER_SLOTS = 0x8000;

/** The meter of what the endpoint on `ofport` sends. */
export function egressMeterId(ofport: number): number {
  return QOS_METER_BASE + ofport * 2;
}

/** The meter of what is delivered to the endpoint on `ofport`. */
export function ingressMeterId(ofport: number): number {
  return QOS_METER_BASE + ofport * 2 + 1;
}

/** Slots of the shared groups present on a host, by group id (`tenant/group`). */
export function sharedMeterSlots(groupIds: Iterable<string>): Map<string, number> {
  return hashSlots(groupIds, SHARED_METER_SLOTS);
}

/** The egress (`dir` 0) or ingress (1) meter of a shared group's slot. */
export function sharedMeterId(slot: number, dir: 0 | 1): number {
  return SHARED_METER_BASE + slot * 2 + dir;
}

/** Per port: its IPv4 through the egress meter (if any), DSCP marked unless trusted, then on to ARP_RESPONDER. */
export function qosFlows(view: HostView, round: number): FlowMod[] {
  return view.ports.map((p) => {
    const instructions: Instruction[] = [];
    if (p.qos?.egress) instructions.push({ type: 'meter', meterId: p.qos.egress.meterId });
    const dscp = p.qos?.dscp ?? 0;
    if (dscp !== 'trust') instructions.push({ type: 'applyActions', actions: [{ type: 'setField', field: 'ipDscp', value: dscp }] });
    instructions.push({ type: 'gotoTable', tableId: TABLE.ARP_RESPONDER });
    return {
      command: 'add',
      tableId: TABLE.QOS_EGRESS,
      priority: 100,
      cookie: makeCookie(round, FEATURE.QOS, p.ofport),
      match: { inPort: p.ofport, ethType: ETH_TYPE_IPV4 },
      instructions,
    };
  });
}

/** The meters the view's ports use, each once, by id. */
export function qosMeters(view: HostView): MeterLimit[] {
  const byId = new Map<number, MeterLimit>();
  for (const p of view.ports) {
    for (const m of [p.qos?.egress, p.qos?.ingress]) if (m) byId.set(m.meterId, m);
  }
  return [...byId.values()].sort((a, b) => a.meterId - b.meterId);
}
