/**
 * The OpenFlow pipeline, declared in one place and in order. Packets enter table 0 and
 * only ever move forward; a table's miss behaviour is part of its declaration so the
 * default flows are installed (and replayed) like any feature's.
 *
 *   CLASSIFY ─▶ SPOOF_GUARD ─▶ QOS_EGRESS ─▶ ARP_RESPONDER ─▶ POLICY_CONNTRACK ─▶ L3_ROUTE ─▶ L2_FORWARD ─▶ output / flood group
 *      │                                                          │ (tenants with policy)  │
 *      │ (from other hosts)                                       ▼                        └─▶ (conntrack) SNAT_RETURN ─▶ L2_FORWARD
 *      └────────────────────────────────────────────────▶ POLICY_STATE ─▶ POLICY_EGRESS ─▶ POLICY_INGRESS ─▶ POLICY_COMMIT ─▶ L3_ROUTE
 *
 * Gaps in the numbering leave room for later stages (policy, QoS) without renumbering.
 */

/** What a table does with a packet no flow matched. */
export type MissAction = { kind: 'drop' } | { kind: 'goto'; table: number };

/** One pipeline stage. */
export interface TableDecl {
  id: number;
  name: string;
  /** Why the stage exists. */
  purpose: string;
  miss: MissAction;
}

/** Table ids, in pipeline order. */
export const TABLE = {
  CLASSIFY: 0,
  SPOOF_GUARD: 10,
  QOS_EGRESS: 15,
  ARP_RESPONDER: 20,
  POLICY_CONNTRACK: 21,
  POLICY_STATE: 22,
  POLICY_EGRESS: 24,
  POLICY_INGRESS: 26,
  POLICY_COMMIT: 28,
  L3_ROUTE: 30,
  SNAT_RETURN: 35,
  L2_FORWARD: 40,
} as const;

/** The pipeline, ordered: every table's id, purpose and miss behaviour. */
export const PIPELINE: readonly TableDecl[] = [
  { id: TABLE.CLASSIFY, name: 'classify', purpose: 'map the ingress port to its network (metadata); unknown ports are dropped', miss: { kind: 'drop' } },
  { id: TABLE.SPOOF_GUARD, name: 'spoof-guard', purpose: 'only the MAC and IP allocated to a port may send from it', miss: { kind: 'drop' } },
  { id: TABLE.QOS_EGRESS, name: 'qos-egress', purpose: 'meter what a local endpoint sends and mark (or clear) the DSCP of its IPv4 packets', miss: { kind: 'goto', table: TABLE.ARP_RESPONDER } },
  { id: TABLE.ARP_RESPONDER, name: 'arp-responder', purpose: 'answer ARP for known addresses locally so requests are not flooded', miss: { kind: 'goto', table: TABLE.POLICY_CONNTRACK } },
  { id: TABLE.POLICY_CONNTRACK, name: 'policy-conntrack', purpose: 'send IPv4 of tenants with policy through conntrack in the tenant zone', miss: { kind: 'goto', table: TABLE.L3_ROUTE } },
  { id: TABLE.POLICY_STATE, name: 'policy-state', purpose: 'packets of established and related connections pass; new ones meet the rules; invalid ones are dropped', miss: { kind: 'drop' } },
  { id: TABLE.POLICY_EGRESS, name: 'policy-egress', purpose: 'rules on traffic from local members (direction out), highest priority first', miss: { kind: 'goto', table: TABLE.POLICY_INGRESS } },
  { id: TABLE.POLICY_INGRESS, name: 'policy-ingress', purpose: 'rules on traffic to local members (direction in), highest priority first', miss: { kind: 'goto', table: TABLE.POLICY_COMMIT } },
  { id: TABLE.POLICY_COMMIT, name: 'policy-commit', purpose: 'commit the allowed connection in its tenant zone so its replies pass', miss: { kind: 'goto', table: TABLE.L3_ROUTE } },
  { id: TABLE.L3_ROUTE, name: 'l3-route', purpose: 'route packets sent to a gateway MAC: to another network of the tenant, to the host, or out through SNAT', miss: { kind: 'goto', table: TABLE.L2_FORWARD } },
  { id: TABLE.SNAT_RETURN, name: 'snat-return', purpose: 'after conntrack restored a container address, route the reply into its network', miss: { kind: 'drop' } },
  { id: TABLE.L2_FORWARD, name: 'l2-forward', purpose: 'deliver by destination MAC within the network; flood broadcast/multicast to the network group', miss: { kind: 'drop' } },
];
