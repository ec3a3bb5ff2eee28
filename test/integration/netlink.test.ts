/**
 * The netlink addon against the real kernel, in throwaway namespaces (np-nl-<rand>[abc]) made
 * in beforeAll and deleted in afterAll (which also deletes every link made inside them).
 * Traffic only between 198.18.x.y test addresses inside those namespaces.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetpluginError } from '../../src/common/errors.js';
import {
  addrAdd, addrDel, addrList, createVeth, featuresGet, featuresSet, linkDel, linkGet, linkList, linkSet,
  routeList, routeReplace, runBatch, type NetlinkOp, type OpError,
} from '../../src/datapath/kernel/index.js';
import { runOps } from '../../src/datapath/kernel/executor.js';
import { netlinkAddon, type NativeSession, type Step } from '../../src/datapath/kernel/native.js';
import { NetlinkTransport } from '../../src/datapath/kernel/transport.js';

const rand = randomBytes(3).toString('hex');
const names = { a: `np-nl-${rand}a`, b: `np-nl-${rand}b`, c: `np-nl-${rand}c` };
const A = `/run/netns/${names.a}`;
const B = `/run/netns/${names.b}`;
const C = `/run/netns/${names.c}`;
/** One namespace per simulated container for the per-namespace batch. */
const containerNs = Array.from({ length: 100 }, (_, i) => `np-nl-${rand}-k${i}`);

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}
function ipJson(ns: string, ...args: string[]): Array<Record<string, unknown>> {
  return JSON.parse(sh('ip', ['-n', ns, '-j', ...args])) as Array<Record<string, unknown>>;
}
/** Names of the links `ip` sees in the test process's own (root) namespace. */
function rootLinkNames(): string[] {
  return (JSON.parse(sh('ip', ['-j', 'link', 'show'])) as Array<{ ifname: string }>).map((l) => l.ifname).sort();
}

async function expectReject(p: Promise<unknown>): Promise<OpError> {
  try {
    await p;
  } catch (e) {
    return e as OpError;
  }
  throw new Error('expected the call to reject');
}

beforeAll(() => {
  for (const n of Object.values(names)) sh('ip', ['netns', 'add', n]);
});

afterAll(() => {
  try {
    execFileSync('ip', ['-force', '-batch', '-'], { input: containerNs.map((n) => `netns del ${n}\n`).join(''), stdio: ['pipe', 'ignore', 'ignore'] });
  } catch {
    /* some were never made */
  }
  for (const n of Object.values(names)) {
    try {
      sh('ip', ['netns', 'del', n]);
    } catch {
      /* not created */
    }
  }
}, 60_000);

