/** The `netdcli get multicast` table: one row per group of each network, one `-` row for a network without groups. Pure. */
import type { MulticastNetworkView, MulticastView } from '../master/multicast-views.js';

/** Columns of the table. */
export const MULTICAST_HEADERS = ['TENANT', 'NETWORK', 'MODE', 'GROUP', 'MEMBERS', 'HOSTS'];

/** `snoop` or `flood`, with `+router` when the network also sends multicast to its VLAN trunk. */
function modeText(n: MulticastNetworkView): string {
  return n.multicastRouter ? `${n.mode}+router` : n.mode;
}

/** An endpoint id without the `tenant/network/` its row already shows; other ids as they are. */
function memberText(n: MulticastNetworkView, id: string): string {
  const prefix = `${n.tenant}/${n.network}/`;
  return id.startsWith(prefix) ? id.slice(prefix.length) : id;
}

/** The line under the table: malformed IGMP the agents dropped, per reporting host. */
export function multicastFooter(v: MulticastView): string {
  if (v.hosts.length === 0) return 'malformed IGMP dropped: 0 (no host reported)';
  const total = v.hosts.reduce((sum, h) => sum + h.malformed, 0);
  return `malformed IGMP dropped: ${total} (${v.hosts.map((h) => `${h.host} ${h.malformed}`).join(', ')})`;
}

/** The table rows of `GET /api/v1/multicast`'s answer, in its order. */
export function multicastRows(v: MulticastView): string[][] {
  return v.networks.flatMap((n) =>
    n.groups.length === 0
      ? [[n.tenant, n.network, modeText(n), '-', '-', '-']]
      : n.groups.map((g) => [n.tenant, n.network, modeText(n), g.group, g.members.map((m) => memberText(n, m)).join(',') || '-', g.hosts.join(',') || '-']),
  );
}
