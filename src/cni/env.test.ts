import { describe, expect, it } from 'vitest';
import { NetpluginError } from '../common/errors.js';
import { attachmentKey, ifNameProblem, parseCniArgs, parseEnv } from './env.js';

const base = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'abc123', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin:/usr/lib/cni' };

function failure(env: Record<string, string | undefined>): { code: number; msg: string } {
  let err: unknown;
  try {
    parseEnv(env);
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a failure').toBeInstanceOf(NetpluginError);
  const e = err as NetpluginError;
  return { code: e.details!.cniCode as number, msg: e.message };
}

describe('cni environment', () => {
  it('parses a complete ADD environment', () => {
    const env = parseEnv({ ...base, CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=web-0', OTHER: 'x' });
    expect(env.command).toBe('ADD');
    expect(env.containerId).toBe('abc123');
    expect(env.path).toEqual(['/opt/cni/bin', '/usr/lib/cni']);
    expect(env.args.get('K8S_POD_NAME')).toBe('web-0');
    expect(Object.keys(env.raw).sort()).toEqual(['CNI_ARGS', 'CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_NETNS', 'CNI_PATH']);
  });

  it.each([
    ['CNI_COMMAND', { ...base, CNI_COMMAND: undefined }],
    ['CNI_COMMAND', { ...base, CNI_COMMAND: 'FROB' }],
    ['CNI_CONTAINERID', { ...base, CNI_CONTAINERID: undefined }],
    ['CNI_CONTAINERID', { ...base, CNI_CONTAINERID: '-bad' }],
    ['CNI_CONTAINERID', { ...base, CNI_CONTAINERID: 'a/b' }],
    ['CNI_NETNS', { ...base, CNI_NETNS: '' }],
    ['CNI_NETNS', { ...base, CNI_NETNS: 'relative/ns' }],
    ['CNI_IFNAME', { ...base, CNI_IFNAME: undefined }],
    ['CNI_IFNAME', { ...base, CNI_IFNAME: 'a-very-long-ifname' }],
    ['CNI_IFNAME', { ...base, CNI_IFNAME: 'eth 0' }],
    ['CNI_IFNAME', { ...base, CNI_IFNAME: '.' }],
    ['CNI_IFNAME', { ...base, CNI_IFNAME: '..' }],
    ['CNI_IFNAME', { ...base, CNI_IFNAME: 'eth/0' }],
    ['CNI_IFNAME', { ...base, CNI_IFNAME: 'eth:0' }],
    ['CNI_ARGS', { ...base, CNI_ARGS: 'K8S_POD_NAME' }],
    ['CNI_ARGS', { ...base, CNI_ARGS: '=x' }],
  ])('fails with code 4 naming %s', (name, env) => {
    const f = failure(env);
    expect(f.code).toBe(4);
    expect(f.msg).toContain(name);
  });

  it('requires per verb only what the spec requires', () => {
    expect(parseEnv({ CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0' }).netns).toBeUndefined();
    expect(failure({ CNI_COMMAND: 'CHECK', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0' }).msg).toContain('CNI_NETNS');
    expect(parseEnv({ CNI_COMMAND: 'STATUS' }).command).toBe('STATUS');
    expect(failure({ CNI_COMMAND: 'GC' }).msg).toContain('CNI_PATH');
    expect(parseEnv({ CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' }).path).toEqual(['/opt/cni/bin']);
    expect(parseEnv({ CNI_COMMAND: 'VERSION' }).command).toBe('VERSION');
  });

  it('checks interface names like the kernel does', () => {
    expect(ifNameProblem('eth0')).toBeUndefined();
    expect(ifNameProblem('123456789012345')).toBeUndefined();
    expect(ifNameProblem('1234567890123456')).toMatch(/15 bytes/);
    expect(ifNameProblem('..')).toBeDefined();
    expect(ifNameProblem('a:b')).toBeDefined();
    expect(ifNameProblem('net@1')).toMatch(/letters, digits/);
    expect(ifNameProblem('net-1.a_b')).toBeUndefined();
  });

  it('parses CNI_ARGS, tolerating empty segments', () => {
    expect([...parseCniArgs('A=1;;B=x=y;')]).toEqual([
      ['A', '1'],
      ['B', 'x=y'],
    ]);
    expect(parseCniArgs(undefined).size).toBe(0);
    expect(attachmentKey('c1', 'eth0')).toBe('c1/eth0');
  });
});
