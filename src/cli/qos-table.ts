/** The `netdcli get endpoints --qos` table: each endpoint's limits, DSCP and meter drops. Pure. */
import { formatRate } from '../intent/qos.js';
import type { EndpointQosReport, MeterReport } from '../intent/qos-types.js';

/** Columns of the table. */
export const QOS_HEADERS = ['TENANT', 'NETWORK', 'CONTAINER', 'HOST', 'DSCP', 'EGRESS', 'EGRESS DROPPED', 'INGRESS', 'INGRESS DROPPED'];

/** One endpoint row as `GET /api/v1/endpoints?qos=true` returns it (fields the table uses). */
export interface QosRow {
  tenant: string;
  network: string;
  container: string;
  host?: string;
  attachedHost?: string;
  enforcedQos?: EndpointQosReport;
}

function limit(m: MeterReport | undefined): string {
  if (!m) return '-';
  return `${formatRate(m.rate)}/${formatRate(m.burst)}${m.shared ? ` (shared: ${m.shared.split('/').slice(1).join('/')})` : ''}`;
}

function dropped(m: MeterReport | undefined): string {
  return m ? `${m.droppedPackets} pkts, ${m.droppedBytes} B of ${m.packets} pkts` : '-';
}

/** The table cells of one endpoint (`-` where it has no QoS or no host reported it). */
export function qosCells(r: QosRow): string[] {
  const q = r.enforcedQos;
  return [r.tenant, r.network, r.container, r.attachedHost ?? r.host ?? '-', q ? String(q.dscp) : '-', limit(q?.egress), dropped(q?.egress), limit(q?.ingress), dropped(q?.ingress)];
}
