import { chmodSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { NetpluginError } from '../common/errors.js';
import { parseConfig } from './config.js';
import { findPlugin, IpamDelegate, type PluginRun, type PluginRunner } from './delegate.js';
import { parseEnv } from './env.js';

const log = pino({ level: 'silent' });
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-cni-delegate-'));
  for (const name of ['fake-ipam', 'noexec']) writeFileSync(join(dir, name), '#!/bin/sh\nexit 0\n');
  chmodSync(join(dir, 'fake-ipam'), 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A runner that answers VERSION with `versions` and other verbs from `answer`. */
function scripted(versions: string[], answer: (verb: string, stdin: string, env: Record<string, string>) => PluginRun) {
  const calls: { verb: string; stdin: string; env: Record<string, string> }[] = [];
  const run: PluginRunner = async (_path, env, stdin) => {
    calls.push({ verb: env.CNI_COMMAND, stdin, env });
    if (env.CNI_COMMAND === 'VERSION') return { exitCode: 0, stdout: JSON.stringify({ cniVersion: '1.0.0', supportedVersions: versions }), stderr: '' };
    return answer(env.CNI_COMMAND, stdin, env);
  };
  return { run, calls };
}

const env = (cmd = 'ADD') => parseEnv({ CNI_COMMAND: cmd, CNI_CONTAINERID: 'c1', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: `/nonexistent:${dir}` });
const conf = (cmd: 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS' = 'ADD', extra: object = {}) =>
  parseConfig(JSON.stringify({ cniVersion: '1.1.0', name: 'n', type: 'netplugin-cni', tenant: 't', network: 'n', ipam: { type: 'fake-ipam', subnet: '10.5.0.0/24' }, ...extra }), cmd);

describe('ipam delegation', () => {
  it('finds executables in CNI_PATH order and names ipam.type when missing', () => {
    expect(findPlugin('fake-ipam', ['/nonexistent', dir], ['/nonexistent', dir])).toBe(join(dir, 'fake-ipam'));
    expect(() => findPlugin('noexec', [dir], [dir])).toThrow(/ipam.type: no executable "noexec"/);
    expect(() => findPlugin('fake-ipam', [], [dir])).toThrow(/CNI_PATH/);
  });

  it('runs plugins only from CNI_PATH directories on the --cni-bin-dir list', () => {
    const code = (f: () => unknown) => {
      try {
        f();
        return 'found';
      } catch (e) {
        return `${(e as NetpluginError).code} ${(e as NetpluginError).message}`;
      }
    };
    // The executable exists in `dir`, but `dir` is not on the agent's list: ignored, so nothing usable remains.
    expect(code(() => findPlugin('fake-ipam', [dir], ['/opt/cni/bin']))).toMatch(/^NP_CNI_CONFIG CNI_PATH: none of its directories is on the agent's --cni-bin-dir list/);
    // A relative entry never counts, even when it names an allowed directory from the agent's cwd.
    expect(code(() => findPlugin('fake-ipam', [relative(process.cwd(), dir)], [dir]))).toMatch(/^NP_CNI_CONFIG CNI_PATH:/);
    // Spelled another way (trailing slash, dot segments), an allowed directory is still that directory.
    expect(findPlugin('fake-ipam', [`${dir}/`], [dir])).toBe(join(dir, 'fake-ipam'));
    expect(findPlugin('fake-ipam', [`${dir}/./sub/..`], [dir])).toBe(join(dir, 'fake-ipam'));
    // Leaving an allowed directory with '..' gives another directory: ignored.
    expect(code(() => findPlugin('fake-ipam', [`${dir}/../${basename(dir)}x`], [dir]))).toMatch(/^NP_CNI_CONFIG CNI_PATH:/);
    // Ignored entries are listed when the plugin is not found in the usable ones.
    expect(code(() => findPlugin('noexec', ['/tmp', dir], [dir]))).toMatch(/^NP_IPAM_DELEGATE ipam.type: no executable "noexec"/);
    expect(() => findPlugin('noexec', ['/tmp', dir], [dir])).toThrow(expect.objectContaining({ details: expect.objectContaining({ detail: expect.stringContaining('ignored (not on --cni-bin-dir): /tmp') }) }));
  });

  it('calls an older plugin in the newest common version, same env, config rewritten', async () => {
    const s = scripted(['0.3.1', '0.4.0', '1.0.0'], () => ({ exitCode: 0, stdout: JSON.stringify({ cniVersion: '1.0.0', ips: [{ address: '10.5.0.7/24', gateway: '10.5.0.1' }], dns: { nameservers: ['10.5.0.53'] } }), stderr: '' }));
    const d = new IpamDelegate(log, s.run, [dir]);
    const { address, result } = await d.add(env(), conf());
    expect(address).toEqual({ ip: '10.5.0.7', prefixLen: 24, gateway: '10.5.0.1' });
    expect(result.dns).toEqual({ nameservers: ['10.5.0.53'] });
    const add = s.calls.find((c) => c.verb === 'ADD')!;
    expect(JSON.parse(add.stdin)).toMatchObject({ cniVersion: '1.0.0', name: 'n', ipam: { type: 'fake-ipam', subnet: '10.5.0.0/24' } });
    expect(add.env).toMatchObject({ CNI_CONTAINERID: 'c1', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0' });
  });

  it('passes the config through unchanged when the plugin speaks our version', async () => {
    const s = scripted(['1.1.0'], () => ({ exitCode: 0, stdout: '', stderr: '' }));
    const d = new IpamDelegate(log, s.run, [dir]);
    const c = conf('DEL', { runtimeConfig: { ips: ['10.5.0.9/24'] } });
    await d.call('DEL', env('DEL'), c);
    expect(JSON.parse(s.calls.at(-1)!.stdin)).toEqual(c.raw);
  });

  it('skips GC and STATUS for plugins older than 1.1.0, and asks VERSION once per file', async () => {
    const s = scripted(['0.4.0', '1.0.0'], () => ({ exitCode: 0, stdout: '', stderr: '' }));
    const d = new IpamDelegate(log, s.run, [dir]);
    expect(await d.call('GC', env('GC'), conf('GC', { 'cni.dev/valid-attachments': [] }))).toBeUndefined();
    expect(await d.call('STATUS', env('STATUS'), conf('STATUS'))).toBeUndefined();
    expect(s.calls.map((c) => c.verb)).toEqual(['VERSION']);
    // A replaced executable is asked again.
    utimesSync(join(dir, 'fake-ipam'), new Date(), new Date(Date.now() + 5000));
    await d.call('STATUS', env('STATUS'), conf('STATUS'));
    expect(s.calls.map((c) => c.verb)).toEqual(['VERSION', 'VERSION']);
  });

  it('returns the plugin error as ours, code kept and prefixed with the plugin', async () => {
    const s = scripted(['1.0.0'], () => ({ exitCode: 1, stdout: JSON.stringify({ cniVersion: '1.0.0', code: 999, msg: 'no IP addresses available in range set', details: 'x' }), stderr: '' }));
    const d = new IpamDelegate(log, s.run, [dir]);
    const err = await d.add(env(), conf()).catch((e: NetpluginError) => e);
    expect(err).toBeInstanceOf(NetpluginError);
    expect((err as NetpluginError).code).toBe('NP_IPAM_DELEGATE');
    expect((err as NetpluginError).details!.cniCode).toBe(999);
    expect((err as NetpluginError).message).toBe('ipam plugin "fake-ipam" ADD failed: no IP addresses available in range set');
  });

  it('rejects results without an IPv4 address and plugins with no common version', async () => {
    const v6 = scripted(['1.0.0'], () => ({ exitCode: 0, stdout: JSON.stringify({ ips: [{ address: 'fd00::5/64' }] }), stderr: '' }));
    await expect(new IpamDelegate(log, v6.run, [dir]).add(env(), conf())).rejects.toThrow(/no IPv4 address/);
    const ancient = scripted(['0.1.0', '0.2.0'], () => ({ exitCode: 0, stdout: '', stderr: '' }));
    const err = await new IpamDelegate(log, ancient.run, [dir]).add(env(), conf()).catch((e: NetpluginError) => e);
    expect((err as NetpluginError).details!.cniCode).toBe(1);
  });
});
