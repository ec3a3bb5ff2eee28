/**
 * ARP_RESPONDER: requests for an address the pipeline knows (a local endpoint or the
 * network's gateway) are answered in the switch by rewriting the request into a reply
 * and sending it back out of the ingress port, so they are never flooded.
 */
import type { Action, FlowMod } from '../openflow/index.js';
import { OFPP_IN_PORT } from '../openflow/index.js';
import { FEATURE, makeCookie } from './cookie.js';
import { networksOf, objectIdOf, type HostView } from './model.js';
import { reachableRemotes } from './remote.js';
import { TABLE } from './tables.js';
import { NO_MEMO, type FlowCache } from './memo.js';

const ETH_TYPE_ARP = 0x0806;
const ARP_OP_REQUEST = 1;
const ARP_OP_REPLY = 2;

/** Actions that turn an ARP request for `ip` into the reply `ip is-at mac`, sent back out of the ingress port. */
export function arpReply(mac: string, ip: string): Action[] {
  return [
    { type: 'move', src: 'ethSrc', dst: 'ethDst' },
    { type: 'setField', field: 'ethSrc', value: mac },
    { type: 'setField', field: 'arpOp', value: ARP_OP_REPLY },
    { type: 'move', src: 'arpSha', dst: 'arpTha' },
    { type: 'move', src: 'arpSpa', dst: 'arpTpa' },
    { type: 'setField', field: 'arpSha', value: mac },
    { type: 'setField', field: 'arpSpa', value: ip },
    { type: 'output', port: OFPP_IN_PORT },
  ];
}

function responder(round: number, objectId: number, key: number, mac: string, ip: string, feature = FEATURE.ARP_RESPONDER): FlowMod {
  return {
    command: 'add',
    tableId: TABLE.ARP_RESPONDER,
    priority: 100,
    cookie: makeCookie(round, feature, objectId),
    match: { metadata: BigInt(key), metadataMask: 0xffffffffn, ethType: ETH_TYPE_ARP, arpOp: ARP_OP_REQUEST, arpTpa: ip },
    instructions: [{ type: 'applyActions', actions: arpReply(mac, ip) }],
  };
}

/** Per port, per reachable remote endpoint and per network gateway: answer ARP requests for it. */
export function arpResponderFlows(view: HostView, round: number, memo: FlowCache = NO_MEMO, remotes = reachableRemotes(view)): FlowMod[] {
  const flows = view.ports.map((p) => responder(round, p.ofport, p.network.key, p.mac, p.ip));
  const scope = `arp|${round}`;
  // Remote endpoints of transit networks (routed into, no local ports) are never ARPed for here.
  const local = new Set(view.ports.map((p) => p.network.key));
  for (const r of remotes) if (local.has(r.network.key)) flows.push(memo.get(scope, r.id, [r.network.key, r.mac, r.ip], () => responder(round, objectIdOf(r.id), r.network.key, r.mac, r.ip)));
  // Gateway object ids live above the 16-bit ofport space so the two never collide.
  // A physical router owns the gateway of an `external` network: its own ARP replies answer.
  for (const n of networksOf(view)) if (n.l3?.gateway !== 'external') flows.push(responder(round, 0x100000000 + n.key, n.key, n.gatewayMac, n.gateway));
  return flows;
}
