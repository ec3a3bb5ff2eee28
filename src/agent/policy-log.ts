/**
 * The denied-connection log: packets of deny rules with `Log: true` reach the agent as packet-ins
 * (through the bridge's packet-in meter, so a flood is cut at the switch), and the agent logs the
 * first one of each connection: rule, addresses, protocol and ports. Retransmissions of a denied
 * connection within the window are not logged again.
 */
import type { PacketIn } from '../datapath/ovs/openflow/index.js';
import { parseCookie } from '../datapath/ovs/pipeline/index.js';

/** One denied connection, from the first packet the agent saw of it. */
export interface DeniedConnection {
  /** Rule id (`tenant/policy/index`). */
  rule: string;
  src: string;
  dst: string;
  protocol: 'tcp' | 'udp' | 'icmp' | number;
  srcPort?: number;
  dstPort?: number;
}

const ETH_TYPE_IPV4 = 0x0800;
const ETH_TYPE_VLAN = 0x8100;
const PROTOCOLS: Record<number, 'tcp' | 'udp' | 'icmp'> = { 1: 'icmp', 6: 'tcp', 17: 'udp' };

const ipAt = (b: Buffer, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

/** The denied connection a packet-in carries, or undefined when its rule is not in `rules` (by cookie object, rulesByObject) or it is not IPv4. */
export function deniedConnectionOf(p: PacketIn, rules: ReadonlyMap<bigint, string>): DeniedConnection | undefined {
  const rule = rules.get(parseCookie(p.cookie).objectId);
  if (!rule) return undefined;
  const f = p.data;
  if (f.length < 14) return undefined;
  let off = 12;
  let type = f.readUInt16BE(off);
  if (type === ETH_TYPE_VLAN && f.length >= 18) {
    off += 4;
    type = f.readUInt16BE(off);
  }
  const ip = off + 2;
  if (type !== ETH_TYPE_IPV4 || f.length < ip + 20) return undefined;
  const ihl = (f[ip] & 0x0f) * 4;
  const proto = f[ip + 9];
  const out: DeniedConnection = { rule, src: ipAt(f, ip + 12), dst: ipAt(f, ip + 16), protocol: PROTOCOLS[proto] ?? proto };
  if ((proto === 6 || proto === 17) && f.length >= ip + ihl + 4) {
    out.srcPort = f.readUInt16BE(ip + ihl);
    out.dstPort = f.readUInt16BE(ip + ihl + 2);
  }
  return out;
}

/** Remembers recently logged connections, so each is logged once per window; bounded in size. */
export class DeniedLog {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs = 10_000,
    private readonly max = 10_000,
  ) {}

  /** Whether `d` should be logged now (first time in the window), and notes it. */
  first(d: DeniedConnection, now = Date.now()): boolean {
    // The source port is left out: a client's retries of a denied connection may each use a new one.
    const key = `${d.rule}|${d.src}|${d.dst}|${d.protocol}|${d.dstPort ?? ''}`;
    const at = this.seen.get(key);
    if (at !== undefined && now - at < this.windowMs) return false;
    this.seen.delete(key);
    if (this.seen.size >= this.max) {
      // Oldest first (insertion order): drop the oldest entry to stay bounded.
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.set(key, now);
    return true;
  }
}
