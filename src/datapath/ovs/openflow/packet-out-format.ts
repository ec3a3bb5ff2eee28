/** A packet-out as text, exactly as `ovs-ofctl -O OpenFlow13 ofp-print` prints its first line after the header. */
import { OFP_NO_BUFFER, OFPP_CONTROLLER } from './constants.js';
import { actionsToString, portString } from './format.js';
import type { PacketOut } from './types.js';

/** `in_port=CONTROLLER actions=output:1 data_len=50` (and ` buffer=0x...` when the packet-out names a switch buffer). */
export function packetOutToString(p: PacketOut): string {
  const buffer = p.bufferId !== undefined && p.bufferId !== OFP_NO_BUFFER ? ` buffer=0x${p.bufferId.toString(16).padStart(8, '0')}` : '';
  return `in_port=${portString(p.inPort ?? OFPP_CONTROLLER)} actions=${actionsToString(p.actions)} data_len=${p.data.length}${buffer}`;
}
