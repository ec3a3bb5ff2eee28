/** Deterministic names for what the agent creates, so a restarted agent finds them again. */
import { createHash } from 'node:crypto';
import { ipToInt } from '../alloc/ip.js';
import { macFromIp } from '../alloc/mac.js';

/** Host-side veth name of an endpoint on a bridge: `np` + 11 hex chars (15 max in Linux). */
export function hostVethName(bridge: string, endpointId: string): string {
  return 'np' + createHash('sha256').update(`${bridge}\0${endpointId}`).digest('hex').slice(0, 11);
}

/** The first `ethN` not in `taken`. */
export function freeEthName(taken: Iterable<string>): string {
  const names = new Set(taken);
  for (let i = 0; ; i++) if (!names.has(`eth${i}`)) return `eth${i}`;
}

/** Gateway MAC of a network: the endpoint MAC formula (alloc/mac.ts) applied to the gateway address. */
export function gatewayMac(gateway: string): string {
  const ip = ipToInt(gateway);
  if (ip === undefined) throw new Error(`gateway ${JSON.stringify(gateway)} is not an IPv4 address`);
  return macFromIp(ip);
}

/** OVSDB external_ids keys the agent writes on its ports. */
export const EXT = {
  endpoint: 'netplugin-endpoint',
  container: 'netplugin-container',
  sandbox: 'netplugin-sandbox',
  ifname: 'netplugin-ifname',
  mac: 'attached-mac',
  ip: 'netplugin-ip',
  source: 'netplugin-source',
  /** `<type>/<mtu>` of the network when plumbed: a change means the veth must be redone. */
  link: 'netplugin-link',
} as const;

/** What is baked into an endpoint's veth when it is made: network type, MTU and offloads set. */
export function linkSignature(n: { pktTagType: string; mtu: number }, offloads?: Record<string, boolean>): string {
  const feats = offloads ? Object.keys(offloads).sort().map((k) => `${k}=${offloads[k] ? 'on' : 'off'}`).join(',') : 'default';
  return `${n.pktTagType}/${n.mtu}/${feats}`;
}
