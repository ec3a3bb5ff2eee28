import { describe, expect, it } from 'vitest';
import { rng, type Rng } from '../../../test/helpers/rng.js';
import { firstDiff } from '../../../test/fixtures/netlink/load.js';
import { netlinkAddon, type DecodedMessage } from './native.js';
import { RTM_DELROUTE } from './constants.js';

const addon = netlinkAddon();
const SEEDS = 400;

type R = Rng;

const hex = (r: R, n: number) => Array.from({ length: n }, () => r.int(256).toString(16).padStart(2, '0'));
const mac = (r: R) => hex(r, 6).join(':');
const v4 = (r: R) => Array.from({ length: 4 }, () => r.int(256)).join('.');
const v6 = (r: R) => Array.from({ length: 8 }, () => r.int(0x10000).toString(16)).join(':');
const addr = (r: R, family: 4 | 6) => (family === 4 ? v4(r) : v6(r));
const family = (r: R): 4 | 6 => (r.next() < 0.5 ? 4 : 6);
const ifname = (r: R) => {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789-_';
  return Array.from({ length: 1 + r.int(15) }, () => chars[r.int(chars.length)]).join('');
};
const index = (r: R) => 1 + r.int(0x7ffffffe);

/** Drops undefined fields so a spec reads the same whether a field was absent or undefined. */
function clean(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

// Each kind: a random request spec, and the spec that re-encodes what the decoder read back.
type Kind = { name: string; random: (r: R) => Record<string, unknown>; fromDecoded: (m: DecodedMessage) => Record<string, unknown> };
const kinds: Kind[] = [
  {
    name: 'RTM_NEWLINK (link change)',
    random: (r) => clean({ op: 'linkSet', index: index(r), up: r.next() < 0.5, mtu: r.maybe(0.6, () => 68 + r.int(65467)), mac: r.maybe(0.5, () => mac(r)), newName: r.maybe(0.5, () => ifname(r)) }),
    fromDecoded: ({ value: v }) => clean({ op: 'linkSet', index: v!.index, up: v!.up, mtu: v!.mtu || undefined, mac: v!.mac || undefined, newName: v!.name || undefined }),
  },
  {
    name: 'RTM_NEWLINK (vxlan)',
    random: (r) => clean({ op: 'createVxlan', name: ifname(r), vni: r.int(1 << 24), local: r.maybe(0.7, () => addr(r, family(r))), dstPort: r.int(0x10000), learning: r.next() < 0.5, mtu: r.maybe(0.5, () => 68 + r.int(9000)) }),
    fromDecoded: ({ value: v }) => {
      const x = v!.vxlan as { vni: number; local?: string; dstPort: number; learning: boolean };
      return clean({ op: 'createVxlan', name: v!.name, vni: x.vni, local: x.local, dstPort: x.dstPort, learning: x.learning, mtu: v!.mtu || undefined });
    },
  },
  {
    name: 'RTM_NEWADDR',
    random: (r) => {
      const f = family(r);
      return { op: 'addrAdd', index: index(r), cidr: addr(r, f) + (r.next() < 0.8 ? `/${r.int(f === 4 ? 33 : 129)}` : '') };
    },
    fromDecoded: ({ value: v }) => ({ op: 'addrAdd', index: v!.index, cidr: v!.cidr }),
  },
  ...(['routeReplace', 'routeDel'] as const).map(
    (op): Kind => ({
      name: op === 'routeReplace' ? 'RTM_NEWROUTE' : 'RTM_DELROUTE',
      random: (r) => {
        const f = family(r);
        const dst = r.next() < 0.2 ? (f === 4 ? 'default' : '::/0') : `${addr(r, f)}/${r.int(f === 4 ? 33 : 129)}`;
        return clean({ op, dst, gateway: r.maybe(0.6, () => addr(r, f)), index: r.maybe(0.7, () => index(r)), protocol: r.maybe(0.7, () => r.int(256)) });
      },
      // A zero-length destination decodes as 'default'; for IPv6 the builder spells that '::/0'. The
      // message type says which request it was; the protocol always comes back (the default too).
      fromDecoded: ({ type, value: v }) =>
        clean({
          op: type === RTM_DELROUTE ? 'routeDel' : 'routeReplace',
          dst: v!.dst === 'default' && v!.family === 6 ? '::/0' : v!.dst,
          gateway: v!.gateway,
          index: (v!.oif as number) || undefined,
          protocol: v!.protocol,
        }),
    }),
  ),
  {
    name: 'RTM_NEWNEIGH (fdb)',
    random: (r) => ({ op: 'fdbAppend', index: index(r), mac: mac(r), dst: addr(r, family(r)) }),
    fromDecoded: ({ value: v }) => ({ op: 'fdbAppend', index: v!.index, mac: v!.mac, dst: v!.dst }),
  },
];

function decodeOne(buf: Buffer): DecodedMessage {
  const msgs = addon.decodeMessages(buf);
  expect(msgs).toHaveLength(1);
  return msgs[0];
}

describe('netlink codec round trip: random message -> encode -> decode -> encode -> decode', () => {
  it.each(kinds)('$name', (k) => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = rng(seed * 7919 + k.name.length);
      const spec = k.random(r);
      const seq = r.int(0xffffffff);
      const first = addon.buildRequest({ ...spec, seq });
      const d1 = decodeOne(first);
      expect(d1.kind, `seed ${seed}: ${JSON.stringify(spec)} decoded as ${d1.kind}`).not.toBe('other');
      const second = addon.buildRequest({ ...k.fromDecoded(d1), seq });
      const at = firstDiff(first, second);
      expect(at, `seed ${seed}: ${JSON.stringify(spec)}: first differing byte at offset ${at}\n 1st ${first.toString('hex')}\n 2nd ${second.toString('hex')}`).toBe(-1);
      expect(decodeOne(second), `seed ${seed}`).toEqual(d1);
    }
  });

  it('random and truncated bytes never throw and never yield a message longer than the input', () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = rng(seed);
      const k = kinds[r.int(kinds.length)];
      const valid = addon.buildRequest(k.random(r));
      const junk = Buffer.from(valid.subarray(0, r.int(valid.length + 1)));
      for (let n = r.int(6); n > 0 && junk.length > 0; n--) junk[r.int(junk.length)] = r.int(256);
      let msgs: DecodedMessage[] = [];
      expect(() => (msgs = addon.decodeMessages(junk)), `seed ${seed}`).not.toThrow();
      expect(msgs.length, `seed ${seed}`).toBeLessThanOrEqual(Math.floor(junk.length / 16));
    }
  });
});
