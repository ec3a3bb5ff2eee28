import { describe, expect, it } from 'vitest';
import { netlinkAddon } from './native.js';
import { RTM_DELROUTE, RTM_NEWROUTE } from './constants.js';
import { firstDiff, replyFixtures, requestFixtures, withoutSeq } from '../../../test/fixtures/netlink/load.js';

// Captured by test/fixtures/netlink/capture-routes.mjs from `ip route replace|del ... proto N` and `ip route show`.
const fixtures = requestFixtures('route-requests.json');
const replies = replyFixtures('route-replies.json');
const addon = netlinkAddon();

// Fixture name, index of the message in what ip sent (#0 is ip's RTM_GETLINK of the dev), builder spec.
type Case = [string, number, (f: { ifindex: Record<string, number> }) => Record<string, unknown>];
const cases: Case[] = [
  ['route-replace-proto', 1, (f) => ({ op: 'routeReplace', dst: '10.1.0.0/24', gateway: '169.254.64.2', index: f.ifindex.gw0, protocol: 158 })],
  ['route-replace-proto-2', 1, (f) => ({ op: 'routeReplace', dst: '10.2.0.0/16', gateway: '169.254.64.2', index: f.ifindex.gw0, protocol: 158 })],
  ['route-replace-static', 1, (f) => ({ op: 'routeReplace', dst: '10.3.0.0/24', gateway: '169.254.64.3', index: f.ifindex.gw0, protocol: 4 })],
  ['route-replace-v6-proto', 1, (f) => ({ op: 'routeReplace', dst: '2001:db8:1::/64', index: f.ifindex.gw0, protocol: 158 })],
  ['route-del-proto', 1, (f) => ({ op: 'routeDel', dst: '10.1.0.0/24', gateway: '169.254.64.2', index: f.ifindex.gw0, protocol: 158 })],
  ['route-del-dst', 0, () => ({ op: 'routeDel', dst: '10.2.0.0/16' })],
  ['route-del-v6-proto', 1, (f) => ({ op: 'routeDel', dst: '2001:db8:1::/64', index: f.ifindex.gw0, protocol: 158 })],
];

describe('route requests with a protocol match bytes captured from iproute2', () => {
  it.each(cases)('%s message #%i', (name, idx, spec) => {
    const f = fixtures.get(name);
    expect(f, `fixture ${name}`).toBeDefined();
    const want = withoutSeq(Buffer.from(f!.sent[idx], 'hex'));
    const got = withoutSeq(addon.buildRequest(spec(f!)));
    const at = firstDiff(got, want);
    expect(at, `first differing byte at offset ${at}\n got  ${got.toString('hex')}\n want ${want.toString('hex')}`).toBe(-1);
  });

  it('sends RTM_DELROUTE for a delete and RTM_NEWROUTE for a replace', () => {
    expect(addon.buildRequest({ op: 'routeDel', dst: '10.2.0.0/16' }).readUInt16LE(4)).toBe(RTM_DELROUTE);
    expect(addon.buildRequest({ op: 'routeReplace', dst: '10.2.0.0/16' }).readUInt16LE(4)).toBe(RTM_NEWROUTE);
  });

  it('rejects a protocol that does not fit rtm_protocol', () => {
    expect(() => addon.buildRequest({ op: 'routeReplace', dst: '10.2.0.0/16', protocol: 256 })).toThrow(/bad route protocol 256/);
    expect(() => addon.buildRequest({ op: 'routeDel', dst: '10.2.0.0/16', protocol: -2 })).toThrow(/bad route protocol -2/);
  });
});

describe('the route decoder reads rtm_protocol as ip -j shows it', () => {
  // ip prints a protocol by its rt_protos name when it has one, else as a number.
  const PROTO_NAMES: Record<string, number> = { kernel: 2, boot: 3, static: 4 };
  const protoOf = (p: unknown) => PROTO_NAMES[p as string] ?? Number(p);

  it.each(['route-dump-proto', 'route-dump-proto-v6'])('%s', (name) => {
    const names = new Map(Object.entries(fixtures.get(name)!.ifindex).map(([n, i]) => [i, n]));
    const routes = replies[name].messages
      .flatMap((hex) => addon.decodeMessages(Buffer.from(hex, 'hex')))
      .filter((m) => m.kind === 'route' && m.value!.table === 254 && m.value!.type === 1)
      .map((m) => m.value!);
    const want = replies[name].json.map((r) => ({ dst: r.dst, gateway: r.gateway, dev: r.dev, protocol: protoOf(r.protocol) }));
    const got = routes.map((r) => ({ dst: r.dst, gateway: r.gateway, dev: names.get(r.oif as number), protocol: r.protocol }));
    expect(want.some((r) => r.protocol === 158)).toBe(true);
    expect(got).toEqual(want);
  });

  it('decodes an RTM_DELROUTE message as a route (its type tells it apart)', () => {
    const [m] = addon.decodeMessages(addon.buildRequest({ op: 'routeDel', dst: '10.1.0.0/24', gateway: '169.254.64.2', index: 3, protocol: 158 }));
    expect(m).toMatchObject({ type: RTM_DELROUTE, kind: 'route', value: { dst: '10.1.0.0/24', gateway: '169.254.64.2', oif: 3, protocol: 158, table: 254 } });
  });
});
