/**
 * `GET /api/v1/multicast`: per desired network, its multicast mode and each group address with
 * the endpoints that are members and the hosts they are on, from the memberships every agent
 * publishes (`KEYS.operMulticast`). Pure: the caller reads the store and passes the time.
 */
import { ipToInt } from '../alloc/ip.js';
import { multicastOf, multicastRouterOf } from '../intent/multicast.js';
import type { MulticastMembers, MulticastMode } from '../intent/multicast-types.js';
import type { NetworkState } from '../intent/types.js';

/** One group address of a network: its member endpoint ids and the hosts that have members, both sorted. */
export interface MulticastGroupView {
  group: string;
  members: string[];
  hosts: string[];
}

/** One network as `netdcli get multicast` shows it; a `flood` network has no groups (nothing is snooped). */
export interface MulticastNetworkView {
  tenant: string;
  network: string;
  mode: MulticastMode;
  multicastRouter: boolean;
  groups: MulticastGroupView[];
}

/** One host that publishes memberships, with the malformed IGMP packets its agent dropped since it started. */
export interface MulticastHostView {
  host: string;
  malformed: number;
}

/** The whole answer of `GET /api/v1/multicast`. */
export interface MulticastView {
  networks: MulticastNetworkView[];
  /** Every host whose agent publishes memberships, sorted by name. */
  hosts: MulticastHostView[];
}

/** A host's published document as read from the store (`malformed`: the agent's count of dropped IGMP, absent when none). */
export type MulticastReport = MulticastMembers & { malformed?: number };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The memberships in one stored value, published under `host`'s key; undefined when it is not
 * a MulticastMembers document. The key names the host: a value naming another is not trusted.
 */
export function readMulticastMembers(host: string, text: string): MulticastReport | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(v) || !isRecord(v.networks)) return undefined;
  const malformed = Number.isSafeInteger(v.malformed) && (v.malformed as number) > 0 ? (v.malformed as number) : undefined;
  return { host, networks: v.networks as MulticastMembers['networks'], ...(malformed !== undefined ? { malformed } : {}) };
}

/** Orders group addresses as numbers (239.1.1.9 before 239.1.1.10); anything not an address after them, as text. */
function byAddress(a: string, b: string): number {
  const x = ipToInt(a);
  const y = ipToInt(b);
  if (x !== undefined && y !== undefined) return x - y;
  if (x !== undefined) return -1;
  if (y !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Joins the desired networks with every host's memberships: only memberships that expire after
 * `now` (epoch ms) count, and only networks in `snoop` mode have groups. Networks are sorted by
 * tenant then name; memberships of networks that are not desired are left out. Lists the
 * reporting hosts with their malformed IGMP counts.
 */
export function multicastView(networks: readonly NetworkState[], reports: readonly MulticastReport[], now: number): MulticastView {
  // network id -> group -> its live members and the hosts reporting them
  const live = new Map<string, Map<string, { members: Set<string>; hosts: Set<string> }>>();
  for (const r of reports) {
    for (const [netId, groups] of Object.entries(r.networks ?? {})) {
      if (!isRecord(groups)) continue;
      for (const [group, members] of Object.entries(groups)) {
        if (!isRecord(members)) continue;
        for (const [endpoint, expires] of Object.entries(members)) {
          if (typeof expires !== 'number' || !(expires > now)) continue;
          const byGroup = live.get(netId) ?? live.set(netId, new Map()).get(netId)!;
          const g = byGroup.get(group) ?? byGroup.set(group, { members: new Set(), hosts: new Set() }).get(group)!;
          g.members.add(endpoint);
          g.hosts.add(r.host);
        }
      }
    }
  }
  const sorted = [...networks].sort((a, b) => byText(a.tenant, b.tenant) || byText(a.name, b.name));
  return {
    networks: sorted.map((n) => {
      const mode = multicastOf(n);
      const byGroup = mode === 'snoop' ? live.get(n.id) : undefined;
      const groups = [...(byGroup?.keys() ?? [])].sort(byAddress).map((group) => {
        const g = byGroup!.get(group)!;
        return { group, members: [...g.members].sort(byText), hosts: [...g.hosts].sort(byText) };
      });
      return { tenant: n.tenant, network: n.name, mode, multicastRouter: multicastRouterOf(n), groups };
    }),
    hosts: reports.map((r) => ({ host: r.host, malformed: r.malformed ?? 0 })).sort((a, b) => byText(a.host, b.host)),
  };
}
