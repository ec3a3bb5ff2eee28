/**
 * The one key layout of the state store (docs/state.md). Config keys are written by
 * netmaster only; oper keys by the agent named in the key. Name segments are
 * URI-encoded so a stray '/' in a name can never change a key's shape.
 */

const ROOT = '/netplugin';
const CONFIG = `${ROOT}/config/`;
const OPER = `${ROOT}/oper/`;

/** Encodes one name segment of a key. */
function seg(name: string): string {
  return encodeURIComponent(name);
}

/** Every key and prefix of the layout; prefixes end with '/'. */
export const KEYS = {
  /** Prefix of everything netmaster writes. */
  configPrefix: CONFIG,
  /** Prefix of everything agents write. */
  operPrefix: OPER,
  /** Revision info and intent hash of the last apply. */
  meta: `${CONFIG}meta`,
  /**
   * The last applied intent (classic JSON): outside the config prefix, because agents
   * follow that prefix and have no use for the whole intent text.
   */
  intent: `${ROOT}/intent`,
  /** Where the intent text was kept before it moved out of the config prefix (read, then deleted, by netmaster). */
  legacyIntent: `${CONFIG}intent`,
  /** Prefix of every TenantState key. */
  tenantsPrefix: `${CONFIG}tenants/`,
  /** Prefix of every NetworkState key. */
  networksPrefix: `${CONFIG}networks/`,
  /** Prefix of every EndpointState key. */
  endpointsPrefix: `${CONFIG}endpoints/`,
  /** Prefix of every HostIntent key. */
  hostsPrefix: `${CONFIG}hosts/`,
  /** Prefix of every TenantPolicyState key. */
  policiesPrefix: `${CONFIG}policies/`,
  /** Prefix of every agent registration. */
  operHostsPrefix: `${OPER}hosts/`,
  /** Prefix of every endpoint status. */
  operEndpointsPrefix: `${OPER}endpoints/`,
  /** TenantState of tenant `t`. */
  tenant: (t: string): string => `${CONFIG}tenants/${seg(t)}`,
  /** NetworkState of network `n` in tenant `t`. */
  network: (t: string, n: string): string => `${CONFIG}networks/${seg(t)}/${seg(n)}`,
  /** EndpointState of container `c` on network `n` of tenant `t`. */
  endpoint: (t: string, n: string, c: string): string =>
    `${CONFIG}endpoints/${seg(t)}/${seg(n)}/${seg(c)}`,
  /** HostIntent of host `h`. */
  host: (h: string): string => `${CONFIG}hosts/${seg(h)}`,
  /** TenantPolicyState of tenant `t` (its groups and flattened rules; docs/policy.md). */
  policy: (t: string): string => `${CONFIG}policies/${seg(t)}`,
  /** Registration (VTEP address, lease) written by the agent of host `h`. */
  operHost: (h: string): string => `${OPER}hosts/${seg(h)}`,
  /** Status of one endpoint, written by the agent of host `h`. */
  operEndpoint: (h: string, t: string, n: string, c: string): string =>
    `${OPER}endpoints/${seg(h)}/${seg(t)}/${seg(n)}/${seg(c)}`,
  /** Prefix of every endpoint status written by the agent of host `h`. */
  operEndpointsOf: (h: string): string => `${OPER}endpoints/${seg(h)}/`,
  /** Prefix of every runtime attachment (CNI pods, Docker endpoints). */
  operAttachmentsPrefix: `${OPER}attachments/`,
  /** Prefix of the runtime attachments made on host `h`. */
  operAttachmentsOf: (h: string): string => `${OPER}attachments/${seg(h)}/`,
  /** One runtime attachment, written by the agent of host `h` (`src/runtime/types.ts` Attachment). */
  operAttachment: (h: string, source: string, key: string): string =>
    `${OPER}attachments/${seg(h)}/${seg(source)}/${seg(key)}`,
  /** Prefix of what the Docker plugin of host `h` keeps (network bindings, IPAM pools; src/docker/plugin/keys.ts). */
  operDockerOf: (h: string): string => `${OPER}docker/${seg(h)}/`,
  /** Prefix of every address claim (addresses taken outside the intent). */
  operClaimsPrefix: `${OPER}claims/`,
  /** Prefix of the address claims in network `n` of tenant `t`. */
  operClaimsOf: (t: string, n: string): string => `${OPER}claims/${seg(t)}/${seg(n)}/`,
  /** Prefix of every host's policy counters. */
  operPolicyCountersPrefix: `${OPER}policy-counters/`,
  /** Policy rule and spoof-guard counters of host `h`, written by its agent (src/agent/policy-counters.ts PolicyCounters). */
  operPolicyCounters: (h: string): string => `${OPER}policy-counters/${seg(h)}`,
  /** Prefix of every host's QoS counters. */
  operQosCountersPrefix: `${OPER}qos-counters/`,
  /** QoS limits and meter counters of host `h`'s endpoints, written by its agent (src/intent/qos-types.ts QosCounters). */
  operQosCounters: (h: string): string => `${OPER}qos-counters/${seg(h)}`,
  /** Prefix of every host's multicast memberships. */
  operMulticastPrefix: `${OPER}multicast/`,
  /** Multicast group members learned by the agent of host `h` (src/intent/multicast-types.ts MulticastMembers). */
  operMulticast: (h: string): string => `${OPER}multicast/${seg(h)}`,
  /** Claim of address `ip` in network `n` of tenant `t`: `{owner, host, endpointId?}`; created only if absent. */
  operClaim: (t: string, n: string, ip: string): string => `${OPER}claims/${seg(t)}/${seg(n)}/${seg(ip)}`,
} as const;

