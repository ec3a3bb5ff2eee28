/**
 * Offload choice per datapath and port type (LAB.md): on the userspace datapath a veth
 * with tx checksum offload on makes TCP hang unless vswitchd runs with userspace TSO,
 * in which case offloads should stay on (8-10x faster). The kernel datapath needs nothing.
 */

/** What the agent knows about the switch it programs. */
export interface DatapathFacts {
  datapathType: 'netdev' | 'system';
  /** `other_config:userspace-tso-enable` was true when vswitchd read it. */
  userspaceTso: boolean;
}

/** Features to set on the container side of an endpoint's veth, or undefined for none. */
export function containerVethOffloads(dp: DatapathFacts): Record<string, boolean> | undefined {
  if (dp.datapathType === 'netdev' && !dp.userspaceTso) return { tx: false };
  return undefined;
}
