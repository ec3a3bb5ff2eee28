import { describe, expect, it } from 'vitest';
import { netlinkAddon } from './native.js';
import { firstDiff, requestFixtures, withoutSeq } from '../../../test/fixtures/netlink/load.js';

const fixtures = requestFixtures();
const addon = netlinkAddon();

// Each case: fixture name, index of the message in what `ip` sent, and the builder spec
// (from the fixture's recorded ifindex / namespace fds, so nothing is hard-coded twice).
type Case = [string, number, (f: { ifindex: Record<string, number>; nsFds: number[] }) => Record<string, unknown>];
const cases: Case[] = [
  ['veth-plain', 0, () => ({ op: 'createVeth', name: 'nlA', peerName: 'nlB' })],
  ['veth-peer-netns', 0, (f) => ({ op: 'createVeth', name: 'nlD', mtu: 1400, mac: '02:00:00:00:00:03', peerName: 'eth1', peerMac: '02:00:00:00:00:04', peerNsFd: f.nsFds[0] })],
  ['link-up', 0, () => ({ op: 'linkGet', name: 'nlA' })],
  ['link-up', 1, (f) => ({ op: 'linkSet', index: f.ifindex.nlA, up: true })],
  ['link-down', 1, (f) => ({ op: 'linkSet', index: f.ifindex.nlA, up: false })],
  ['link-mtu-mac', 2, (f) => ({ op: 'linkSet', index: f.ifindex.nlA, mtu: 1400, mac: '02:00:00:00:00:01' })],
  ['link-rename', 1, (f) => ({ op: 'linkSet', index: f.ifindex.nlB, newName: 'nlC' })],
  ['link-netns', 1, (f) => ({ op: 'linkSet', index: f.ifindex.nlC, nsFd: f.nsFds[0] })],
  ['link-del', 1, (f) => ({ op: 'linkDel', index: f.ifindex.nlA })],
  ['link-dump', 0, () => ({ op: 'linkList' })],
  ['addr-replace-v4', 1, (f) => ({ op: 'addrAdd', index: f.ifindex.nlA, cidr: '198.18.0.1/30' })],
  ['addr-replace-v6', 1, (f) => ({ op: 'addrAdd', index: f.ifindex.nlA, cidr: '2001:db8::1/64' })],
  ['addr-del-v4', 1, (f) => ({ op: 'addrDel', index: f.ifindex.nlA, cidr: '198.18.0.1/30' })],
  ['addr-dump', 1, () => ({ op: 'addrList' })],
  ['route-default', 1, (f) => ({ op: 'routeReplace', dst: 'default', gateway: '198.18.0.2', index: f.ifindex.nlA })],
  ['route-cidr-dev', 1, (f) => ({ op: 'routeReplace', dst: '198.18.4.0/24', index: f.ifindex.nlA })],
  ['route-cidr-via', 0, () => ({ op: 'routeReplace', dst: '198.18.8.0/24', gateway: '198.18.0.2' })],
  ['route-dump', 0, () => ({ op: 'routeList', family: 4 })],
  ['route-dump-v6', 0, () => ({ op: 'routeList', family: 6 })],
];

describe('request builders match bytes captured from iproute2', () => {
  it.each(cases)('%s message #%i', (name, idx, spec) => {
    const f = fixtures.get(name);
    expect(f, `fixture ${name}`).toBeDefined();
    const want = withoutSeq(Buffer.from(f!.sent[idx], 'hex'));
    const got = withoutSeq(addon.buildRequest(spec(f!)));
    const at = firstDiff(got, want);
    expect(at, `first differing byte at offset ${at}\n got  ${got.toString('hex')}\n want ${want.toString('hex')}`).toBe(-1);
  });

  it('fills nlmsg_len and nlmsg_seq', () => {
    const b = addon.buildRequest({ op: 'linkGet', name: 'eth0', seq: 0x01020304 });
    expect(b.readUInt32LE(0)).toBe(b.length);
    expect(b.readUInt32LE(8)).toBe(0x01020304);
  });

  it('rejects malformed addresses before building', () => {
    expect(() => addon.buildRequest({ op: 'addrAdd', index: 1, cidr: '198.18.0.300/24' })).toThrow(/bad address/);
    expect(() => addon.buildRequest({ op: 'createVeth', name: 'a', peerName: 'b', mac: '02:00' })).toThrow(/bad MAC/);
  });

  it('builds an ethtool FEATURES_SET whose wanted bitset names each bit (NLA_F_NESTED set)', () => {
    const b = addon.buildRequest({ op: 'featuresSet', genlFamily: 20, name: 'veth0', features: { 'tx-checksum-ip-generic': false, 'rx-gro': true } });
    expect(b.readUInt16LE(4)).toBe(20); // nlmsg_type = family id
    expect(b[16]).toBe(12); // ETHTOOL_MSG_FEATURES_SET (user-to-kernel enum of linux/ethtool_netlink.h)
    const top = addon.attrDecode(b.subarray(20));
    expect(top.ok).toBe(true);
    const NLA_F_NESTED = 0x8000;
    // attrDecode masks flag bits; check the raw type field of the first nest carries NLA_F_NESTED.
    expect(b.readUInt16LE(22) & NLA_F_NESTED).toBe(NLA_F_NESTED);
    const wanted = top.attrs.find((a) => a.type === 3)!; // ETHTOOL_A_FEATURES_WANTED
    const bits = addon.attrDecode(addon.attrDecode(wanted.data).attrs[0].data).attrs;
    const decoded = bits.map((bit) => {
      const fields = addon.attrDecode(bit.data).attrs;
      const name = fields.find((x) => x.type === 2)!.data.toString('utf8').replace(/\0+$/, '');
      return [name, fields.some((x) => x.type === 3)];
    });
    expect(decoded).toEqual([['tx-checksum-ip-generic', false], ['rx-gro', true]]);
  });
});
