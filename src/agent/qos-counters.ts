/**
 * Each local endpoint's QoS with its meters' counters, read from the bridge and published to the
 * store (`KEYS.operQosCounters(host)`) for `netdcli get endpoints --qos`. A meter's packets and
 * bytes are what reached it; its drop band's counts are what exceeded the limit and was dropped.
 */
import type { PortQos, MeterLimit } from '../datapath/ovs/pipeline/index.js';
import type { EndpointQosReport, MeterReport, QosCounters } from '../intent/qos-types.js';
import { KEYS } from '../state/keys.js';
import type { StateStore } from '../state/store.js';

/** A meter's counters as the bridge reports them (meter statistics). */
export interface MeterCounters {
  meterId: number;
  packetInCount: number | bigint;
  byteInCount: number | bigint;
  bands: Array<{ packets: number | bigint; bytes: number | bigint }>;
}

/** The part of an OpenFlow connection the counters read through. */
export interface MeterStatsReader {
  meterStats(): Promise<MeterCounters[]>;
}

/** The report of one endpoint's QoS, given the counters of every meter by id (a missing meter reads as zeros). */
export function endpointReport(q: PortQos, stats: ReadonlyMap<number, MeterCounters>): EndpointQosReport {
  const meter = (m: MeterLimit): MeterReport => {
    const s = stats.get(m.meterId);
    return {
      rate: m.rate,
      burst: m.burst,
      ...(m.shared ? { shared: m.shared } : {}),
      packets: Number(s?.packetInCount ?? 0),
      bytes: Number(s?.byteInCount ?? 0),
      droppedPackets: (s?.bands ?? []).reduce((n, b) => n + Number(b.packets), 0),
      droppedBytes: (s?.bands ?? []).reduce((n, b) => n + Number(b.bytes), 0),
    };
  };
  const out: EndpointQosReport = { dscp: q.dscp ?? 0 };
  if (q.egress) out.egress = meter(q.egress);
  if (q.ingress) out.ingress = meter(q.ingress);
  return out;
}

/** Reads the meters of `qos` (endpoint id -> its QoS, from the last round) off the bridge. */
export async function readQosCounters(sw: MeterStatsReader, host: string, qos: ReadonlyMap<string, PortQos>): Promise<QosCounters> {
  const hasMeter = [...qos.values()].some((q) => q.egress || q.ingress);
  const stats = new Map(hasMeter ? (await sw.meterStats()).map((s) => [s.meterId, s]) : []);
  const endpoints: Record<string, EndpointQosReport> = {};
  for (const id of [...qos.keys()].sort()) endpoints[id] = endpointReport(qos.get(id)!, stats);
  return { host, endpoints };
}

/** Writes a host's QoS counters when they changed since the last write. */
export class QosCountersPublisher {
  private last = '';

  constructor(
    private readonly store: StateStore,
    private readonly host: string,
  ) {}

  /** Publishes `counters`; returns whether anything was written. */
  async publish(counters: QosCounters): Promise<boolean> {
    const value = JSON.stringify(counters);
    if (value === this.last) return false;
    await this.store.txn([], [{ type: 'put', key: KEYS.operQosCounters(this.host), value }]);
    this.last = value;
    return true;
  }
}
