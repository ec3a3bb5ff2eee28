/**
 * Workloads that reach the agent from above rather than from its own container sources or
 * the intent: runtime attachments (CNI pods, Docker driver endpoints). The runtime service
 * (src/runtime/service.ts) provides them; the agent only defines what it needs, so the
 * dependency points down from the runtime layer to the agent and never back.
 */
import type { QosSettings } from '../intent/qos-types.js';
import type { EndpointState } from '../intent/types.js';
import type { LocalContainer } from './containers.js';

/** What the reconcile round adds to the intent and the agent's container sources. */
export interface ExtraWorkloads {
  /** Reads what survives a restart; runs once, after the desired and peer views are loaded and before the first round. */
  load(): Promise<void>;
  /** Containers to plumb on this host, by endpoint name (they win over same-named containers of the agent's sources). */
  localContainers(): ReadonlyMap<string, LocalContainer>;
  /** Endpoints of every host that the intent does not list (the intent's win on the same id). */
  runtimeEndpoints(): EndpointState[];
  /**
   * QoS that this host's runtime attachments give intent endpoints, by endpoint id, already laid
   * over each one's own `qos` from `intentEndpoints` (it replaces theirs); absent ids keep theirs.
   */
  intentEndpointQos?(intentEndpoints: ReadonlyMap<string, EndpointState>): ReadonlyMap<string, QosSettings>;
  /** Groups runtime attachments (of every host) give intent endpoints, by endpoint id, already joined with each one's own (they replace theirs). */
  intentEndpointGroups?(intentEndpoints: ReadonlyMap<string, EndpointState>): ReadonlyMap<string, string[]>;
}

/**
 * The endpoints a round plans: the intent's, plus runtime-only ones the intent does not list
 * (the intent's win on the same id), with runtime QoS and groups in place of the intent
 * endpoints' own where an attachment gives some. The intent's own map when there is nothing to add.
 */
export function withRuntimeEndpoints(
  intent: Map<string, EndpointState>,
  extra: readonly EndpointState[],
  qos: ReadonlyMap<string, QosSettings>,
  groups: ReadonlyMap<string, string[]> = new Map(),
): Map<string, EndpointState> {
  if (extra.length === 0 && qos.size === 0 && groups.size === 0) return intent;
  const endpoints = new Map(intent);
  for (const e of extra) if (!endpoints.has(e.id)) endpoints.set(e.id, e);
  for (const [id, q] of qos) {
    const e = endpoints.get(id);
    if (e && intent.has(id)) endpoints.set(id, { ...e, qos: q });
  }
  for (const [id, g] of groups) {
    const e = endpoints.get(id);
    if (e && intent.has(id)) endpoints.set(id, { ...e, groups: g });
  }
  return endpoints;
}
