import { describe, expect, it } from 'vitest';
import { FakeNetlinkSession, type FakeKernelOptions } from '../../../test/helpers/fake-netlink-session.js';
import { MAX_DUMP_ATTEMPTS } from './dump.js';
import { BY_NAME_MAX, runOps } from './executor.js';
import { NetlinkTransport } from './transport.js';
import type { NetlinkOp } from './types.js';

// The ethtool decoders are not exercised by these ops.
const genl = { decodeFamilyId: () => 0, decodeFeatures: () => ({}) };

async function run(ops: NetlinkOp[], setup: (k: FakeNetlinkSession) => void = () => {}, opts: FakeKernelOptions = { echo: true }) {
  const kernel = new FakeNetlinkSession(opts);
  setup(kernel);
  const results = await runOps(ops, new NetlinkTransport(kernel), genl);
  const getlinks = kernel.steps().filter((s) => s.label === 'RTM_GETLINK');
  return { kernel, results, getlinks };
}

describe('batch framing and the name -> index cache', () => {
  it('learns created links from the echo: ops on them need no RTM_GETLINK, and share one exchange', async () => {
    const { kernel, results, getlinks } = await run([
      { op: 'createVeth', netns: '/ns/a', name: 'h0', peerName: 'eth0', peerNetns: '/ns/b' },
      { op: 'linkSet', netns: '/ns/a', name: 'h0', up: true },
      { op: 'addrAdd', netns: '/ns/b', name: 'eth0', cidr: '198.18.0.2/30' },
      { op: 'linkSet', netns: '/ns/b', name: 'eth0', up: true },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
    expect(getlinks).toEqual([]);
    expect(kernel.exchanges.map((e) => e.map((s) => s.spec.op))).toEqual([['createVeth'], ['linkSet', 'addrAdd', 'linkSet']]);
    expect(kernel.link('/ns/b', 'eth0')).toMatchObject({ up: true });
    expect([...kernel.link('/ns/b', 'eth0')!.addrs]).toEqual(['198.18.0.2/30']);
  });

  it('without an echo, resolves the created names by RTM_GETLINK once each', async () => {
    const { results, getlinks, kernel } = await run(
      [
        { op: 'createVeth', name: 'h0', peerName: 'p0' },
        { op: 'linkSet', name: 'h0', up: true },
        { op: 'linkSet', name: 'p0', up: true },
        { op: 'addrAdd', name: 'h0', cidr: '198.18.0.1/30' },
      ],
      () => {},
      { echo: false },
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(getlinks.map((s) => s.spec.name).sort()).toEqual(['h0', 'p0']);
    expect(kernel.link('', 'p0')!.up).toBe(true);
  });

  it(`resolves more than ${BY_NAME_MAX} names of one namespace from a single dump, then sends every op in one exchange`, async () => {
    const names = Array.from({ length: BY_NAME_MAX + 3 }, (_, i) => `l${i}`);
    const { kernel, results, getlinks } = await run(
      names.map((name): NetlinkOp => ({ op: 'linkSet', netns: '/ns/a', name, up: true })),
      (k) => names.forEach((n) => k.addLink('/ns/a', n)),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(getlinks).toHaveLength(1);
    expect(getlinks[0].spec.op).toBe('linkList');
    expect(kernel.exchanges).toHaveLength(2);
    for (const n of names) expect(kernel.link('/ns/a', n)!.up).toBe(true);
  });

  it('follows a rename within the batch without asking the kernel again', async () => {
    const { kernel, results, getlinks } = await run(
      [
        { op: 'linkSet', name: 'old', newName: 'new' },
        { op: 'linkSet', name: 'new', up: true },
        { op: 'linkDel', name: 'old', ignoreMissing: true },
      ],
      (k) => k.addLink('', 'old'),
    );
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(getlinks.map((s) => s.spec.name)).toEqual(['old']);
    expect(kernel.link('', 'new')!.up).toBe(true);
  });

  it('a missing link is success only with ignoreMissing; otherwise ENODEV from RTM_GETLINK', async () => {
    const { results } = await run([
      { op: 'linkDel', name: 'gone', ignoreMissing: true },
      { op: 'linkDel', name: 'gone' },
      { op: 'addrDel', name: 'gone', cidr: '198.18.0.1/30', ignoreMissing: true },
      { op: 'addrDel', name: 'here', cidr: '198.18.0.1/30', ignoreMissing: true },
      { op: 'addrDel', name: 'here', cidr: '198.18.0.1/30' },
      { op: 'fdbDel', dev: 'gone', mac: '00:00:00:00:00:00', dst: '198.18.0.2', ignoreMissing: true },
      { op: 'fdbAppend', dev: 'gone', mac: '00:00:00:00:00:00', dst: '198.18.0.2' },
    ], (k) => k.addLink('', 'here'));
    expect(results.map((r) => r.ok)).toEqual([true, false, true, true, false, true, false]);
    expect(results[1].ok === false && results[1].error).toMatchObject({ code: 'NP_NETLINK', errno: 19, syscall: 'RTM_GETLINK' });
    expect(results[4].ok === false && results[4].error).toMatchObject({ code: 'NP_NETLINK', errno: 99, syscall: 'RTM_DELADDR' });
  });

  it('a deleted veth forgets its peer, so a later op on the peer is answered ENODEV', async () => {
    const { results } = await run([
      { op: 'createVeth', name: 'a0', peerName: 'a1' },
      { op: 'linkDel', name: 'a0' },
      { op: 'linkSet', name: 'a1', up: true },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(results[2].ok === false && results[2].error).toMatchObject({ errno: 19 });
  });

  it('rejects unknown ops and bad arguments per op, and later ops still run', async () => {
    const { results } = await run(
      [
        { op: 'bogus' } as unknown as NetlinkOp,
        { op: 'createVxlan', name: 'vx', vni: 2 ** 24 },
        { op: 'routeReplace', dst: '198.18.0.0/24', gateway: '2001:db8::1' },
        { op: 'linkGet', name: 'here' },
        { op: 'linkGet', name: 'absent' },
      ],
      (k) => k.addLink('', 'here'),
    );
    expect(results.slice(0, 3).map((r) => !r.ok && r.error.code)).toEqual(['NP_INVALID_ARGUMENT', 'NP_INVALID_ARGUMENT', 'NP_INVALID_ARGUMENT']);
    expect(results[3]).toMatchObject({ ok: true, value: { name: 'here' } });
    expect(results[4]).toEqual({ ok: true });
  });
});

describe('routes with a protocol', () => {
  it('replaces and lists routes with their protocol and device name', async () => {
    const { results } = await run(
      [
        { op: 'routeReplace', dst: '10.1.0.0/24', gateway: '169.254.64.2', dev: 'gw0', protocol: 158 },
        { op: 'routeReplace', dst: '10.2.0.0/24', gateway: '169.254.64.2', dev: 'gw0' },
        { op: 'routeList' },
      ],
      (k) => k.addLink('', 'gw0'),
    );
    expect(results[2]).toEqual({
      ok: true,
      value: [
        { dst: '10.1.0.0/24', gateway: '169.254.64.2', dev: 'gw0', table: 254, protocol: 158 },
        { dst: '10.2.0.0/24', gateway: '169.254.64.2', dev: 'gw0', table: 254, protocol: 3 },
      ],
    });
  });

  it('deletes only a route of the protocol given; no match is ESRCH, success only with ignoreMissing', async () => {
    const { kernel, results } = await run(
      [
        { op: 'routeDel', dst: '10.1.0.0/24', dev: 'gw0', protocol: 158 },
        { op: 'routeDel', dst: '10.1.0.0/24', dev: 'gw0', protocol: 158, ignoreMissing: true },
        { op: 'routeDel', dst: '10.2.0.0/24', gateway: '169.254.64.2', dev: 'gw0', protocol: 158 },
        { op: 'routeDel', dst: '10.2.0.0/24', dev: 'gone', protocol: 158, ignoreMissing: true },
        { op: 'routeDel', dst: '10.2.0.0/24', dev: 'gone', protocol: 158 },
      ],
      (k) => {
        const gw = k.addLink('', 'gw0');
        k.routes('').push({ dst: '10.1.0.0/24', gateway: '169.254.64.2', oif: gw, protocol: 3 }, { dst: '10.2.0.0/24', gateway: '169.254.64.2', oif: gw, protocol: 158 });
      },
    );
    expect(results.map((r) => r.ok)).toEqual([false, true, true, true, false]);
    expect(results[0].ok === false && results[0].error).toMatchObject({ code: 'NP_NETLINK', errno: 3, syscall: 'RTM_DELROUTE' });
    expect(results[4].ok === false && results[4].error).toMatchObject({ errno: 19, syscall: 'RTM_GETLINK' });
    expect(kernel.routes('').map((r) => r.dst)).toEqual(['10.1.0.0/24']);
  });

  it('refuses a protocol outside 0..255 before sending anything', async () => {
    const { kernel, results } = await run([{ op: 'routeReplace', dst: '10.1.0.0/24', protocol: 256 }, { op: 'routeDel', dst: '10.1.0.0/24', protocol: 1.5 }]);
    expect(results.map((r) => !r.ok && r.error.code)).toEqual(['NP_INVALID_ARGUMENT', 'NP_INVALID_ARGUMENT']);
    expect(results.map((r) => !r.ok && r.error.message)).toEqual(['route protocol 256 (must be 0..255)', 'route protocol 1.5 (must be 0..255)']);
    expect(kernel.steps()).toEqual([]);
  });
});

describe('dump retry through the transport', () => {
  it('re-reads an interrupted dump until it is consistent', async () => {
    const { kernel, results } = await run([{ op: 'linkList' }], (k) => k.addLink('', 'x'), { interruptedDumps: 2 });
    expect(results[0]).toMatchObject({ ok: true, value: [{ name: 'x' }] });
    expect(kernel.steps().filter((s) => s.spec.op === 'linkList')).toHaveLength(3);
  });

  it(`gives up with EINTR after ${MAX_DUMP_ATTEMPTS} interrupted reads`, async () => {
    const { kernel, results } = await run([{ op: 'linkList' }], () => {}, { interruptedDumps: 100 });
    expect(results[0].ok === false && results[0].error).toMatchObject({ code: 'NP_NETLINK', errno: 4, syscall: 'RTM_GETLINK' });
    expect(kernel.steps()).toHaveLength(MAX_DUMP_ATTEMPTS);
  });
});
