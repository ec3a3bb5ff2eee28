import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { NetpluginError } from '../common/errors.js';
import { FakeRuntime, fakeNetwork } from '../../test/helpers/fake-runtime.js';
import { IpamDelegate, type PluginRun } from './delegate.js';
import { handleCni, type CniContext } from './handler.js';

const log = pino({ level: 'silent' });
let dir: string;
let netns: string;
let api: FakeRuntime;
let ipamCalls: { verb: string; env: Record<string, string>; stdin: string }[];
let ipamAnswer: (verb: string, env: Record<string, string>) => PluginRun;
let ctx: CniContext;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'np-cni-handler-'));
  netns = join(dir, 'netns-p1');
  writeFileSync(netns, '');
  writeFileSync(join(dir, 'fake-ipam'), '', { mode: 0o755 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  api = new FakeRuntime([fakeNetwork('t', 'n', 1), fakeNetwork('t', 'm', 2)], { intent: [{ container: 'web-0', tenant: 't', network: 'n', ip: '10.1.0.50' }] });
  ipamCalls = [];
  ipamAnswer = (verb) => (verb === 'ADD' ? { exitCode: 0, stdout: JSON.stringify({ cniVersion: '1.0.0', ips: [{ address: '10.1.0.77/24', gateway: '10.1.0.1' }] }), stderr: '' } : { exitCode: 0, stdout: '', stderr: '' });
  ctx = {
    api,
    log,
    ipam: new IpamDelegate(log, async (_p, env, stdin) => {
      if (env.CNI_COMMAND === 'VERSION') return { exitCode: 0, stdout: '{"supportedVersions":["0.4.0","1.0.0"]}', stderr: '' };
      ipamCalls.push({ verb: env.CNI_COMMAND, env, stdin });
      return ipamAnswer(env.CNI_COMMAND, env);
    }, [dir]),
  };
});

const baseConf = { cniVersion: '1.0.0', name: 'podnet', type: 'netplugin-cni', tenant: 't', network: 'n' };
function env(command: string, extra: Record<string, string> = {}): Record<string, string> {
  return { CNI_COMMAND: command, CNI_CONTAINERID: 'c1', CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_PATH: dir, ...extra };
}
async function call(command: string, conf: object, extra: Record<string, string> = {}) {
  const r = await handleCni(ctx, env(command, extra), JSON.stringify(conf));
  return { exitCode: r.exitCode, out: r.stdout ? JSON.parse(r.stdout) : undefined };
}

