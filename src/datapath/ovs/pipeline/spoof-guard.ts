/**
 * SPOOF_GUARD: a port may only send IPv4 from its allocated MAC+IP and ARP that claims
 * its own MAC+IP. Everything else from the port (other sources, IPv6) is dropped by the
 * table miss, which is what keeps tenants with overlapping addresses apart.
 */
import type { FlowMod } from '../openflow/index.js';
import { FEATURE, makeCookie } from './cookie.js';
import type { HostView } from './model.js';
import { TABLE } from './tables.js';

const ETH_TYPE_IPV4 = 0x0800;
const ETH_TYPE_ARP = 0x0806;

/** Per port: IPv4 and ARP allowed from its own addresses only. */
export function spoofGuardFlows(view: HostView, round: number): FlowMod[] {
  const flows: FlowMod[] = [];
  for (const p of view.ports) {
    const cookie = makeCookie(round, FEATURE.SPOOF_GUARD, p.ofport);
    const next = [{ type: 'gotoTable' as const, tableId: TABLE.ARP_RESPONDER }];
    flows.push({
      command: 'add',
      tableId: TABLE.SPOOF_GUARD,
      priority: 100,
      cookie,
      match: { inPort: p.ofport, ethSrc: p.mac, ethType: ETH_TYPE_IPV4, ipv4Src: p.ip },
      // IPv4 meets the port's QoS (meter, DSCP) first; ARP is neither metered nor marked.
      instructions: [{ type: 'gotoTable', tableId: TABLE.QOS_EGRESS }],
    });
    flows.push({
      command: 'add',
      tableId: TABLE.SPOOF_GUARD,
      priority: 100,
      cookie,
      match: { inPort: p.ofport, ethSrc: p.mac, ethType: ETH_TYPE_ARP, arpSpa: p.ip, arpSha: p.mac },
      instructions: next,
    });
  }
  return flows;
}
