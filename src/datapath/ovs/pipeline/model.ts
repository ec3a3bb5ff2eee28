/**
 * What the pipeline is computed from: the networks and ports present on this host.
 * Feature modules turn this view into flows; the view itself holds no OpenFlow.
 */
import type { FlowMod, GroupMod } from '../openflow/index.js';

/** A network with at least one port on this host. */
export interface LocalNetwork {
  /** `tenant/network`. */
  id: string;
  /**
   * Pipeline-wide number of the network, carried in OpenFlow metadata and used as its
   * flood group id: the VLAN id, or 2^24 + VNI for VXLAN (tags are unique per cluster).
   */
  key: number;
  gateway: string;
  gatewayMac: string;
  pktTagType: 'vlan' | 'vxlan';
  /** VLAN id or VNI. */
  pktTag: number;
  /**
   * Routing within the tenant (the distributed gateway). Absent: the network is switched
   * only, as before routing existed (and unit tests of L2 features need not say more).
   */
  l3?: NetworkRouting;
}

/** How a network takes part in its tenant's routing. */
export interface NetworkRouting {
  tenant: string;
  /** The network's subnet, `a.b.c.d/len`. */
  subnet: string;
  /**
   * `distributed`: every host routes for its endpoints and answers ARP for the gateway;
   * `external`: a physical router on the VLAN trunk owns the gateway, we neither answer nor route.
   */
  gateway: 'distributed' | 'external';
  /** Source NAT to the outside through the host gateway, with the tenant's conntrack zone and transit address. */
  snat?: { zone: number; transitIp: string };
}

/** The host gateway port: the host's own leg into the bridge (docs/datapath.md, "Host gateway"). */
export interface HostGatewayView {
  ofport: number;
  /** The host side's address and MAC (the kernel end of the port). */
  hostIp: string;
  hostMac: string;
  /** The address the host routes through (answered by the bridge) and the MAC routed packets come from. */
  routerIp: string;
  routerMac: string;
  /** Keys of local networks the host has a kernel route to (their subnets overlap nothing else here). */
  hostRouted: ReadonlySet<number>;
}

/** An endpoint's port on the bridge. */
export interface LocalPort {
  ofport: number;
  mac: string;
  ip: string;
  network: LocalNetwork;
  /** Its rate limits and DSCP (docs/qos.md); absent: no limits, DSCP cleared to 0. */
  qos?: PortQos;
}

/** A drop-band meter as the pipeline uses it: its id and limit (bits per second, burst in bits). */
export interface MeterLimit {
  meterId: number;
  rate: number;
  burst: number;
  /** The shared group (`tenant/group`) whose members on this host all use this meter. */
  shared?: string;
}

/** What QoS does to one port's traffic. */
export interface PortQos {
  /** Meter of what the endpoint sends (its own, or its group's when shared). */
  egress?: MeterLimit;
  /** Meter of what is delivered to the endpoint. */
  ingress?: MeterLimit;
  /** DSCP marked on IP packets the endpoint sends; `trust` keeps the container's; absent means 0. */
  dscp?: number | 'trust';
}

/** An endpoint attached on another host, in a network that has ports here. */
export interface RemoteEndpoint {
  /** `tenant/network/container`: stable identity for cookies. */
  id: string;
  mac: string;
  ip: string;
  network: LocalNetwork;
  host: string;
  /** VTEP of its host (required to reach VXLAN endpoints). */
  vtepIp?: string;
}

/** Everything the pipeline needs to know about this host. */
export interface HostView {
  ports: LocalPort[];
  /** Endpoints on other hosts in networks with local ports. */
  remotes: RemoteEndpoint[];
  /** ofport of the flow-based VXLAN port, when this host has a VTEP. */
  tunnelOfport?: number;
  /** ofport of the patch to the physical network (VLAN trunk), when this host has an uplink. */
  uplinkOfport?: number;
  /**
   * Kernel VXLAN devices attached as OVS ports, by network key (the fast path: the kernel
   * encapsulates with offloads on and picks the peer VTEP from its forwarding entries).
   * A network listed here uses its device instead of the userspace tunnel port.
   */
  vxlanDevices?: Map<number, number>;
  /**
   * Networks without local ports that local endpoints route into (same tenant, distributed
   * gateway): their remote endpoints are in `remotes`, but they get no ARP, flood or classify flows.
   */
  transit?: LocalNetwork[];
  /** Subnets of local tenants that are not routed to (external gateway): never sent out through SNAT. */
  unrouted?: Array<{ tenant: string; subnet: string }>;
  /** The host gateway port, when the host has one. */
  gateway?: HostGatewayView;
  /** ACL policy of the tenants that have any (docs/policy.md); absent or empty: no policy tables in use. */
  policy?: PolicyView;
  /** Networks with local ports in `snoop` mode and their group members (docs/multicast.md); the others flood multicast. */
  multicast?: MulticastNetworkView[];
}