describe('netlink addon in throwaway namespaces', () => {
  it('creates a veth whose peer is born in another namespace as eth1, with MAC/MTU, and brings it up', async () => {
    await createVeth({ netns: A, name: 'vh0', peerName: 'eth1', peerNetns: B, mtu: 1450, mac: '02:00:c6:12:00:01', peerMac: '02:00:c6:12:00:02' });
    await runBatch([
      { op: 'linkSet', netns: A, name: 'vh0', up: true },
      { op: 'linkSet', netns: B, name: 'eth1', up: true },
      { op: 'linkSet', netns: B, name: 'lo', up: true },
    ]);
    const host = await linkGet({ netns: A, name: 'vh0' });
    const cont = await linkGet({ netns: B, name: 'eth1' });
    expect(host).toMatchObject({ name: 'vh0', mtu: 1450, mac: '02:00:c6:12:00:01', up: true, kind: 'veth' });
    expect(cont).toMatchObject({ name: 'eth1', mtu: 1450, mac: '02:00:c6:12:00:02', up: true, kind: 'veth' });
    expect(host!.peerIndex).toBe(cont!.index);
    expect(cont!.peerIndex).toBe(host!.index);
    // The kernel's view through iproute2 agrees.
    const seen = ipJson(names.b, 'link', 'show', 'eth1')[0];
    expect(seen).toMatchObject({ ifname: 'eth1', mtu: 1450, address: '02:00:c6:12:00:02', ifindex: cont!.index });
    expect(await linkGet({ netns: A, name: 'eth1' })).toBeUndefined();
  });

  it('adds addresses (idempotently) and a default route, then pings across the pair', async () => {
    const res = await runBatch([
      { op: 'addrAdd', netns: A, name: 'vh0', cidr: '198.18.7.1/30' },
      { op: 'addrAdd', netns: B, name: 'eth1', cidr: '198.18.7.2/30' },
      { op: 'addrAdd', netns: B, name: 'eth1', cidr: '198.18.7.2/30' },
      { op: 'routeReplace', netns: B, dst: 'default', gateway: '198.18.7.1', dev: 'eth1' },
      { op: 'routeReplace', netns: B, dst: 'default', gateway: '198.18.7.1', dev: 'eth1' },
    ]);
    expect(res.map((r) => r.ok)).toEqual([true, true, true, true, true]);
    const addrs = (await addrList({ netns: B, name: 'eth1' })).filter((a) => a.family === 4);
    expect(addrs).toEqual([{ name: 'eth1', index: expect.any(Number), cidr: '198.18.7.2/30', family: 4 }]);
    const routes = await routeList({ netns: B });
    expect(routes).toContainEqual({ dst: 'default', gateway: '198.18.7.1', dev: 'eth1', table: 254, protocol: 3 });
    expect(routes).toContainEqual({ dst: '198.18.7.0/30', dev: 'eth1', table: 254, protocol: 2 });
    expect(ipJson(names.b, 'route', 'show', 'default')[0]).toMatchObject({ gateway: '198.18.7.1', dev: 'eth1' });
    const out = sh('ip', ['netns', 'exec', names.b, 'ping', '-c', '2', '-i', '0.2', '-W', '2', '198.18.7.1']);
    expect(out).toMatch(/2 received/);
    await addrDel({ netns: B, name: 'eth1', cidr: '198.18.7.2/30' });
    expect((await addrList({ netns: B, name: 'eth1' })).filter((a) => a.family === 4)).toEqual([]);
    await addrDel({ netns: B, name: 'eth1', cidr: '198.18.7.2/30', ignoreMissing: true });
    const gone = await expectReject(addrDel({ netns: B, name: 'eth1', cidr: '198.18.7.2/30' }));
    expect(gone.code).toBe('NP_NETLINK');
    expect(gone.syscall).toBe('RTM_DELADDR');
  });

  it('moves a link to another namespace, renaming and raising it in the same request', async () => {
    await createVeth({ netns: A, name: 'mv0', peerName: 'mv1' });
    await linkSet({ netns: A, name: 'mv1', moveToNetns: C, newName: 'eth2', up: true, mtu: 1400 });
    expect(await linkGet({ netns: A, name: 'mv1' })).toBeUndefined();
    const moved = await linkGet({ netns: C, name: 'eth2' });
    expect(moved).toMatchObject({ name: 'eth2', up: true, mtu: 1400, kind: 'veth' });
    expect((await linkList({ netns: C })).map((l) => l.name).sort()).toEqual(['eth2', 'lo']);
    await linkDel({ netns: A, name: 'mv0' });
    // Deleting one end of a veth removes the other, wherever it lives.
    expect(await linkGet({ netns: C, name: 'eth2' })).toBeUndefined();
    await linkDel({ netns: A, name: 'mv0', ignoreMissing: true });
  });

  it('turns tx checksum offload off and on by the ethtool alias and reads it back', async () => {
    const before = await featuresGet({ netns: B, name: 'eth1' });
    expect(before['tx-checksum-ip-generic']).toEqual({ active: true, changeable: true });
    await featuresSet({ netns: B, name: 'eth1', features: { tx: false } });
    const off = await featuresGet({ netns: B, name: 'eth1' });
    expect(off['tx-checksum-ip-generic'].active).toBe(false);
    expect(sh('ip', ['netns', 'exec', names.b, 'ethtool', '-k', 'eth1'])).toMatch(/^tx-checksumming: off$/m);
    await featuresSet({ netns: B, name: 'eth1', features: { 'tx-checksum-ip-generic': true, gro: true } });
    const on = await featuresGet({ netns: B, name: 'eth1' });
    expect(on['tx-checksum-ip-generic'].active).toBe(true);
    expect(on['rx-gro'].active).toBe(true);
    expect(sh('ip', ['netns', 'exec', names.b, 'ethtool', '-k', 'eth1'])).toMatch(/^generic-receive-offload: on$/m);
    // The kernel acks a fixed bit without applying it; the addon turns that into an error.
    expect(on['tx-checksum-ipv4'].changeable).toBe(false);
    const fixed = await expectReject(featuresSet({ netns: B, name: 'eth1', features: { 'tx-checksum-ipv4': !on['tx-checksum-ipv4'].active } }));
    expect(fixed).toMatchObject({ code: 'NP_NETLINK', errno: 95, syscall: 'ETHTOOL_MSG_FEATURES_SET' });
    expect(fixed.message).toContain('tx-checksum-ipv4 [fixed]');
    const unknown = await expectReject(featuresSet({ netns: B, name: 'eth1', features: { 'no-such-feature': true } }));
    expect(unknown).toMatchObject({ code: 'NP_NETLINK', syscall: 'ETHTOOL_MSG_FEATURES_SET' });
    expect(unknown.extack).toMatch(/bit name/);
    const noDev = await expectReject(featuresGet({ netns: B, name: 'nosuchdev' }));
    expect(noDev).toMatchObject({ code: 'NP_NETLINK', errno: 19 });
  });

  it('reports errno, syscall and the extended-ack text as NetpluginErrors', async () => {
    const dup = await expectReject(createVeth({ netns: A, name: 'vh0', peerName: 'vh0peer' }));
    expect(dup).toBeInstanceOf(NetpluginError);
    expect(dup).toMatchObject({ code: 'NP_NETLINK', errno: 17, syscall: 'RTM_NEWLINK' });
    const mtu = await expectReject(linkSet({ netns: A, name: 'vh0', mtu: 20 }));
    expect(mtu).toMatchObject({ code: 'NP_NETLINK', errno: 22, syscall: 'RTM_NEWLINK' });
    expect(mtu.extack).toMatch(/mtu/i);
    expect(mtu.message).toContain(mtu.extack);
    const missing = await expectReject(linkSet({ netns: A, name: 'nosuchlink', up: true }));
    expect(missing).toMatchObject({ code: 'NP_NETLINK', errno: 19, syscall: 'RTM_GETLINK' });
    const noNs = await expectReject(linkList({ netns: `/run/netns/np-nl-${rand}-absent` }));
    expect(noNs).toMatchObject({ code: 'NP_NATIVE_SYSCALL', errno: 2, syscall: 'open' });
    // /proc/<pid>/ns/* are symbolic links: refused before any setns (test/integration/netns-check.test.ts has the rest).
    const wrongNs = await expectReject(linkList({ netns: '/proc/self/ns/uts' }));
    expect(wrongNs).toMatchObject({ code: 'NP_NETNS_INVALID', errno: 40, syscall: 'open' });
    // In a batch, failures are per op and later ops still run.
    const mixed = await runBatch([
      { op: 'linkGet', netns: A, name: 'vh0' },
      { op: 'createVeth', netns: A, name: 'vh0', peerName: 'x' },
      { op: 'linkDel', netns: A, name: 'nosuchlink', ignoreMissing: true },
      { op: 'bogus' } as unknown as NetlinkOp,
    ]);
    expect(mixed.map((r) => r.ok)).toEqual([true, false, true, false]);
    expect(mixed[3].ok === false && mixed[3].error.code).toBe('NP_INVALID_ARGUMENT');
  });

  it('returns each pooled worker thread to its original namespace after an exchange', async () => {
    const addon = netlinkAddon();
    const rootInode = statSync('/proc/self/ns/net').ino;
    const dump = (netns: string) => ({ netns, protocol: 0, spec: { op: 'linkList' }, label: 'RTM_GETLINK' });
    const sessions = Array.from({ length: 8 }, () => new addon.Session());
    try {
      // Enough concurrent exchanges to occupy every libuv pool thread, each entering namespaces.
      const inNs = await Promise.all(sessions.map((s) => s.exchange([dump(A), dump(B)])));
      for (const r of inNs) {
        expect(r.workerNetnsInode).toBe(rootInode);
        expect(r.every((x) => x.ok)).toBe(true);
      }
      const root = rootLinkNames();
      const after = await Promise.all(sessions.map((s) => s.exchange([dump('')])));
      for (const r of after) {
        expect(r.workerNetnsInode).toBe(rootInode);
        expect(r[0].ok).toBe(true);
        const seen = (r[0].ok ? r[0].messages : []).filter((m) => m.kind === 'link').map((m) => m.value!.name as string).sort();
        expect(seen).toEqual(root);
      }
    } finally {
      for (const s of sessions) s.close();
    }
    expect(addon.threadNetnsInode()).toBe(rootInode);
  });

  it('learns the links a batch creates from the kernel echo, so ops on them need no RTM_GETLINK', async () => {
    const addon = netlinkAddon();
    const native = new addon.Session();
    const sent: Step[][] = [];
    const recording: NativeSession = { exchange: (steps) => (sent.push(steps), native.exchange(steps)), close: () => native.close() };
    const t = new NetlinkTransport(recording);
    try {
      const res = await runOps(
        [
          { op: 'createVeth', netns: A, name: 'ec0', peerName: 'ec1', peerNetns: C },
          { op: 'linkSet', netns: C, name: 'ec1', up: true },
          { op: 'addrAdd', netns: C, name: 'ec1', cidr: '198.18.9.2/30' },
          { op: 'linkSet', netns: A, name: 'ec0', up: true, newName: 'ec2' },
          { op: 'linkSet', netns: A, name: 'ec2', mtu: 1400 },
        ],
        t,
        addon,
      );
      expect(res.filter((r) => !r.ok)).toEqual([]);
    } finally {
      t.close();
    }
    expect(sent.flat().filter((s) => s.label === 'RTM_GETLINK')).toEqual([]);
    expect(sent.length).toBeLessThanOrEqual(3);
    expect(ipJson(names.c, 'link', 'show', 'ec1')[0]).toMatchObject({ ifname: 'ec1', flags: expect.arrayContaining(['UP']) });
    expect(ipJson(names.a, 'link', 'show', 'ec2')[0]).toMatchObject({ ifname: 'ec2', mtu: 1400 });
    await linkDel({ netns: A, name: 'ec2' });
  });

  it('plumbs 100 veth pairs (peer into a namespace, address, up) in one batch', async () => {
    const N = 100;
    const ops: NetlinkOp[] = [];
    for (let i = 0; i < N; i++) {
      const host = `bh${i}`;
      const peer = `bc${i}`;
      const net = `198.18.${128 + (i >> 6)}.${(i & 63) * 4}`;
      const [, , c, d] = net.split('.').map(Number);
      const base = `198.18.${c}`;
      ops.push(
        { op: 'createVeth', netns: A, name: host, peerName: peer, peerNetns: C, mtu: 1450 },
        { op: 'addrAdd', netns: C, name: peer, cidr: `${base}.${d + 2}/30` },
        { op: 'addrAdd', netns: A, name: host, cidr: `${base}.${d + 1}/30` },
        { op: 'linkSet', netns: C, name: peer, up: true },
        { op: 'linkSet', netns: A, name: host, up: true },
      );
    }
    const t0 = performance.now();
    const res = await runBatch(ops);
    const ms = performance.now() - t0;
    console.log(`netlink batch: ${N} veth pairs + 2 addrs + 2 ups = ${ops.length} ops in ${ms.toFixed(1)} ms (${(ms / N).toFixed(2)} ms per endpoint)`);
    expect(res.filter((r) => !r.ok)).toEqual([]);
    const links = await linkList({ netns: C });
    expect(links.filter((l) => /^bc\d+$/.test(l.name) && l.up && l.mtu === 1450)).toHaveLength(N);
    const addrs = await addrList({ netns: C });
    expect(addrs.filter((a) => a.family === 4 && a.name.startsWith('bc'))).toHaveLength(N);
    expect(sh('ip', ['-n', names.c, '-4', '-o', 'addr', 'show', 'dev', 'bc99'])).toContain('198.18.129.142/30');
  }, 60_000);

  it('plumbs 100 containers, each in its own namespace, in one batch (one socket per namespace)', async () => {
    execFileSync('ip', ['-batch', '-'], { input: containerNs.map((n) => `netns add ${n}\n`).join('') });
    const ops: NetlinkOp[] = [];
    containerNs.forEach((n, i) => {
      const ns = `/run/netns/${n}`;
      const d = (i & 63) * 4;
      const base = `198.18.${160 + (i >> 6)}`;
      ops.push(
        { op: 'createVeth', netns: A, name: `kh${i}`, peerName: 'eth0', peerNetns: ns, mtu: 1450 },
        { op: 'addrAdd', netns: ns, name: 'eth0', cidr: `${base}.${d + 2}/30` },
        { op: 'linkSet', netns: ns, name: 'eth0', up: true },
        { op: 'routeReplace', netns: ns, dst: 'default', gateway: `${base}.${d + 1}`, dev: 'eth0' },
        { op: 'linkSet', netns: A, name: `kh${i}`, up: true },
      );
    });
    const t0 = performance.now();
    const res = await runBatch(ops);
    const ms = performance.now() - t0;
    console.log(`netlink batch: 100 containers in 100 namespaces (veth+addr+up+default route) = ${ops.length} ops in ${ms.toFixed(1)} ms (${(ms / 100).toFixed(2)} ms per container)`);
    expect(res.filter((r) => !r.ok)).toEqual([]);
    const last = await runBatch([{ op: 'linkGet', netns: `/run/netns/${containerNs[99]}`, name: 'eth0' }, { op: 'routeList', netns: `/run/netns/${containerNs[99]}` }]);
    expect(last[0].ok && last[0].value).toMatchObject({ name: 'eth0', up: true, mtu: 1450 });
    expect(last[1].ok && last[1].value).toContainEqual({ dst: 'default', gateway: '198.18.161.141', dev: 'eth0', table: 254, protocol: 3 });
  }, 60_000);
});
