/**
 * ARP_RESPONDER: requests for an address the pipeline knows (a local endpoint or the
 * network's gateway) are answered in the switch by rewriting the request into a reply
 * and sending it back out of the ingress port, so they are never flooded.
 */
import type { Action, FlowMod } from '../openflow/index.js';
import { OFPP_IN_PORT } from '../openflow/index.js';
import { FEATURE, makeCookie } from './cookie.js';
import { cidrMatch, macFollowsFormula, networksOf, objectIdOf, type HostView, type LocalNetwork } from './model.js';
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
  // A VLAN endpoint's gratuitous ARP (sender = target = its own address) is not answered but
  // flooded, trunk included: it teaches the physical network where the endpoint's MAC now is,
  // which routed traffic alone never would (it reaches the wire from the gateway's MAC).
  for (const p of view.ports) {
    if (p.network.pktTagType !== 'vlan') continue;
    flows.push({
      command: 'add',
      tableId: TABLE.ARP_RESPONDER,
      priority: 110,
      cookie: makeCookie(round, FEATURE.ARP_RESPONDER, p.ofport),
      match: { metadata: BigInt(p.network.key), metadataMask: 0xffffffffn, ethType: ETH_TYPE_ARP, arpOp: ARP_OP_REQUEST, arpSpa: p.ip, arpTpa: p.ip },
      instructions: [{ type: 'gotoTable', tableId: TABLE.L2_FORWARD }],
    });
  }
  const scope = `arp|${round}`;
  // Remote endpoints of transit networks (routed into, no local ports) are never ARPed for here,
  // nor those a network's formula responder answers.
  const local = new Set(view.ports.map((p) => p.network.key));
  const formula = new Set(networksOf(view).filter(answersByFormula).map((n) => n.key));
  for (const r of remotes) if (local.has(r.network.key) && !(formula.has(r.network.key) && macFollowsFormula(r.ip, r.mac))) flows.push(memo.get(scope, r.id, [r.network.key, r.mac, r.ip], () => responder(round, objectIdOf(r.id), r.network.key, r.mac, r.ip)));
  // Gateway object ids live above the 16-bit ofport space so the two never collide.
  // A physical router owns the gateway of an `external` network: its own ARP replies answer.
  for (const n of networksOf(view)) if (n.l3?.gateway !== 'external') flows.push(responder(round, 0x100000000 + n.key, n.key, n.gatewayMac, n.gateway));
  for (const n of networksOf(view)) if (answersByFormula(n)) flows.push(formulaResponder(round, n));
  return flows;
}

/**
 * VXLAN networks whose subnet is known answer ARP for every address of the subnet with one
 * flow: endpoint MACs are 02:02 + the address, and no machine outside the plugin can sit on a
 * VXLAN network. (A VLAN network may hold physical machines, so it keeps one flow per endpoint.)
 */
function answersByFormula(n: LocalNetwork): boolean {
  return n.pktTagType === 'vxlan' && n.l3 !== undefined;
}


/** Register used to swap the ARP addresses (nothing else uses it within the ARP table). */
const SWAP_REG = 'reg7' as const;

/** One flow answering ARP for any address of `n`'s subnet with the formula MAC (below the exact answers). */
function formulaResponder(round: number, n: LocalNetwork): FlowMod {
  const { ip, mask } = cidrMatch(n.l3!.subnet);
  return {
    command: 'add',
    tableId: TABLE.ARP_RESPONDER,
    priority: 90,
    cookie: makeCookie(round, FEATURE.ARP_RESPONDER, 0x200000000 + n.key),
    match: { metadata: BigInt(n.key), metadataMask: 0xffffffffn, ethType: ETH_TYPE_ARP, arpOp: ARP_OP_REQUEST, arpTpa: ip, arpTpaMask: mask },
    instructions: [
      {
        type: 'applyActions',
        actions: [
          { type: 'move', src: 'ethSrc', dst: 'ethDst' },
          { type: 'move', src: 'arpSha', dst: 'arpTha' },
          { type: 'setField', field: 'ethSrc', value: '02:02:00:00:00:00' },
          { type: 'move', src: 'arpTpa', dst: 'ethSrc', nBits: 32, srcOfs: 0, dstOfs: 0 },
          { type: 'move', src: 'ethSrc', dst: 'arpSha' },
          { type: 'move', src: 'arpSpa', dst: SWAP_REG },
          { type: 'move', src: 'arpTpa', dst: 'arpSpa' },
          { type: 'move', src: SWAP_REG, dst: 'arpTpa' },
          { type: 'setField', field: 'arpOp', value: ARP_OP_REPLY },
          { type: 'output', port: OFPP_IN_PORT },
        ],
      },
    ],
  };
}
