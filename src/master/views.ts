/** Read-side views served by netmaster: desired objects joined with agents' oper status. */
import type { TenantPolicyState } from '../intent/policy-types.js';
import type { EndpointState } from '../intent/types.js';
import { KEYS, parseOperKey } from '../state/keys.js';
import type { StateStore } from '../state/store.js';
import { loadDesired } from './desired-io.js';
import type { Attachment } from '../runtime/types.js';

/** An endpoint row: what was allocated, where it runs and how it is doing. */
export interface EndpointView extends EndpointState {
  /** Host whose agent reports it (may differ from `host` when unbound). */
  attachedHost?: string;
  status: string;
  ifName?: string;
  error?: string;
  /** Who made it: absent for intent endpoints plumbed by name, else `cni` / `docker` (runtime attachments). */
  runtime?: string;
  /** The runtime's key (CNI `containerId/ifName`, Docker endpoint id) when `runtime` is set. */
  runtimeKey?: string;
}

/** A group row (`netdcli get groups`): its tenant, the policies whose rules apply to it, and how many endpoints it has. */
export interface GroupView {
  tenant: string;
  group: string;
  /** Policies with at least one rule applying to the group, sorted (an empty policy enforces nothing). */
  policies: string[];
  /** Endpoints naming the group: intent endpoints and runtime attachments. */
  members: number;
}

/** One row per group of every tenant's stored policy, with its member count among `endpoints`. */
export function groupViews(policies: readonly TenantPolicyState[], endpoints: readonly EndpointState[]): GroupView[] {
  const members = new Map<string, number>();
  for (const e of endpoints) for (const g of e.groups ?? []) members.set(`${e.tenant}/${g}`, (members.get(`${e.tenant}/${g}`) ?? 0) + 1);
  const rows: GroupView[] = [];
  for (const p of policies) {
    for (const group of p.groups) {
      const names = new Set(p.rules.filter((r) => r.appliesTo.includes(group)).map((r) => r.policy));
      rows.push({ tenant: p.tenant, group, policies: [...names].sort(), members: members.get(`${p.tenant}/${group}`) ?? 0 });
    }
  }
  return rows.sort((a, b) => (a.tenant === b.tenant ? (a.group < b.group ? -1 : 1) : a.tenant < b.tenant ? -1 : 1));
}

/** Tenants, networks and endpoints as stored, endpoints with their status. */
export async function readViews(store: StateStore) {
  const [desired, oper, regs, atts] = await Promise.all([loadDesired(store), store.list(KEYS.operEndpointsPrefix), store.list(KEYS.operHostsPrefix), store.list(KEYS.operAttachmentsPrefix)]);
  const status = new Map<string, { host: string; status: string; ifName?: string; error?: string }>();
  for (const kv of oper.items) {
    const k = parseOperKey(kv.key);
    if (k?.kind !== 'operEndpoint') continue;
    const s = JSON.parse(kv.value) as { status: string; ifName?: string; error?: string };
    const id = k.ids.slice(1).join('/');
    // An attached report wins over an error report from another host.
    if (!status.has(id) || s.status === 'attached') status.set(id, { host: k.ids[0], status: s.status, ifName: s.ifName, error: s.error });
  }
  const state = desired.state ?? { tenants: [], networks: [], endpoints: [], hosts: [], policies: [] };
  // Hosts: those the intent names and those whose agents are registered (alive), merged by name.
  const registered = new Map<string, { vtepIp?: string; uplink?: string; vxlan?: string; registeredAt?: string }>();
  for (const kv of regs.items) {
    const k = parseOperKey(kv.key);
    if (k?.kind === 'operHost') registered.set(k.ids[0], JSON.parse(kv.value));
  }
  // Runtime attachments: intent endpoints they took by name, and endpoints that exist only through them.
  const runtime = new Map<string, Attachment>();
  for (const kv of atts.items) {
    const a = JSON.parse(kv.value) as Attachment;
    runtime.set(a.endpointId, a);
  }
  const all: EndpointState[] = [...state.endpoints];
  for (const a of runtime.values()) {
    if (!a.fromIntent) all.push({ id: a.endpointId, tenant: a.tenant, network: a.network, container: a.name, host: a.host, ip: a.ip, prefixLen: a.prefixLen, mac: a.mac, ...(a.groups ? { groups: a.groups } : {}), ...(a.qos ? { qos: a.qos } : {}) });
  }
  const endpoints: EndpointView[] = all.map((e) => {
    const s = status.get(e.id);
    const a = runtime.get(e.id);
    // A report from a host whose agent is no longer registered (lease expired) is stale.
    const st = !s ? (a && !a.netns ? 'recorded' : 'pending') : s.status === 'attached' && !registered.has(s.host) ? 'unknown (agent absent)' : s.status;
    return { ...e, attachedHost: s?.host, status: st, ifName: s?.ifName, error: s?.error, ...(a ? { runtime: a.source, runtimeKey: a.key } : {}) };
  });
  const names = [...new Set([...state.hosts.map((h) => h.name), ...registered.keys()])].sort();
  const hosts = names.map((name) => {
    const cfg = state.hosts.find((h) => h.name === name);
    const reg = registered.get(name);
    // VXLAN: the path the live agent chose (kernel / ovs); VTEP: the address peers send to (the agent's, which --vxlan-dev may make differ from Hosts[]).
    return { name, intf: cfg?.intf ?? reg?.uplink, vtepIp: reg?.vtepIp ?? cfg?.vtepIp, vxlan: reg?.vxlan, agent: reg ? 'registered' : 'absent', registeredAt: reg?.registeredAt };
  });
  return { tenants: state.tenants, networks: state.networks, endpoints, hosts, groups: groupViews(state.policies ?? [], endpoints), intent: desired.intentText };
}
