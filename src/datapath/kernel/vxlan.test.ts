import { describe, expect, it } from 'vitest';
import { netlinkAddon } from './native.js';
import { firstDiff, replyFixtures, requestFixtures, withoutSeq } from '../../../test/fixtures/netlink/load.js';

// Captured by test/fixtures/netlink/capture-vxlan.mjs from `ip link add ... type vxlan` and `bridge fdb`.
const fixtures = requestFixtures('vxlan-requests.json');
const replies = replyFixtures('vxlan-replies.json');
const addon = netlinkAddon();

// Fixture name, index of the message in what the tool sent, builder spec (ifindex from the fixture).
type Case = [string, number, (f: { ifindex: Record<string, number> }) => Record<string, unknown>];
const cases: Case[] = [
  ['vxlan-create', 1, (f) => ({ op: 'createVxlan', name: 'vx0', vni: 42, local: '198.18.0.1', index: f.ifindex.vv0, dstPort: 4789, learning: false })],
  ['vxlan-create-mtu', 0, () => ({ op: 'createVxlan', name: 'vx1', vni: 43, mtu: 1400, dstPort: 8472, learning: true })],
  ['vxlan-create-v6', 0, () => ({ op: 'createVxlan', name: 'vx2', vni: 44, local: '2001:db8::1', dstPort: 4789 })],
  ['vxlan-create-tos-inherit', 1, (f) => ({ op: 'createVxlan', name: 'vx3', vni: 45, local: '198.18.0.1', index: f.ifindex.vv0, dstPort: 4789, learning: false, tosInherit: true })],
  ['fdb-append-zero', 1, (f) => ({ op: 'fdbAppend', index: f.ifindex.vx0, mac: '00:00:00:00:00:00', dst: '198.18.0.2' })],
  ['fdb-append-mac', 1, (f) => ({ op: 'fdbAppend', index: f.ifindex.vx0, mac: '02:00:00:00:00:09', dst: '198.18.0.3' })],
  ['fdb-append-v6', 1, (f) => ({ op: 'fdbAppend', index: f.ifindex.vx2, mac: '00:00:00:00:00:00', dst: '2001:db8::2' })],
  ['fdb-del-zero', 1, (f) => ({ op: 'fdbDel', index: f.ifindex.vx0, mac: '00:00:00:00:00:00', dst: '198.18.0.2' })],
  ['fdb-dump', 1, (f) => ({ op: 'fdbList', index: f.ifindex.vx0 })],
];

describe('vxlan and fdb request builders match bytes captured from iproute2', () => {
  it.each(cases)('%s message #%i', (name, idx, spec) => {
    const f = fixtures.get(name);
    expect(f, `fixture ${name}`).toBeDefined();
    const want = withoutSeq(Buffer.from(f!.sent[idx], 'hex'));
    const got = withoutSeq(addon.buildRequest(spec(f!)));
    const at = firstDiff(got, want);
    expect(at, `first differing byte at offset ${at}\n got  ${got.toString('hex')}\n want ${want.toString('hex')}`).toBe(-1);
  });

  it('rejects a local address with a prefix length or a bad fdb destination', () => {
    expect(() => addon.buildRequest({ op: 'createVxlan', name: 'v', vni: 1, local: '198.18.0.300' })).toThrow(/bad address/);
    expect(() => addon.buildRequest({ op: 'fdbAppend', index: 1, mac: '00:00:00:00:00:00', dst: 'nope' })).toThrow(/bad address/);
    expect(() => addon.buildRequest({ op: 'fdbAppend', index: 1, mac: '00:00', dst: '198.18.0.2' })).toThrow(/bad MAC/);
  });
});

describe('vxlan and fdb decoders agree with iproute2 on captured replies', () => {
  function decodeAll(name: string) {
    return replies[name].messages.flatMap((hex) => addon.decodeMessages(Buffer.from(hex, 'hex')));
  }

  it('AF_BRIDGE RTM_NEWNEIGH dump (bridge -j fdb show dev vx0)', () => {
    const vx0 = fixtures.get('fdb-dump')!.ifindex.vx0;
    const got = decodeAll('fdb-dump').filter((m) => m.kind === 'fdb').map((m) => m.value!);
    const want = replies['fdb-dump'].json.map((j) => ({ mac: j.mac, dst: j.dst, permanent: j.state === 'permanent', index: vx0 }));
    expect(want.length).toBeGreaterThan(0);
    expect(got).toEqual(want);
  });

  it('IFLA_INFO_DATA of vxlan links (ip -j -d link show)', () => {
    const links = decodeAll('vxlan-link-dump').filter((m) => m.kind === 'link').map((m) => m.value!);
    const json = replies['vxlan-link-dump'].json;
    const vxlans = json.filter((j) => (j.linkinfo as { info_kind?: string } | undefined)?.info_kind === 'vxlan');
    expect(vxlans.length).toBe(4);
    // Positive control: one device inherits its TOS (ip -j prints the raw value 1 as "0x1"), the others do not.
    expect(vxlans.filter((j) => (j.linkinfo as { info_data: { tos?: string } }).info_data.tos === '0x1').length).toBe(1);
    for (const j of vxlans) {
      const d = (j.linkinfo as { info_data: { id: number; local?: string; local6?: string; port: number; learning: boolean; tos?: string } }).info_data;
      const l = links.find((x) => x.index === j.ifindex);
      expect(l, `decoded ${j.ifname}`).toBeDefined();
      expect(l!.kind).toBe('vxlan');
      expect(l!.vxlan).toEqual({ vni: d.id, dstPort: d.port, learning: d.learning, tosInherit: d.tos === '0x1', ...(d.local ?? d.local6 ? { local: d.local ?? d.local6 } : {}) });
    }
    // Links of other kinds carry no vxlan block.
    for (const l of links) if (l.kind !== 'vxlan') expect(l.vxlan).toBeUndefined();
  });
});
