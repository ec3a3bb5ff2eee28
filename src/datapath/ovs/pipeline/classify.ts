/** CLASSIFY: an endpoint's port puts its packets into its network (metadata). */
import type { FlowMod } from '../openflow/index.js';
import { FEATURE, makeCookie } from './cookie.js';
import { CLASSIFY_MASK, type HostView } from './model.js';
import { TABLE } from './tables.js';

/** Per port: in_port → metadata = network key, then spoof guard. */
export function classifyFlows(view: HostView, round: number): FlowMod[] {
  return view.ports.map((p) => ({
    command: 'add',
    tableId: TABLE.CLASSIFY,
    priority: 100,
    cookie: makeCookie(round, FEATURE.CLASSIFY, p.ofport),
    match: { inPort: p.ofport },
    instructions: [
      { type: 'writeMetadata', metadata: BigInt(p.network.key), mask: CLASSIFY_MASK },
      { type: 'gotoTable', tableId: TABLE.SPOOF_GUARD },
    ],
  }));
}