/** What a config key names. */
export type ConfigKeyKind = 'meta' | 'intent' | 'tenant' | 'network' | 'endpoint' | 'host' | 'policy';

/** What an oper key names. */
export type OperKeyKind = 'operHost' | 'operEndpoint' | 'operAttachment' | 'operClaim' | 'operPolicyCounters' | 'operQosCounters' | 'operMulticast';

/** Number of name segments each config kind carries after its collection name. */
const CONFIG_COLLECTIONS = new Map<string, { kind: ConfigKeyKind; ids: number }>([
  ['tenants', { kind: 'tenant', ids: 1 }],
  ['networks', { kind: 'network', ids: 2 }],
  ['endpoints', { kind: 'endpoint', ids: 3 }],
  ['hosts', { kind: 'host', ids: 1 }],
  ['policies', { kind: 'policy', ids: 1 }],
]);

/** Number of name segments each oper kind carries (host first). */
const OPER_COLLECTIONS = new Map<string, { kind: OperKeyKind; ids: number }>([
  ['hosts', { kind: 'operHost', ids: 1 }],
  ['endpoints', { kind: 'operEndpoint', ids: 4 }],
  ['attachments', { kind: 'operAttachment', ids: 3 }],
  ['claims', { kind: 'operClaim', ids: 3 }],
  ['policy-counters', { kind: 'operPolicyCounters', ids: 1 }],
  ['qos-counters', { kind: 'operQosCounters', ids: 1 }],
  ['multicast', { kind: 'operMulticast', ids: 1 }],
]);

/** Splits `rest` into exactly `count` decoded non-empty segments, or undefined. */
function splitIds(rest: string[], count: number): string[] | undefined {
  if (rest.length !== count || rest.some((s) => s === '')) return undefined;
  try {
    return rest.map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/** Parses a config key into its kind and decoded names; undefined if not in the layout. */
export function parseConfigKey(key: string): { kind: ConfigKeyKind; ids: string[] } | undefined {
  if (key === KEYS.meta) return { kind: 'meta', ids: [] };
  if (key === KEYS.legacyIntent) return { kind: 'intent', ids: [] };
  if (!key.startsWith(CONFIG)) return undefined;
  const [collection, ...rest] = key.slice(CONFIG.length).split('/');
  const spec = CONFIG_COLLECTIONS.get(collection);
  if (!spec) return undefined;
  const ids = splitIds(rest, spec.ids);
  return ids ? { kind: spec.kind, ids } : undefined;
}

/** Parses an oper key into its kind and decoded names (host first, except claims: tenant, network, ip); undefined if not in the layout. */
export function parseOperKey(key: string): { kind: OperKeyKind; ids: string[] } | undefined {
  if (!key.startsWith(OPER)) return undefined;
  const [collection, ...rest] = key.slice(OPER.length).split('/');
  const spec = OPER_COLLECTIONS.get(collection);
  if (!spec) return undefined;
  const ids = splitIds(rest, spec.ids);
  return ids ? { kind: spec.kind, ids } : undefined;
}
