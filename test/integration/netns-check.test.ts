/**
 * The addon's namespace-file check against the real kernel (root; no OVS, no Docker): only an
 * nsfs network-namespace file opens, everything else is refused at once — a FIFO without a
 * writer included, which a plain open() would block on for ever. One namespace
 * (np-nsck-<rand>), a name for this process's own namespace (np-nsck-<rand>-host) and a UTS
 * namespace bind mount are made in beforeAll and removed in afterAll, with the temp directory.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkContainerNetns, runBatch } from '../../src/datapath/kernel/index.js';
import { netlinkAddon, type NativeError } from '../../src/datapath/kernel/native.js';
import type { NetpluginError } from '../../src/common/errors.js';

const rand = randomBytes(3).toString('hex');
const name = `np-nsck-${rand}`;
const NS = `/run/netns/${name}`;
/** This process's (the "agent's") namespace under /run/netns (`ip netns attach NAME PID`): nsfs, but the host's. */
const hostName = `np-nsck-${rand}-host`;
let dir: string;
const paths = { fifo: '', directory: '', file: '', symlink: '', hostBind: '', uts: '' };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-nsck-'));
  execFileSync('ip', ['netns', 'add', name]);
  paths.fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [paths.fifo]);
  paths.directory = join(dir, 'dir');
  mkdirSync(paths.directory);
  paths.file = join(dir, 'file');
  writeFileSync(paths.file, 'not a namespace\n');
  paths.symlink = join(dir, 'link');
  symlinkSync(NS, paths.symlink);
  execFileSync('ip', ['netns', 'attach', hostName, String(process.pid)]);
  // An nsfs file of another kind: a UTS namespace kept by a bind mount.
  paths.uts = join(dir, 'uts');
  writeFileSync(paths.uts, '');
  execFileSync('unshare', [`--uts=${paths.uts}`, 'true']);
  paths.hostBind = `/run/netns/${hostName}`;
});

afterAll(() => {
  if (paths.uts) {
    try {
      execFileSync('umount', [paths.uts], { stdio: 'ignore' });
    } catch {
      /* never mounted */
    }
  }
  // `ip netns del` only unmounts and removes the name: the host's namespace itself lives on.
  for (const n of [hostName, name]) {
    try {
      execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
    } catch {
      /* never made */
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** The addon's answer for `path`, and how long it took. */
async function addonCheck(path: string): Promise<{ ms: number; ok?: { dev: number; ino: number }; err?: NativeError }> {
  const t0 = Date.now();
  try {
    const ok = await netlinkAddon().checkNetns(path);
    return { ms: Date.now() - t0, ok };
  } catch (e) {
    return { ms: Date.now() - t0, err: e as NativeError };
  }
}

describe('namespace files the addon opens', () => {
  it('accepts a real network namespace (ip netns add) and gives its identity', async () => {
    const r = await addonCheck(NS);
    expect(r.err).toBeUndefined();
    const st = statSync(NS);
    expect(r.ok).toEqual({ dev: st.dev, ino: st.ino });
  });

  it.each([
    ['a FIFO', () => paths.fifo, 'fstatfs', 22, /is a FIFO, not a network namespace file \(nsfs\)/],
    ['a directory', () => paths.directory, 'fstatfs', 22, /is a directory, not a network namespace file/],
    ['a regular file', () => paths.file, 'fstatfs', 22, /is a regular file, not a network namespace file/],
    ['a symlink to a real netns', () => paths.symlink, 'open', 40, /is a symbolic link/],
    ['a UTS namespace file (nsfs, another kind)', () => paths.uts, 'ioctl', 22, /is a namespace file of another kind/],
  ])('refuses %s at once, with code, errno and syscall', async (_what, path, syscall, errno, why) => {
    const r = await addonCheck(path());
    expect(r.ok).toBeUndefined();
    expect(r.err).toMatchObject({ code: 'NP_NETNS_INVALID', syscall, errno });
    expect(r.err!.message).toMatch(why);
    expect(r.ms).toBeLessThan(1000);
  });

  it('refuses them where the agent opens namespaces too (a netlink batch), and the batch carries on', async () => {
    const ops = [paths.fifo, paths.directory, paths.file, paths.symlink].map((netns) => ({ op: 'linkList' as const, netns }));
    const t0 = Date.now();
    const results = await runBatch([...ops, { op: 'linkList', netns: NS }]);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(results.slice(0, ops.length).map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(ops.map(() => 'NP_NETNS_INVALID'));
    expect(results.at(-1)).toMatchObject({ ok: true, value: [expect.objectContaining({ name: 'lo' })] });
  });

  it("follows procfs's own /proc/<pid>/ns/net link (as containerd passes it) to that process's namespace", async () => {
    // A process inside the test's namespace, so its /proc link leads there.
    const child: ChildProcess = spawn('ip', ['netns', 'exec', name, 'sleep', '30'], { stdio: 'ignore' });
    try {
      const inNs = await waitForNetnsOf(child.pid!, statSync(NS).ino);
      const r = await addonCheck(`/proc/${inNs}/ns/net`);
      expect(r.err).toBeUndefined();
      expect(r.ok).toEqual({ dev: statSync(NS).dev, ino: statSync(NS).ino });
      await expect(checkContainerNetns(`/proc/${inNs}/ns/net`, 'netns')).resolves.toBeUndefined();
      // Only procfs's exact form is followed: the same link reached through a symlink of ours is not.
      const viaLink = join(dir, 'proc-link');
      symlinkSync(`/proc/${inNs}/ns/net`, viaLink);
      expect((await addonCheck(viaLink)).err).toMatchObject({ code: 'NP_NETNS_INVALID', syscall: 'open', errno: 40 });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses /proc/1/ns/net: the host namespace (or, where init is out of reach, not openable)', async () => {
    // Where init's namespace can be opened it is refused as the host's; in a sandbox that hides
    // init (open gives EACCES here) the open itself refuses. Either way nothing is plumbed there.
    const r = await checkContainerNetns('/proc/1/ns/net', 'netns').then(() => undefined, (e: NetpluginError) => e);
    expect(r?.code).toBe('NP_NETNS_INVALID');
    expect(r?.message).toMatch(/^netns: (\/proc\/1\/ns\/net is the host's own network namespace, not a container's|open: .*\(\/proc\/1\/ns\/net\))$/);
  });

  it("refuses the agent's own (host) namespace bind-mounted under /run/netns, and accepts the container's (API-boundary check)", async () => {
    const host = await checkContainerNetns(paths.hostBind, 'netns').then(() => 'accepted', (e: NetpluginError) => `${e.code} ${e.message}`);
    expect(host).toBe(`NP_NETNS_INVALID netns: ${paths.hostBind} is the host's own network namespace, not a container's`);
    await expect(checkContainerNetns(NS, 'netns')).resolves.toBeUndefined();
  });
});

/** The pid whose network namespace has inode `ino`: `ip netns exec` execs sleep in place, once it has entered. */
async function waitForNetnsOf(pid: number, ino: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    try {
      if (statSync(`/proc/${pid}/ns/net`).ino === ino) return pid;
    } catch {
      /* not started yet */
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`process ${pid} never entered the test namespace`);
}
