/**
 * L2_FORWARD: unicast by destination MAC within the packet's network; broadcast and
 * multicast go to the network's flood group (type ALL, one bucket per local port).
 * OVS never sends a packet back out of its ingress port unless told to (IN_PORT), so
 * the group needs no per-ingress variant.
 */
import type { FlowMod, GroupMod } from '../openflow/index.js';
import { FEATURE, makeCookie } from './cookie.js';
import { networksOf, type FeatureOutput, type HostView } from './model.js';
import { TABLE } from './tables.js';

/** Unicast flows per port, one flood flow and group per network. */
export function l2ForwardFlows(view: HostView, round: number): FeatureOutput {
  const flows: FlowMod[] = view.ports.map((p) => ({
    command: 'add',
    tableId: TABLE.L2_FORWARD,
    priority: 100,
    cookie: makeCookie(round, FEATURE.L2_FORWARD, p.ofport),
    match: { metadata: BigInt(p.network.key), metadataMask: 0xffffffffn, ethDst: p.mac },
    instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: p.ofport }] }],
  }));
  const groups: GroupMod[] = [];
  for (const n of networksOf(view)) {
    const members = view.ports.filter((p) => p.network.key === n.key).sort((a, b) => a.ofport - b.ofport);
    groups.push({
      command: 'add',
      type: 'all',
      groupId: n.key,
      buckets: members.map((p) => ({ actions: [{ type: 'output', port: p.ofport }] })),
    });
    flows.push({
      command: 'add',
      tableId: TABLE.L2_FORWARD,
      priority: 50,
      cookie: makeCookie(round, FEATURE.FLOOD, n.key),
      match: { metadata: BigInt(n.key), metadataMask: 0xffffffffn, ethDst: '01:00:00:00:00:00', ethDstMask: '01:00:00:00:00:00' },
      instructions: [{ type: 'applyActions', actions: [{ type: 'group', groupId: n.key }] }],
    });
  }
  return { flows, groups };
}
