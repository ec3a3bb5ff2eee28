/**
 * The operator's intent, after parsing (keys normalised to these names) and the
 * desired state netmaster derives from it (every resource allocated).
 */

import type { GroupIntent, PolicyIntent, TenantPolicyState } from './policy-types.js';
import type { MulticastMode } from './multicast-types.js';
import type { QosSettings } from './qos-types.js';

/** One problem found in an intent: where (a JSON path such as `$.Tenants[0].Vlans`) and why. */
export interface Problem {
  path: string;
  reason: string;
}

/** Packet tagging used by a network on the wire between hosts. */
export type PktTagType = 'vlan' | 'vxlan';

/**
 * Who owns a network's gateway address: every host routes for its own endpoints
 * (`distributed`), or a physical router on the VLAN trunk does (`external`).
 */
export type GatewayMode = 'distributed' | 'external';

/** Whether containers reach addresses outside their tenant's networks, source-NATed by their host. */
export type ExternalMode = 'snat' | 'none';

/** A physical host named in the intent (`Hosts[]`). */
export interface HostIntent {
  name: string;
  intf?: string;
  vtepIp?: string;
}

/** A late binding of a container to a host (`HostBindings[]`). */
export interface HostBindingIntent {
  container: string;
  host: string;
}

/** One endpoint: a container attached to a network. */
export interface EndpointIntent {
  container: string;
  host?: string;
  ipAddress?: string;
  attachUUID?: string;
  /** `Groups`: the tenant's endpoint groups this endpoint belongs to (docs/policy.md). */
  groups?: string[];
  /** `Bandwidth` and `Dscp` of this endpoint (docs/qos.md); absent when it writes none. */
  qos?: QosSettings;
}

/** One network of a tenant, with optional overrides. */
export interface NetworkIntent {
  name: string;
  pktTagType?: PktTagType;
  pktTag?: number;
  subnetCIDR?: string;
  defaultGw?: string;
  /** `Gateway`; undefined means the default (`distributed`). */
  gatewayMode?: GatewayMode;
  /** `External`; undefined means the default (`snat`). */
  external?: ExternalMode;
  /** `Multicast`; undefined means the default (`snoop`). */
  multicast?: MulticastMode;
  /** `MulticastRouter` (VLAN networks only); undefined means false. */
  multicastRouter?: boolean;
  /** `Bandwidth` and `Dscp` of the network, for each of its endpoints (docs/qos.md); absent when it writes none. */
  qos?: QosSettings;
  endpoints: EndpointIntent[];
}

/** One tenant and its allocation pools. */
export interface TenantIntent {
  name: string;
  defaultNetType: PktTagType;
  subnetPool?: string;
  allocSubnetLen?: number;
  vlans?: string;
  vxlans?: string;
  networks: NetworkIntent[];
  /** `Groups`: endpoint groups and the policies that apply to their members. */
  groups?: GroupIntent[];
  /** `Policies`: named lists of allow/deny rules. */
  policies?: PolicyIntent[];
}

/** The whole intent document. */
export interface Intent {
  tenants: TenantIntent[];
  hosts: HostIntent[];
  hostBindings: HostBindingIntent[];
}

/** A tenant as stored: its effective pools after defaults were applied. */
export interface TenantState {
  name: string;
  defaultNetType: PktTagType;
  subnetPool: string;
  allocSubnetLen: number;
  vlans: string;
  vxlans: string;
  /**
   * Stable number of the tenant's routing domain (1-4078, unique among tenants), kept
   * for as long as the tenant exists. Absent in states written before routing.
   */
  routeId: number;
}

/** A network as stored: every resource allocated. `id` is `tenant/network`. */
export interface NetworkState {
  id: string;
  tenant: string;
  name: string;
  pktTagType: PktTagType;
  pktTag: number;
  subnet: string;
  gateway: string;
  /** MTU containers get on this network (1500 for VLAN, 1450 for VXLAN). */
  mtu: number;
  /** Always written by netmaster; states written before routing lack it (read it with gatewayModeOf). */
  gatewayMode: GatewayMode;
  /** Always written by netmaster; states written before routing lack it (read it with externalOf). */
  external: ExternalMode;
  /** The tenant's routeId, copied here because agents read networks, not tenants (their SNAT zone and transit address). */
  routeId: number;
  /** `Multicast`; absent means the default, `snoop` (docs/multicast.md). */
  multicast?: MulticastMode;
  /** `MulticastRouter` (VLAN networks only): multicast also goes out the trunk, where a physical router may listen. */
  multicastRouter?: boolean;
  /** The network's own `Bandwidth` and `Dscp` (docs/qos.md); written only when the intent sets some. */
  qos?: QosSettings;
}

/** An endpoint as stored. `id` is `tenant/network/container`. */
export interface EndpointState {
  id: string;
  tenant: string;
  network: string;
  container: string;
  /** Host the endpoint is bound to; undefined means "whichever host runs the container". */
  host?: string;
  ip: string;
  /** Prefix length of the network's subnet, so agents need not look the network up. */
  prefixLen: number;
  mac: string;
  attachUUID?: string;
  /** The endpoint's groups, sorted; absent when it has none. */
  groups?: string[];
  /**
   * The endpoint's own `Bandwidth` and `Dscp` (docs/qos.md), not resolved against its groups or
   * network (agents do that: endpoint over group over network); absent when it sets none.
   */
  qos?: QosSettings;
}

/** Everything netmaster writes as desired state for one intent. */
export interface DesiredState {
  tenants: TenantState[];
  networks: NetworkState[];
  endpoints: EndpointState[];
  hosts: HostIntent[];
  /** One per tenant with groups or policies, sorted by tenant. */
  policies: TenantPolicyState[];
}

/** The change between two desired states, object by object. */
export interface Plan {
  create: PlanItem[];
  update: PlanItem[];
  delete: PlanItem[];
}

/** One object in a plan: its kind, id, and (for update) which fields changed. */
export interface PlanItem {
  kind: 'tenant' | 'network' | 'endpoint' | 'host' | 'policy';
  id: string;
  fields?: string[];
}
