import { describe, expect, it } from 'vitest';
import type { PacketIn } from '../datapath/ovs/openflow/index.js';
import { FEATURE, makeCookie, objectIdOf } from '../datapath/ovs/pipeline/index.js';
import { DeniedLog, deniedConnectionOf } from './policy-log.js';
import { rulesByObject } from './policy-counters.js';

/** An Ethernet + IPv4 + TCP/UDP header frame (what the bridge sends, cut to 128 bytes). */
function frame(proto: number, src: string, dst: string, sport: number, dport: number, vlan?: number): Buffer {
  const eth = Buffer.from('0202000000030202000000020800', 'hex');
  const tagged = vlan === undefined ? eth : Buffer.concat([eth.subarray(0, 12), Buffer.from([0x81, 0x00, vlan >> 8, vlan & 0xff]), eth.subarray(12)]);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip[9] = proto;
  src.split('.').forEach((o, i) => (ip[12 + i] = Number(o)));
  dst.split('.').forEach((o, i) => (ip[16 + i] = Number(o)));
  const l4 = Buffer.alloc(8);
  l4.writeUInt16BE(sport, 0);
  l4.writeUInt16BE(dport, 2);
  return Buffer.concat([tagged, ip, l4]);
}
const packetIn = (rule: string, data: Buffer): PacketIn => ({ bufferId: 0xffffffff, totalLen: data.length, reason: 1, tableId: 26, cookie: makeCookie(3, FEATURE.POLICY_RULE, objectIdOf(rule)), match: {}, data });

describe('deniedConnectionOf', () => {
  const rules = rulesByObject(['t1/db-in/2', 't1/other/0']);

  it('names the rule from the cookie and reads addresses, protocol and ports from the frame', () => {
    expect(deniedConnectionOf(packetIn('t1/db-in/2', frame(6, '10.1.0.2', '10.1.0.3', 40000, 5432)), rules)).toEqual({ rule: 't1/db-in/2', src: '10.1.0.2', dst: '10.1.0.3', protocol: 'tcp', srcPort: 40000, dstPort: 5432 });
    expect(deniedConnectionOf(packetIn('t1/other/0', frame(17, '10.1.0.2', '10.1.0.9', 5353, 53, 100)), rules)).toEqual({ rule: 't1/other/0', src: '10.1.0.2', dst: '10.1.0.9', protocol: 'udp', srcPort: 5353, dstPort: 53 });
    expect(deniedConnectionOf(packetIn('t1/db-in/2', frame(1, '10.1.0.2', '10.1.0.3', 0x0800, 0)), rules)).toEqual({ rule: 't1/db-in/2', src: '10.1.0.2', dst: '10.1.0.3', protocol: 'icmp' });
  });

  it('ignores packet-ins of rules it does not know and frames that are not IPv4', () => {
    expect(deniedConnectionOf(packetIn('t9/x/0', frame(6, '10.1.0.2', '10.1.0.3', 1, 2)), rules)).toBeUndefined();
    expect(deniedConnectionOf(packetIn('t1/db-in/2', Buffer.from('ffffffffffff02020000000208060001', 'hex')), rules)).toBeUndefined();
  });
});

describe('DeniedLog', () => {
  const d = { rule: 'r', src: '10.1.0.2', dst: '10.1.0.3', protocol: 'tcp' as const, srcPort: 40000, dstPort: 5432 };

  it('logs a connection once per window, whatever source port its retries use', () => {
    const log = new DeniedLog(10_000);
    expect(log.first(d, 0)).toBe(true);
    expect(log.first({ ...d, srcPort: 40001 }, 1_000)).toBe(false);
    expect(log.first({ ...d, dstPort: 80 }, 1_000)).toBe(true);
    expect(log.first(d, 10_000)).toBe(true);
  });

  it('stays bounded, forgetting the oldest', () => {
    const log = new DeniedLog(60_000, 2);
    expect(log.first({ ...d, src: 'a' }, 0)).toBe(true);
    expect(log.first({ ...d, src: 'b' }, 1)).toBe(true);
    expect(log.first({ ...d, src: 'c' }, 2)).toBe(true);
    // 'a' was forgotten to make room, 'c' was not.
    expect(log.first({ ...d, src: 'a' }, 3)).toBe(true);
    expect(log.first({ ...d, src: 'c' }, 4)).toBe(false);
  });
});
