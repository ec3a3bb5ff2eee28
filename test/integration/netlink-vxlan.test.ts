/**
 * Kernel VXLAN devices and their static FDB through the netlink addon, in two throwaway
 * namespaces (np-nl-vx<rand>[ab]) joined by a veth, made in beforeAll and deleted in afterAll.
 * Traffic only between 198.18.3.0/24 (underlay) and 10.42.0.0/24 (overlay) addresses inside them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetpluginError } from '../../src/common/errors.js';
import {
  createVxlan, fdbAppend, fdbDel, fdbList, linkGet, linkList, runBatch, type OpError,
} from '../../src/datapath/kernel/index.js';

const rand = randomBytes(3).toString('hex');
const names = { a: `np-nl-vx${rand}a`, b: `np-nl-vx${rand}b` };
const A = `/run/netns/${names.a}`;
const B = `/run/netns/${names.b}`;
const side = {
  a: { ns: A, name: names.a, veth: 'ul0', under: '198.18.3.1', overlay: '10.42.0.1' },
  b: { ns: B, name: names.b, veth: 'ul1', under: '198.18.3.2', overlay: '10.42.0.2' },
};
const ZERO = '00:00:00:00:00:00';

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}
/** One ping inside a namespace; true when a reply came back. */
function ping(ns: string, dst: string): boolean {
  return spawnSync('ip', ['netns', 'exec', ns, 'ping', '-c', '2', '-i', '0.2', '-W', '1', dst], { stdio: 'ignore' }).status === 0;
}
/** The FDB of a device as the `bridge` tool sees it. */
function bridgeFdb(ns: string, dev: string): Array<{ mac: string; dst?: string }> {
  const out = JSON.parse(sh('ip', ['netns', 'exec', ns, 'bridge', '-j', 'fdb', 'show', 'dev', dev])) as Array<{ mac: string; dst?: string }>;
  return out.map((e) => ({ mac: e.mac, ...(e.dst ? { dst: e.dst } : {}) }));
}
async function expectReject(p: Promise<unknown>): Promise<OpError> {
  try {
    await p;
  } catch (e) {
    return e as OpError;
  }
  throw new Error('expected the call to reject');
}
const byMac = (x: { mac: string }, y: { mac: string }) => x.mac.localeCompare(y.mac);

beforeAll(async () => {
  for (const n of Object.values(names)) sh('ip', ['netns', 'add', n]);
  // Underlay: a veth between the namespaces, made with the addon itself.
  const r = await runBatch([
    { op: 'createVeth', netns: A, name: side.a.veth, peerName: side.b.veth, peerNetns: B },
    { op: 'addrAdd', netns: A, name: side.a.veth, cidr: `${side.a.under}/24` },
    { op: 'addrAdd', netns: B, name: side.b.veth, cidr: `${side.b.under}/24` },
    { op: 'linkSet', netns: A, name: side.a.veth, up: true },
    { op: 'linkSet', netns: B, name: side.b.veth, up: true },
  ]);
  for (const x of r) if (!x.ok) throw x.error;
});

afterAll(() => {
  for (const n of Object.values(names)) {
    try {
      sh('ip', ['netns', 'del', n]);
    } catch {
      /* not created */
    }
  }
});