/** One group address of a snooping network as this host replicates it. */
export interface MulticastGroupView {
  /** Dotted IPv4 group address. */
  group: string;
  /** ofports of the local members. */
  localPorts: number[];
  /** VTEPs of the other hosts with members (VXLAN), sorted. */
  remoteVteps: string[];
  /** Whether another host has members (VLAN: one copy to the trunk reaches them). */
  remoteMembers: boolean;
}

/** A network with local ports in `snoop` mode. */
export interface MulticastNetworkView {
  network: LocalNetwork;
  /** VLAN only: a multicast router on the trunk gets every multicast packet and every report. */
  router: boolean;
  groups: MulticastGroupView[];
}


/** What the policy tables enforce on this host. */
export interface PolicyView {
  tenants: TenantPolicyView[];
}

/** One tenant's policy as this host enforces it. */
export interface TenantPolicyView {
  tenant: string;
  /** The tenant's conntrack zone for policy state (never shared with another tenant, nor with SNAT). */
  zone: number;
  /** Keys of the tenant's networks whose packets this host tracks (its local and transit networks). */
  networkKeys: number[];
  /** Rules with at least one member on this host, highest priority first. */
  rules: PolicyRuleView[];
}

/** One rule, with its groups resolved to addresses. */
export interface PolicyRuleView {
  /** `tenant/policy/index`: identity of the rule's flows (cookie) and counters. */
  id: string;
  priority: number;
  direction: 'in' | 'out';
  action: 'allow' | 'deny';
  /** Addresses of the rule's members on this host: destinations of `in` rules, sources of `out` rules. */
  members: string[];
  /** The other side as cidrs (`a.b.c.d/32` for an endpoint); absent means anyone. */
  peers?: string[];
  protocol?: 'tcp' | 'udp' | 'icmp';
  ports?: { min: number; max: number };
  /** A deny that logs: its packets also go to the agent, through the packet-in meter. */
  log?: boolean;
}

/** Metadata bit set on packets that entered from a tunnel or the uplink (split horizon). */
export const FROM_REMOTE = 1n << 32n;
/** Metadata bits holding the network key. */
export const NETWORK_MASK = 0xffffffffn;
/** Metadata bits written by classification: network key and origin. */
export const CLASSIFY_MASK = NETWORK_MASK | FROM_REMOTE;
/** Network key of packets from the host gateway port (above every VLAN id and 2^24 + VNI). */
export const GATEWAY_KEY = 0x80000000;
/** Flood groups for remote-origin packets (local ports only) live above this id. */
export const LOCAL_FLOOD_GROUP_BASE = 0x40000000;

/** Flows and groups one feature wants on the bridge, and the meters its flows use. */
export interface FeatureOutput {
  flows: FlowMod[];
  groups: GroupMod[];
  /** Meters (ids in the QoS range only); absent: none wanted, and the syncer leaves meters alone. */
  meters?: MeterLimit[];
}

/** The pipeline key of a network: VLAN id, or 2^24 + VNI. */
export function networkKey(pktTagType: 'vlan' | 'vxlan', pktTag: number): number {
  return pktTagType === 'vxlan' ? 0x1000000 + pktTag : pktTag;
}

/** The 32-bit FNV-1a hash of a string. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * A stable cookie object id for a string (FNV-1a), placed at 2^34 and above so it never
 * collides with ofports or network keys, which other features use as object ids.
 */
export function objectIdOf(s: string): number {
  return 2 ** 34 + fnv1a(s);
}

/**
 * Slots in `[0, slots)` for a set of keys: each key its hash, or the next free slot on a
 * collision, keys taken in sorted order, so the outcome depends only on the set of keys (a
 * restarted agent derives the same ids without storing them).
 */
export function hashSlots(keys: Iterable<string>, slots: number): Map<string, number> {
  const out = new Map<string, number>();
  const used = new Set<number>();
  for (const k of [...new Set(keys)].sort()) {
    let slot = fnv1a(k) % slots;
    while (used.has(slot)) slot = (slot + 1) % slots;
    used.add(slot);
    out.set(k, slot);
  }
  return out;
}

/** Networks referenced by the view's ports, each once, ordered by key. */
export function networksOf(view: HostView): LocalNetwork[] {
  const byKey = new Map<number, LocalNetwork>();
  for (const p of view.ports) byKey.set(p.network.key, p.network);
  return [...byKey.values()].sort((a, b) => a.key - b.key);
}

/** The MAC the endpoint formula (02:02 followed by the four address bytes, src/alloc/mac.ts) gives for `ip`. */
export function formulaMac(ip: string): string {
  return ['02', '02', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}

/** Whether `mac` is what the endpoint formula gives for `ip`. */
export function macFollowsFormula(ip: string, mac: string): boolean {
  return mac.toLowerCase() === formulaMac(ip);
}

/** An IPv4 cidr as OpenFlow matches it: network address, dotted mask, prefix length. */
export function cidrMatch(cidr: string): { ip: string; mask: string; len: number } {
  const [ip, lenText] = cidr.split('/');
  const len = Number(lenText);
  const m = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return { ip, len, mask: [m >>> 24, (m >>> 16) & 255, (m >>> 8) & 255, m & 255].join('.') };
}
