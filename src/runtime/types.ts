/**
 * The contract between container runtimes (the CNI shim, the Docker remote driver) and
 * the agent: one attach call, one detach call, and a view of what is attached. A runtime
 * attachment is persisted in the store before anything is plumbed, so an agent killed at
 * any moment finds it again, and other hosts see it (VXLAN/VLAN forwarding to it).
 */

import type { QosSettings } from '../intent/qos-types.js';
import type { ExternalMode, GatewayMode } from '../intent/types.js';

/** Which runtime made an attachment. */
export type RuntimeSource = 'cni' | 'docker';

/** What a runtime asks for. Every field is validated; a bad one fails with the field's name. */
export interface AttachRequest {
  source: RuntimeSource;
  /**
   * Unique, stable key of the attachment within its source: CNI `<containerId>/<ifName>`,
   * Docker the endpoint id. Attach is idempotent on it: the same key again returns (and, when
   * `netns` is newly given, plumbs) the existing attachment.
   */
  key: string;
  /** The runtime's container id (CNI_CONTAINERID, Docker sandbox/container id). */
  containerId: string;
  /**
   * Names to look up an intent endpoint by (its `Container` field), first match wins —
   * e.g. the Kubernetes pod name. A match gives the intent's network, IP and MAC.
   */
  intentNames?: string[];
  /**
   * Network when no intent endpoint matches (both required then). A matching intent endpoint
   * wins even in another network; these only choose among several matches.
   */
  tenant?: string;
  network?: string;
  /** Address wanted (static): honoured, or NP_ADDRESS_IN_USE / NP_ADDRESS_OUT_OF_RANGE. */
  ip?: string;
  /**
   * The address is already claimed in the store by this owner (Docker IPAM RequestAddress):
   * the attachment uses that claim instead of making its own, and does not release it.
   */
  ipClaimedBy?: string;
  /**
   * Address assigned by an outside IPAM (a delegated CNI IPAM plugin): used as is; claimed in
   * the store too when it lies inside the network's subnet (so our allocator skips it).
   */
  externalAddress?: { ip: string; prefixLen: number; gateway?: string };
  /** MAC wanted for the container interface (CNI `mac` capability); derived from the IP otherwise. */
  mac?: string;
  /** Container network namespace path. Without it the attachment is only recorded (Docker CreateEndpoint). */
  netns?: string;
  /** Interface name inside the container (CNI_IFNAME); default: the first free `ethN`. */
  ifName?: string;
  /** Labels kept with the record (pod namespace/name, Docker network id), shown by `list`. */
  labels?: Record<string, string>;
  /**
   * Policy groups of the endpoint's tenant it joins (CNI `args.netplugin.groups` / config
   * `groups`, Docker option `netplugin.groups`); each must be a group of that tenant (docs/policy.md).
   */
  groups?: string[];
  /**
   * The endpoint's own QoS (CNI `bandwidth` capability, Docker `netplugin.egress-rate` etc.):
   * numbers only (bits/s, bits), bursts written out. For an intent endpoint it overrides the
   * intent's own settings part by part (docs/qos.md).
   */
  qos?: QosSettings;
}

/** What only the agent's own front ends decide for an attach; never read from a caller's request. */
export interface AttachInternal {
  /**
   * Docker Join: create the container-side veth in the host namespace under the agent's name
   * for it (`handoffPeerName(key)`, src/runtime/handoff.ts) and leave it there (Docker moves it
   * into the sandbox and sets its address and routes).
   */
  handoff?: boolean;
}

/** An attachment as recorded (store key `KEYS.operAttachment(host, source, key)`). */
export interface Attachment {
  source: RuntimeSource;
  key: string;
  containerId: string;
  host: string;
  /** Endpoint id `tenant/network/name`; the intent endpoint's id when `fromIntent`. */
  endpointId: string;
  /** Endpoint name (the intent `Container`, or `cni-…` / `docker-…` for runtime-only endpoints). */
  name: string;
  fromIntent: boolean;
  tenant: string;
  network: string;
  ip: string;
  prefixLen: number;
  mac: string;
  gateway: string;
  mtu: number;
  /** Owner string of the address claim this attachment holds or uses (undefined: intent address, no claim). */
  claimOwner?: string;
  /** True when this attachment made the claim and releases it on detach. */
  ownsClaim: boolean;
  netns?: string;
  ifName?: string;
  /** The Docker hand-off veth (`handoffPeerName(key)`), while one is being handed over. */
  handoffPeer?: string;
  labels: Record<string, string>;
  /**
   * The request's policy groups, sorted, each once; absent when none. For an intent endpoint
   * (`fromIntent`) these add to its intent `Groups`, which stay in the desired EndpointState.
   */
  groups?: string[];
  /**
   * The request's QoS as asked, absent when none. For an intent endpoint (`fromIntent`) it is
   * laid part by part over the intent endpoint's own `qos` when the round reads it
   * (`RuntimeService.intentEndpointQos`), so a later intent change still shows through.
   */
  qos?: QosSettings;
  createdAt: string;
}

