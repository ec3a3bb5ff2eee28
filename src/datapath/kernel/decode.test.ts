import { describe, expect, it } from 'vitest';
import { netlinkAddon } from './native.js';
import { replyFixtures } from '../../../test/fixtures/netlink/load.js';

const replies = replyFixtures();
const addon = netlinkAddon();

function decodeAll(name: string) {
  return replies[name].messages.flatMap((hex) => addon.decodeMessages(Buffer.from(hex, 'hex')));
}

describe('decoders agree with ip -j on captured dump replies', () => {
  it('RTM_NEWLINK dump', () => {
    const links = decodeAll('link-dump').filter((m) => m.kind === 'link').map((m) => m.value!);
    const json = replies['link-dump'].json;
    expect(links.length).toBe(json.length);
    const byName = new Map(json.map((j) => [j.ifname as string, j]));
    for (const l of links) {
      const j = byName.get(l.name as string)!;
      expect(j, `ip shows ${l.name}`).toBeDefined();
      expect(l.index).toBe(j.ifindex);
      expect(l.mtu).toBe(j.mtu);
      expect(l.mac).toBe(j.address);
      expect(l.up).toBe((j.flags as string[]).includes('UP'));
      expect(l.operUp).toBe(j.operstate === 'UP');
      expect(l.kind).toBe((j.linkinfo as { info_kind?: string } | undefined)?.info_kind);
      // ip names a same-namespace peer, or gives link_index for one in another namespace.
      const peer = j.link !== undefined ? byName.get(j.link as string)?.ifindex : j.link_index;
      expect(l.peerIndex).toBe(peer);
    }
  });

  it('RTM_NEWADDR dump', () => {
    const addrs = decodeAll('addr-dump').filter((m) => m.kind === 'addr').map((m) => m.value!);
    const want = replies['addr-dump'].json.flatMap((l) =>
      (l.addr_info as Array<{ family: string; local: string; prefixlen: number }>).map((a) => ({
        index: l.ifindex,
        cidr: `${a.local}/${a.prefixlen}`,
        family: a.family === 'inet6' ? 6 : 4,
      })),
    );
    const got = addrs.map((a) => ({ index: a.index, cidr: a.cidr, family: a.family }));
    expect(got).toEqual(expect.arrayContaining(want));
    expect(got.length).toBe(want.length);
    // IPv4 addresses carry their label; IPv6 ones do not (the policy layer names them).
    for (const a of addrs) if (a.family === 4) expect(a.name).not.toBe('');
  });

  it.each(['route-dump', 'route-dump-v6'])('RTM_NEWROUTE %s', (name) => {
    const names = new Map(replies['link-dump'].json.map((j) => [j.ifindex as number, j.ifname as string]));
    const routes = decodeAll(name)
      .filter((m) => m.kind === 'route' && m.value!.table === 254 && m.value!.type === 1)
      .map((m) => m.value!);
    const want = replies[name].json.map((r) => ({ dst: r.dst, gateway: r.gateway, dev: r.dev }));
    const got = routes.map((r) => ({ dst: r.dst, gateway: r.gateway, dev: names.get(r.oif as number) }));
    expect(got).toEqual(want);
  });
});
