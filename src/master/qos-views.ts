/**
 * `GET /api/v1/endpoints?qos=true`: each endpoint's QoS as its host enforces it (limits, DSCP)
 * with its meters' counters, from the agents' QoS reports (`KEYS.operQosCounters`). Pure.
 */
import type { EndpointQosReport, QosCounters } from '../intent/qos-types.js';

/** Endpoint rows with `enforcedQos` from the report of the host each is attached on (absent: no QoS there, or no report). */
export function withEnforcedQos<T extends { id: string; attachedHost?: string; host?: string }>(endpoints: readonly T[], reports: readonly QosCounters[]): Array<T & { enforcedQos?: EndpointQosReport }> {
  const byHost = new Map(reports.map((r) => [r.host, r.endpoints]));
  return endpoints.map((e) => {
    const host = e.attachedHost ?? e.host;
    const q = host === undefined ? undefined : byHost.get(host)?.[e.id];
    return q ? { ...e, enforcedQos: q } : { ...e };
  });
}