describe('kernel vxlan devices and static fdb entries', () => {
  it('creates vx42 on both sides and reports kind vxlan with its settings', async () => {
    const made = await runBatch(
      [side.a, side.b].flatMap((s) => [
        { op: 'createVxlan' as const, netns: s.ns, name: 'vx42', vni: 42, local: s.under, dev: s.veth, learning: false },
        { op: 'addrAdd' as const, netns: s.ns, name: 'vx42', cidr: `${s.overlay}/24` },
        { op: 'linkSet' as const, netns: s.ns, name: 'vx42', up: true },
      ]),
    );
    for (const x of made) if (!x.ok) throw x.error;
    for (const s of [side.a, side.b]) {
      const l = await linkGet({ netns: s.ns, name: 'vx42' });
      expect(l).toMatchObject({ name: 'vx42', kind: 'vxlan', up: true, vxlan: { vni: 42, local: s.under, dstPort: 4789, learning: false } });
      // The underlay veth is not a vxlan and says so.
      expect((await linkGet({ netns: s.ns, name: s.veth }))!.vxlan).toBeUndefined();
      // iproute2 reads the same device settings back from the kernel.
      const d = JSON.parse(sh('ip', ['-n', s.name, '-j', '-d', 'link', 'show', 'vx42']))[0].linkinfo.info_data;
      expect(d).toMatchObject({ id: 42, local: s.under, link: s.veth, port: 4789, learning: false });
    }
    const list = await linkList({ netns: A });
    expect(list.find((l) => l.name === 'vx42')?.vxlan?.vni).toBe(42);
  });

  it('forwards over the vxlan once fdb entries point at the peer, and not after they are deleted', async () => {
    const macA = (await linkGet({ netns: A, name: 'vx42' }))!.mac;
    const macB = (await linkGet({ netns: B, name: 'vx42' }))!.mac;
    // Without entries the device has nowhere to send: no overlay connectivity.
    expect(await fdbList({ netns: A, dev: 'vx42' })).toEqual([]);
    expect(ping(names.a, side.b.overlay)).toBe(false);

    const ops = [
      { op: 'fdbAppend' as const, netns: A, dev: 'vx42', mac: ZERO, dst: side.b.under },
      { op: 'fdbAppend' as const, netns: A, dev: 'vx42', mac: macB, dst: side.b.under },
      { op: 'fdbAppend' as const, netns: B, dev: 'vx42', mac: ZERO, dst: side.a.under },
      { op: 'fdbAppend' as const, netns: B, dev: 'vx42', mac: macA, dst: side.a.under },
    ];
    for (const x of await runBatch(ops)) if (!x.ok) throw x.error;
    // Appending the same MAC+dst pair again is harmless.
    for (const x of await runBatch(ops)) expect(x.ok).toBe(true);

    const wantA = [{ mac: ZERO, dst: side.b.under, permanent: true }, { mac: macB, dst: side.b.under, permanent: true }].sort(byMac);
    expect((await fdbList({ netns: A, dev: 'vx42' })).sort(byMac)).toEqual(wantA);
    expect(bridgeFdb(names.a, 'vx42').sort(byMac)).toEqual(wantA.map(({ mac, dst }) => ({ mac, dst })));
    expect((await fdbList({ netns: B, dev: 'vx42' })).sort(byMac)).toEqual(
      [{ mac: ZERO, dst: side.a.under, permanent: true }, { mac: macA, dst: side.a.under, permanent: true }].sort(byMac),
    );
    // Other devices' tables stay out of a per-device listing.
    expect(await fdbList({ netns: A, dev: side.a.veth })).not.toContainEqual(expect.objectContaining({ dst: side.b.under }));

    expect(ping(names.a, side.b.overlay)).toBe(true);
    expect(ping(names.b, side.a.overlay)).toBe(true);

    await fdbDel({ netns: A, dev: 'vx42', mac: ZERO, dst: side.b.under });
    await fdbDel({ netns: A, dev: 'vx42', mac: macB, dst: side.b.under });
    expect(await fdbList({ netns: A, dev: 'vx42' })).toEqual([]);
    expect(bridgeFdb(names.a, 'vx42')).toEqual([]);
    expect(ping(names.a, side.b.overlay)).toBe(false);

    // Deleting again: ENOENT, or success with ignoreMissing.
    const gone = await expectReject(fdbDel({ netns: A, dev: 'vx42', mac: macB, dst: side.b.under }));
    expect(gone).toMatchObject({ code: 'NP_NETLINK', errno: 2, syscall: 'RTM_DELNEIGH' });
    await fdbDel({ netns: A, dev: 'vx42', mac: macB, dst: side.b.under, ignoreMissing: true });
    await fdbDel({ netns: A, dev: 'nosuchdev', mac: macB, dst: side.b.under, ignoreMissing: true });
  });

  it('reports errno, syscall and the extended-ack text', async () => {
    const twice = await expectReject(createVxlan({ netns: A, name: 'vx42', vni: 42, local: side.a.under, dev: side.a.veth }));
    expect(twice).toBeInstanceOf(NetpluginError);
    expect(twice).toMatchObject({ code: 'NP_NETLINK', errno: 17, syscall: 'RTM_NEWLINK' });
    // Same VNI and port under another name: the vxlan driver explains itself in the extack.
    const sameVni = await expectReject(createVxlan({ netns: A, name: 'vx42b', vni: 42, local: side.a.under }));
    expect(sameVni).toMatchObject({ code: 'NP_NETLINK', errno: 17, syscall: 'RTM_NEWLINK' });
    expect(sameVni.extack).toMatch(/VNI/);
    expect(sameVni.message).toContain(sameVni.extack);
    const noDev = await expectReject(createVxlan({ netns: A, name: 'vx43', vni: 43, dev: 'nosuchdev' }));
    expect(noDev).toMatchObject({ code: 'NP_NETLINK', errno: 19, syscall: 'RTM_GETLINK' });
    const badVni = await expectReject(createVxlan({ netns: A, name: 'vx43', vni: 1 << 24 }));
    expect(badVni).toMatchObject({ code: 'NP_INVALID_ARGUMENT' });
    const badDst = await expectReject(fdbAppend({ netns: A, dev: 'vx42', mac: ZERO, dst: '198.18.3.0/24' }));
    expect(badDst).toMatchObject({ code: 'NP_INVALID_ARGUMENT' });
    const noFdbDev = await expectReject(fdbList({ netns: A, dev: 'nosuchdev' }));
    expect(noFdbDev).toMatchObject({ code: 'NP_NETLINK', errno: 19 });
    // None of the failed creates left a device behind.
    expect((await linkList({ netns: A })).map((l) => l.name).filter((n) => n.startsWith('vx'))).toEqual(['vx42']);
  });
});
