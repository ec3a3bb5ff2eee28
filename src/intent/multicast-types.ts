/**
 * Multicast (docs/multicast.md): how a network delivers IPv4 multicast, and the memberships
 * each agent learns by IGMP snooping and shares through the store.
 */

/** `Multicast`: `snoop` (default) replicates a group's packets only to its members; `flood` sends all multicast to every port of the network. */
export type MulticastMode = 'snoop' | 'flood';

/**
 * What one agent publishes at `KEYS.operMulticast(host)`: the members it learned on its own
 * ports, by network id (`tenant/network`), then group address, then endpoint id, each with the
 * time its membership expires (epoch ms) unless a report renews it.
 */
export interface MulticastMembers {
  host: string;
  networks: Record<string, Record<string, Record<string, number>>>;
  /** IGMP packets from local ports that were malformed and dropped since the agent started (absent: none). */
  malformed?: number;
}
