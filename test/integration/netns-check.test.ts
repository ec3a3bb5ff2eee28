/**
 * The addon's namespace-file check against the real kernel (root; no OVS, no Docker): only an
 * nsfs network-namespace file opens, everything else is refused at once — a FIFO without a
 * writer included, which a plain open() would block on for ever. One namespace
 * (np-nsck-<rand>), a name for this process's own namespace (np-nsck-<rand>-host) and a UTS
 * namespace bind mount are made in beforeAll and removed in afterAll, with the temp directory.
 */
import { execFileSync } from 'node:child_process';
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
    ['/proc/1/ns/net (a symlink)', () => '/proc/1/ns/net', 'open', 40, /is a symbolic link/],
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
    const ops = [paths.fifo, paths.directory, paths.file, paths.symlink, '/proc/1/ns/net'].map((netns) => ({ op: 'linkList' as const, netns }));
    const t0 = Date.now();
    const results = await runBatch([...ops, { op: 'linkList', netns: NS }]);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(results.slice(0, ops.length).map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(ops.map(() => 'NP_NETNS_INVALID'));
    expect(results.at(-1)).toMatchObject({ ok: true, value: [expect.objectContaining({ name: 'lo' })] });
  });

  it("refuses the agent's own (host) namespace bind-mounted under /run/netns, and accepts the container's (API-boundary check)", async () => {
    const host = await checkContainerNetns(paths.hostBind, 'netns').then(() => 'accepted', (e: NetpluginError) => `${e.code} ${e.message}`);
    expect(host).toBe(`NP_NETNS_INVALID netns: ${paths.hostBind} is the host's own network namespace, not a container's`);
    await expect(checkContainerNetns(NS, 'netns')).resolves.toBeUndefined();
  });
});
