/**
 * Flow cookies encode (agent round, feature, object id) so a restarted agent can tell
 * its own flows from others', and which feature and object each belongs to, without
 * flushing the bridge.
 *
 *   bits 63..48  agent round (incremented at every agent start)
 *   bits 47..40  feature (FEATURE.*; 0 = not ours)
 *   bits 39..0   object id (feature-defined: ofport, network key, table id)
 */

/** Feature numbers carried in cookies. Stable: never renumber or reuse. */
export const FEATURE = {
  TABLE_MISS: 1,
  CLASSIFY: 2,
  SPOOF_GUARD: 3,
  ARP_RESPONDER: 4,
  L2_FORWARD: 5,
  FLOOD: 6,
  REMOTE_FORWARD: 7,
  UPLINK: 8,
  TUNNEL: 9,
  ROUTE: 10,
  HOST_GATEWAY: 11,
  SNAT: 12,
  /** The policy tables' own flows: conntrack, connection state, commit. */
  POLICY: 13,
  /** A rule's deciding flows (their counters are the rule's hits); object: the rule. */
  POLICY_RULE: 14,
  /** A rule's conjunction clauses (members, peers, ports); object: the rule. */
  POLICY_CLAUSE: 15,
  /** A port's QoS flow (egress meter, DSCP); object: the ofport. */
  QOS: 16,
  /** A snooping network's own multicast flows (IGMP to the agent, link-local, unregistered); object: the network key. */
  MULTICAST: 17,
  /** A group address's replication flow; object: its OpenFlow group id. */
  MULTICAST_GROUP: 18,
} as const;

/** A feature number from FEATURE. */
export type Feature = (typeof FEATURE)[keyof typeof FEATURE];

const ROUND_SHIFT = 48n;
const FEATURE_SHIFT = 40n;
const OBJECT_MASK = (1n << 40n) - 1n;

/** Mask selecting the feature and object bits (everything but the round). */
export const OWNER_MASK = (1n << ROUND_SHIFT) - 1n;

/** A flow-dump filter selecting every flow of `feature`, whatever its round and object. */
export function featureFilter(feature: Feature): { cookie: bigint; cookieMask: bigint } {
  return { cookie: BigInt(feature) << FEATURE_SHIFT, cookieMask: 0xffn << FEATURE_SHIFT };
}

/** A flow-dump filter selecting the flows of `feature` for `objectId`, whatever their round. */
export function objectFilter(feature: Feature, objectId: number | bigint): { cookie: bigint; cookieMask: bigint } {
  return { cookie: makeCookie(0, feature, objectId), cookieMask: OWNER_MASK };
}

/** Builds a cookie. */
export function makeCookie(round: number, feature: Feature, objectId: number | bigint): bigint {
  return (BigInt(round & 0xffff) << ROUND_SHIFT) | (BigInt(feature) << FEATURE_SHIFT) | (BigInt(objectId) & OBJECT_MASK);
}

/** Splits a cookie into its parts. */
export function parseCookie(cookie: bigint): { round: number; feature: number; objectId: bigint } {
  return {
    round: Number((cookie >> ROUND_SHIFT) & 0xffffn),
    feature: Number((cookie >> FEATURE_SHIFT) & 0xffn),
    objectId: cookie & OBJECT_MASK,
  };
}

/** True when the cookie's feature is one of ours. */
export function isOwnCookie(cookie: bigint): boolean {
  const f = parseCookie(cookie).feature;
  return Object.values(FEATURE).includes(f as Feature);
}
