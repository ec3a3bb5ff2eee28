import { describe, expect, it } from 'vitest';
import { NetpluginError } from '../common/errors.js';
import { parseConfig } from './config.js';
import type { CniCommand } from './versions.js';

const conf = { cniVersion: '1.1.0', name: 'podnet', type: 'netplugin-cni', tenant: 't1', network: 'n1' };

function failure(stdin: string, command: CniCommand = 'ADD'): { code: number; msg: string } {
  let err: unknown;
  try {
    parseConfig(stdin, command);
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a failure').toBeInstanceOf(NetpluginError);
  const e = err as NetpluginError;
  return { code: e.details!.cniCode as number, msg: e.message };
}

describe('cni network configuration', () => {
  it('reads a single-plugin .conf', () => {
    const c = parseConfig(JSON.stringify({ ...conf, agentSocket: '/run/x.sock', dns: { nameservers: ['10.0.0.10'] } }), 'ADD');
    expect(c).toMatchObject({ cniVersion: '1.1.0', name: 'podnet', type: 'netplugin-cni', tenant: 't1', network: 'n1', agentSocket: '/run/x.sock' });
    expect(c.dns).toEqual({ nameservers: ['10.0.0.10'] });
    expect(c.runtimeConfig).toEqual({ ips: [] });
  });

  it('reads the conflist-derived form with runtimeConfig and prevResult', () => {
    const stdin = JSON.stringify({
      ...conf,
      cniVersion: '0.4.0',
      runtimeConfig: { ips: ['10.1.0.9/24'], mac: '02:AA:00:00:00:01', portMappings: [] },
      prevResult: { cniVersion: '0.4.0', interfaces: [{ name: 'x' }], ips: [{ version: '4', address: '10.9.0.2/24', interface: 0 }], dns: {} },
    });
    const c = parseConfig(stdin, 'ADD');
    expect(c.runtimeConfig).toEqual({ ips: ['10.1.0.9'], mac: '02:aa:00:00:00:01' });
    expect(c.prevResult?.ips).toEqual([{ version: '4', address: '10.9.0.2/24', interface: 0 }]);
  });

  it('fails to decode with code 6', () => {
    expect(failure('{not json')).toMatchObject({ code: 6 });
    expect(failure('')).toMatchObject({ code: 6 });
    expect(failure('[1,2]')).toMatchObject({ code: 6 });
  });

  it('rejects unsupported versions and verbs the version lacks with code 1', () => {
    expect(failure(JSON.stringify({ ...conf, cniVersion: '0.2.0' })).code).toBe(1);
    expect(failure(JSON.stringify({ ...conf, cniVersion: undefined })).msg).toMatch(/missing/);
    expect(failure(JSON.stringify({ ...conf, cniVersion: '0.3.1' }), 'CHECK')).toMatchObject({ code: 1 });
    expect(failure(JSON.stringify({ ...conf, cniVersion: '1.0.0' }), 'STATUS').msg).toMatch(/STATUS needs CNI 1\.1\.0/);
    expect(failure(JSON.stringify({ ...conf, cniVersion: '1.0.0' }), 'GC').code).toBe(1);
  });

  it.each([
    ['cniVersion', { ...conf, cniVersion: 1 }],
    ['name', { ...conf, name: undefined }],
    ['name', { ...conf, name: '-x' }],
    ['type', { ...conf, type: '../bin/x' }],
    ['network', { ...conf, network: undefined }],
    ['tenant', { ...conf, tenant: '' }],
    ['agentSocket', { ...conf, agentSocket: 'relative.sock' }],
    ['ipam', { ...conf, ipam: 'host-local' }],
    ['ipam.type', { ...conf, ipam: { subnet: '10.0.0.0/24' } }],
    ['ipam.type', { ...conf, ipam: { type: '../sbin/x' } }],
    ['ipam.type', { ...conf, ipam: { type: '/usr/bin/x' } }],
    ['ipam.type', { ...conf, ipam: { type: '.' } }],
    ['ipam.type', { ...conf, ipam: { type: '..' } }],
    ['ipam.type', { ...conf, ipam: { type: 'x'.repeat(256) } }],
    ['ipam.type', { ...conf, ipam: { type: 7 } }],
    ['tenant', { ...conf, tenant: undefined, network: undefined, ipam: { type: 'host-local' } }],
    ['dns', { ...conf, dns: { nameservers: '10.0.0.1' } }],
    ['runtimeConfig', { ...conf, runtimeConfig: [] }],
    ['runtimeConfig.ips[0]', { ...conf, runtimeConfig: { ips: ['10.0.0.300'] } }],
    ['runtimeConfig.mac', { ...conf, runtimeConfig: { mac: '01:00:5e:00:00:01' } }],
    ['prevResult.ips[0].address', { ...conf, prevResult: { ips: [{ address: '10.0.0.1' }] } }],
    ['plugins', { ...conf, plugins: [{ type: 'netplugin-cni' }] }],
  ])('rejects a bad %s with code 7', (field, doc) => {
    const f = failure(JSON.stringify(doc));
    expect(f.code).toBe(7);
    expect(f.msg).toContain(field);
  });

  it('reports unsupported capability values with code 2, key and value', () => {
    const f = failure(JSON.stringify({ ...conf, runtimeConfig: { ips: ['fd00::5/64'] } }));
    expect(f.code).toBe(2);
    expect(f.msg).toContain('runtimeConfig.ips[0]="fd00::5/64"');
    expect(failure(JSON.stringify({ ...conf, runtimeConfig: { ips: ['10.0.0.5', '10.0.0.6'] } })).code).toBe(2);
  });

  it('needs prevResult for CHECK', () => {
    expect(failure(JSON.stringify(conf), 'CHECK')).toMatchObject({ code: 7, msg: expect.stringContaining('prevResult') });
  });

  it('needs valid-attachments for GC and reads both key spellings', () => {
    expect(failure(JSON.stringify(conf), 'GC').msg).toContain('cni.dev/valid-attachments');
    const v = parseConfig(JSON.stringify({ ...conf, 'cni.dev/valid-attachments': [{ containerID: 'c1', ifname: 'eth0' }] }), 'GC');
    expect(v.validAttachments).toEqual([{ containerID: 'c1', ifname: 'eth0' }]);
    const old = parseConfig(JSON.stringify({ ...conf, 'cni.dev/attachments': [] }), 'GC');
    expect(old.validAttachments).toEqual([]);
    expect(failure(JSON.stringify({ ...conf, 'cni.dev/valid-attachments': [{ containerID: 'c1' }] }), 'GC').msg).toContain('[0]');
  });

  it('reads policy groups from args.netplugin.groups, which wins over the configuration\'s groups', () => {
    expect(parseConfig(JSON.stringify({ ...conf, groups: ['web'] }), 'ADD').groups).toEqual(['web']);
    expect(parseConfig(JSON.stringify({ ...conf, groups: ['web'], args: { netplugin: { groups: ['db', 'ops'] } } }), 'ADD').groups).toEqual(['db', 'ops']);
    expect(parseConfig(JSON.stringify({ ...conf, args: { other: 1 } }), 'ADD')).not.toHaveProperty('groups');
  });

  it('names a bad groups field with code 7', () => {
    expect(failure(JSON.stringify({ ...conf, groups: 'web' }))).toEqual({ code: 7, msg: 'groups: must be a list of group names' });
    expect(failure(JSON.stringify({ ...conf, args: { netplugin: { groups: ['ok', 'a b'] } } }))).toEqual({ code: 7, msg: "args.netplugin.groups[1]: must be a group name (a non-empty string without '/' or whitespace)" });
    expect(failure(JSON.stringify({ ...conf, args: { netplugin: 'web' } }))).toEqual({ code: 7, msg: 'args.netplugin: must be an object' });
  });
});
