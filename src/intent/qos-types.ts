/**
 * QoS as the operator writes it (`Bandwidth`, `Dscp`, a group's `Shared`, on a network, group or
 * endpoint) and as netmaster stores it for agents (docs/qos.md). Rates are bits per second,
 * bursts bits, always numbers once parsed ("50M" is 50,000,000).
 */

/** A limit in one direction: bits per second, and the burst in bits (0.8x the rate unless written). */
export interface RateLimit {
  rate: number;
  burst: number;
}

/** `Bandwidth`, parsed: `EgressRate`/`EgressBurst` (what the endpoint sends) and `IngressRate`/`IngressBurst` (what it receives). */
export interface Bandwidth {
  egress?: RateLimit;
  ingress?: RateLimit;
}

/** `Dscp`: the class (0-63) marked on IP packets the endpoint sends, or `trust` to keep what the container set. */
export type DscpSetting = number | 'trust';

/** What one level (network, group, endpoint) says about QoS; each part absent when not written. */
export interface QosSettings {
  bandwidth?: Bandwidth;
  dscp?: DscpSetting;
}

/** A group's QoS: its settings, and whether its limit is one for all its members on a host (`Shared`). */
export interface GroupQos extends QosSettings {
  shared?: boolean;
}

/** The burst a limit gets when none is written: 0.8x the rate (what TCP needs through a drop-band meter). */
export function defaultBurst(rate: number): number {
  return Math.round(rate * 0.8);
}

/** One direction of an endpoint's QoS as its host enforces it, with its meter's counters. */
export interface MeterReport {
  /** Configured limit: bits per second, burst in bits. */
  rate: number;
  burst: number;
  /** Set when the meter is a shared group's (`tenant/group`): its counters are the whole group's on this host. */
  shared?: string;
  /** Packets and bytes the meter saw, and those its band dropped (over the limit). */
  packets: number;
  bytes: number;
  droppedPackets: number;
  droppedBytes: number;
}

/** One endpoint's QoS on its host: limits with their counters, and the DSCP it marks. */
export interface EndpointQosReport {
  egress?: MeterReport;
  ingress?: MeterReport;
  /** The DSCP marked on what it sends (0 unless configured), or `trust`. */
  dscp: number | 'trust';
}

/** What one agent publishes at `KEYS.operQosCounters(host)`: its endpoints' QoS, by endpoint id (endpoints without any absent). */
export interface QosCounters {
  host: string;
  endpoints: Record<string, EndpointQosReport>;
}