describe('cni handler', () => {
  it('ADD attaches and answers the result in the config version', async () => {
    const r = await call('ADD', baseConf);
    expect(r.exitCode).toBe(0);
    expect(r.out).toEqual({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'vfake1' }, { name: 'eth0', mac: '02:02:0a:01:00:02', sandbox: netns }],
      ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1', interface: 1 }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }],
      dns: {},
    });
    expect(api.get('cni', 'c1/eth0')?.labels['cni.network']).toBe('podnet');
  });

  it('ADD gives an intent endpoint its declared address by pod name', async () => {
    const r = await call('ADD', baseConf, { CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0' });
    expect(r.out.ips[0].address).toBe('10.1.0.50/24');
    expect(api.get('cni', 'c1/eth0')?.fromIntent).toBe(true);
  });

  it('ADD puts an intent pod on its declared network even when the config names another default', async () => {
    const r = await call('ADD', { ...baseConf, network: 'm' }, { CNI_ARGS: 'K8S_POD_NAME=web-0' });
    expect(r.out.ips[0].address).toBe('10.1.0.50/24');
    const other = await call('ADD', { ...baseConf, network: 'm' }, { CNI_CONTAINERID: 'c2', CNI_ARGS: 'K8S_POD_NAME=api-1' });
    expect(other.out.ips[0].address).toBe('10.2.0.2/24');
    expect(api.get('cni', 'c2/eth0')?.network).toBe('m');
  });

  it('ADD without a default network serves intent pods only', async () => {
    const conf = { cniVersion: '1.0.0', name: 'podnet', type: 'netplugin-cni' };
    expect((await call('ADD', conf, { CNI_ARGS: 'K8S_POD_NAME=web-0' })).exitCode).toBe(0);
    const r = await call('ADD', conf, { CNI_CONTAINERID: 'c2', CNI_ARGS: 'K8S_POD_NAME=api-1' });
    expect(r.out).toMatchObject({ code: 7, msg: expect.stringContaining('no intent endpoint matches') });
  });

  it('ADD maps agent errors to codes and leaves nothing', async () => {
    expect((await call('ADD', { ...baseConf, runtimeConfig: { ips: ['10.1.0.50'] } })).out.code).toBe(102);
    expect((await call('ADD', { ...baseConf, runtimeConfig: { ips: ['10.2.0.9'] } })).out.code).toBe(103);
    expect((await call('ADD', { ...baseConf, runtimeConfig: { ips: ['10.1.0.1'] } })).out.code).toBe(103); // the gateway
    expect((await call('ADD', { ...baseConf, network: 'nope' })).out).toMatchObject({ code: 7, cniVersion: '1.0.0' });
    api.ready = false;
    expect((await call('ADD', baseConf)).out.code).toBe(11);
    expect(api.list()).toEqual([]);
  });

  it("ADD reports the agent's refusal of the namespace file as CNI_NETNS, code 4, and releases the IPAM address", async () => {
    api.failNextAttach = new NetpluginError('NP_NETNS_INVALID', `netns: ${netns}: is a FIFO, not a network namespace file (nsfs)`, { field: 'netns', errno: 22, syscall: 'fstatfs' });
    const r = await call('ADD', { ...baseConf, ipam: { type: 'fake-ipam' } });
    expect(r.out).toMatchObject({ code: 4, msg: `CNI_NETNS: ${netns}: is a FIFO, not a network namespace file (nsfs)` });
    expect(ipamCalls.map((c) => c.verb)).toEqual(['ADD', 'DEL']);
    api.failNextAttach = new NetpluginError('NP_NETNS_TIMEOUT', `netns: opening ${netns}: no answer within 10 s`, { field: 'netns' });
    expect((await call('ADD', baseConf)).out).toMatchObject({ code: 11 });
  });

  it('ADD rejects a netns that does not exist with code 4', async () => {
    const r = await call('ADD', baseConf, { CNI_NETNS: join(dir, 'gone') });
    expect(r.out).toMatchObject({ code: 4, msg: expect.stringContaining('CNI_NETNS') });
  });

  it('ADD chains after prevResult', async () => {
    const prev = { cniVersion: '1.0.0', interfaces: [{ name: 'lo' }], ips: [], routes: [{ dst: '0.0.0.0/0', gw: '192.168.0.1' }], dns: {} };
    const r = await call('ADD', { ...baseConf, prevResult: prev });
    expect(r.out.interfaces.map((i: { name: string }) => i.name)).toEqual(['lo', 'vfake1', 'eth0']);
    expect(r.out.ips[0].interface).toBe(2);
    expect(r.out.routes).toEqual([{ dst: '0.0.0.0/0', gw: '192.168.0.1' }]);
  });

  it('ADD with delegated IPAM uses its address; a failed attach is rolled back with an IPAM DEL', async () => {
    const conf = { ...baseConf, ipam: { type: 'fake-ipam' } };
    const r = await call('ADD', conf);
    expect(r.out.ips[0].address).toBe('10.1.0.77/24');
    expect(api.get('cni', 'c1/eth0')?.labels['cni.ipam']).toBe('fake-ipam');
    await call('DEL', conf);
    ipamCalls = [];
    api.failNextAttach = new NetpluginError('NP_ATTACH_FAILED', 'veth create failed');
    const failed = await call('ADD', conf);
    expect(failed.out).toMatchObject({ code: 100, msg: 'veth create failed' });
    expect(ipamCalls.map((c) => c.verb)).toEqual(['ADD', 'DEL']);
    expect(api.list()).toEqual([]);
  });

  it('ADD passes an IPAM failure through and attaches nothing', async () => {
    ipamAnswer = () => ({ exitCode: 1, stdout: JSON.stringify({ code: 11, msg: 'busy' }), stderr: '' });
    const r = await call('ADD', { ...baseConf, ipam: { type: 'fake-ipam' } });
    expect(r.out).toMatchObject({ code: 11, msg: 'ipam plugin "fake-ipam" ADD failed: busy' });
    expect(api.calls.filter((c) => c[0] === 'attach')).toEqual([]);
  });

  it('DEL is idempotent, needs no netns, and always tells the IPAM plugin', async () => {
    await call('ADD', baseConf);
    const noNetns = { CNI_NETNS: '' };
    expect(await call('DEL', baseConf, noNetns)).toEqual({ exitCode: 0, out: undefined });
    expect(await call('DEL', baseConf, noNetns)).toEqual({ exitCode: 0, out: undefined });
    expect(api.list()).toEqual([]);
    await call('DEL', { ...baseConf, ipam: { type: 'fake-ipam' } }, noNetns);
    expect(ipamCalls.map((c) => c.verb)).toEqual(['DEL']);
  });

  it('CHECK compares prevResult, record and datapath', async () => {
    const add = await call('ADD', { ...baseConf, cniVersion: '0.4.0' });
    const conf = { ...baseConf, cniVersion: '0.4.0', prevResult: add.out };
    expect(await call('CHECK', conf)).toEqual({ exitCode: 0, out: undefined });
    api.checkProblems.set('c1/eth0', ['port vfake1 is not on the bridge']);
    expect((await call('CHECK', conf)).out).toMatchObject({ code: 101, msg: expect.stringContaining('port vfake1') });
    api.checkProblems.clear();
    const wrong = { ...add.out, ips: [{ version: '4', address: '10.1.0.99/24', interface: 1 }] };
    expect((await call('CHECK', { ...conf, prevResult: wrong })).out.code).toBe(101);
    expect((await call('CHECK', conf, { CNI_CONTAINERID: 'other' })).out.code).toBe(3);
    expect((await call('CHECK', { ...conf, cniVersion: '0.3.1', prevResult: undefined })).out.code).toBe(1);
  });

  it('GC removes only stale attachments of its own network, and their IPAM reservations', async () => {
    await call('ADD', baseConf, { CNI_CONTAINERID: 'keep' });
    await call('ADD', { ...baseConf, ipam: { type: 'fake-ipam' } }, { CNI_CONTAINERID: 'stale' });
    await call('ADD', { ...baseConf, name: 'othernet' }, { CNI_CONTAINERID: 'other' });
    ipamCalls = [];
    const gc = { ...baseConf, cniVersion: '1.1.0', ipam: { type: 'fake-ipam' }, 'cni.dev/valid-attachments': [{ containerID: 'keep', ifname: 'eth0' }] };
    const r = await handleCni(ctx, { CNI_COMMAND: 'GC', CNI_PATH: dir }, JSON.stringify(gc));
    expect(r).toEqual({ exitCode: 0, stdout: '' });
    expect(api.list().map((a) => a.key).sort()).toEqual(['keep/eth0', 'other/eth0']);
    // The stale pod's address is released by a DEL; the plugin (1.0.0) has no GC of its own.
    expect(ipamCalls.map((c) => [c.verb, c.env.CNI_CONTAINERID, c.env.CNI_IFNAME])).toEqual([['DEL', 'stale', 'eth0']]);
  });

  it('STATUS answers from the agent readiness with code 50', async () => {
    const conf = { ...baseConf, cniVersion: '1.1.0' };
    expect(await handleCni(ctx, { CNI_COMMAND: 'STATUS' }, JSON.stringify(conf))).toEqual({ exitCode: 0, stdout: '' });
    api.ready = false;
    api.reason = 'OVS unreachable';
    const r = await handleCni(ctx, { CNI_COMMAND: 'STATUS' }, JSON.stringify(conf));
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ cniVersion: '1.1.0', code: 50, msg: expect.stringContaining('OVS unreachable') });
  });

  it('answers VERSION and env errors without a config', async () => {
    expect(JSON.parse((await handleCni(ctx, { CNI_COMMAND: 'VERSION' }, '{"cniVersion":"0.3.1"}')).stdout).cniVersion).toBe('0.3.1');
    const r = await handleCni(ctx, { CNI_COMMAND: 'ADD' }, '{"cniVersion":"0.3.0"}');
    expect(JSON.parse(r.stdout)).toMatchObject({ cniVersion: '0.3.0', code: 4 });
  });
});
