/**
 * Offload choice per datapath and port type (docs/platform.md): on the userspace datapath a veth
 * with tx checksum offload on makes TCP hang unless vswitchd runs with userspace TSO,
 * in which case offloads should stay on (8-10x faster). The kernel datapath needs nothing.
 */

/** What the agent knows about the switch it programs. */
export interface DatapathFacts {
  datapathType: 'netdev' | 'system';
  /** `other_config:userspace-tso-enable` was true when vswitchd read it. */
  userspaceTso: boolean;
}

/**
 * Features to set on the container side of an endpoint's veth, or undefined for none.
 * Native userspace VXLAN drops TSO packets ("Tunneling packets with HW offload flags is
 * not supported"), so VXLAN networks on the userspace datapath need tx off even with TSO.
 */
export function containerVethOffloads(dp: DatapathFacts, network: 'vlan' | 'vxlan' = 'vlan'): Record<string, boolean> | undefined {
  if (dp.datapathType !== 'netdev') return undefined;
  if (!dp.userspaceTso || network === 'vxlan') return { tx: false };
  return undefined;
}