/** An attachment plus what the agent last saw of it on this host. */
export interface AttachmentStatus extends Attachment {
  /** 'attached': port up with flows; 'recorded': no netns yet; 'pending': waiting for a round; 'error'. */
  state: 'attached' | 'recorded' | 'pending' | 'error';
  /** Host-side port (veth) name on the bridge, when plumbed. */
  hostPort?: string;
  ofport?: number;
  error?: string;
}

/** Result of a check (CNI CHECK): empty `problems` means all is as recorded. */
export interface CheckResult {
  problems: string[];
}

/** What the agent offers runtimes. Implemented by `RuntimeService` (src/runtime/service.ts); front ends see only this. */
export interface RuntimeApi {
  /** Whether containers can be attached now, and why not. */
  status(): { ready: boolean; reason?: string };
  /**
   * Records (and claims an address for) an attachment, then, when `netns` is given, plumbs
   * it and resolves once its port and flows are in. A failure leaves nothing behind (an
   * attachment that already existed before the call stays recorded). Errors are
   * NetpluginErrors: NP_AGENT_NOT_READY, NP_NOT_FOUND (tenant/network), NP_ADDRESS_IN_USE,
   * NP_ADDRESS_OUT_OF_RANGE, NP_POOL_EXHAUSTED, NP_INVALID_ARGUMENT (names the field),
   * NP_NETNS_INVALID / NP_NETNS_TIMEOUT (the netns path), NP_ATTACH_FAILED. `internal` is for
   * the agent's own front ends only (the local API never fills it).
   */
  attach(req: AttachRequest, internal?: AttachInternal): Promise<AttachmentStatus>;
  /** Unplumbs but keeps the record and its address (Docker Leave). Idempotent. */
  unplumb(source: RuntimeSource, key: string): Promise<void>;
  /** Unplumbs, deletes the record and releases its claim. Idempotent: false when nothing was there. */
  detach(source: RuntimeSource, key: string): Promise<boolean>;
  /** This host's attachments of `source` (all sources when undefined) with their state. */
  list(source?: RuntimeSource): AttachmentStatus[];
  /** One attachment, or undefined. */
  get(source: RuntimeSource, key: string): AttachmentStatus | undefined;
  /** Compares the attachment with the datapath (port, veth, address inside the netns). */
  check(source: RuntimeSource, key: string): Promise<CheckResult>;
  /**
   * Claims an address in tenant/network for `owner` without an endpoint (Docker IPAM
   * RequestAddress): `ip` if given (or NP_ADDRESS_IN_USE), else the lowest free one.
   * Idempotent for the same owner and ip.
   */
  claimAddress(tenant: string, network: string, owner: string, ip?: string): Promise<{ ip: string; prefixLen: number; gateway: string }>;
  /** Releases a claim made by `owner`. Idempotent. */
  releaseAddress(tenant: string, network: string, owner: string, ip: string): Promise<void>;
  /** Networks of the intent (for pool lookups): id `tenant/name`, subnet, gateway, mtu, tag. */
  networks(): RuntimeNetwork[];
}

/** A network as runtimes see it. */
export interface RuntimeNetwork {
  id: string;
  tenant: string;
  name: string;
  subnet: string;
  gateway: string;
  mtu: number;
  pktTagType: 'vlan' | 'vxlan';
  pktTag: number;
  /** The network's `Gateway`; absent means the default (read it with gatewayModeOf). */
  gatewayMode?: GatewayMode;
  /** The network's `External`; absent means the default (read it with externalOf). */
  external?: ExternalMode;
}
