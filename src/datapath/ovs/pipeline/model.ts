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
}

/** An endpoint's port on the bridge. */
export interface LocalPort {
  ofport: number;
  mac: string;
  ip: string;
  network: LocalNetwork;
}

/** Everything the pipeline needs to know about this host. */
export interface HostView {
  ports: LocalPort[];
}

/** Flows and groups one feature wants on the bridge. */
export interface FeatureOutput {
  flows: FlowMod[];
  groups: GroupMod[];
}

/** The pipeline key of a network: VLAN id, or 2^24 + VNI. */
export function networkKey(pktTagType: 'vlan' | 'vxlan', pktTag: number): number {
  return pktTagType === 'vxlan' ? 0x1000000 + pktTag : pktTag;
}

/** Networks referenced by the view's ports, each once, ordered by key. */
export function networksOf(view: HostView): LocalNetwork[] {
  const byKey = new Map<number, LocalNetwork>();
  for (const p of view.ports) byKey.set(p.network.key, p.network);
  return [...byKey.values()].sort((a, b) => a.key - b.key);
}
