import { describe, expect, it } from 'vitest';
import { NetpluginError } from '../common/errors.js';
import type { AttachmentStatus } from '../runtime/types.js';
import { attachmentResult, convertResult, encodeResult, mergeResults, parseCidr } from './result.js';

const attachment = {
  ip: '10.1.0.5',
  prefixLen: 24,
  gateway: '10.1.0.1',
  mac: '02:02:0a:01:00:05',
  mtu: 1450,
  hostPort: 'vnp1234',
} as AttachmentStatus;

const view = { attachment, ifName: 'eth0', netns: '/run/netns/p1', defaultRoute: true };

describe('cni results per version', () => {
  it('0.3.x and 0.4.0 results carry ips[].version', () => {
    for (const v of ['0.3.0', '0.3.1', '0.4.0'] as const) {
      const r = attachmentResult(view, v);
      expect(r).toEqual({
        cniVersion: v,
        interfaces: [{ name: 'vnp1234' }, { name: 'eth0', mac: '02:02:0a:01:00:05', sandbox: '/run/netns/p1' }],
        ips: [{ version: '4', address: '10.1.0.5/24', gateway: '10.1.0.1', interface: 1 }],
        routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }],
        dns: {},
      });
    }
  });

  it('1.0.0 drops version; 1.1.0 adds the interface mtu', () => {
    expect(attachmentResult(view, '1.0.0').ips).toEqual([{ address: '10.1.0.5/24', gateway: '10.1.0.1', interface: 1 }]);
    expect(attachmentResult(view, '1.0.0').interfaces![1].mtu).toBeUndefined();
    expect(attachmentResult(view, '1.1.0').interfaces![1].mtu).toBe(1450);
  });

  it('converts between versions both ways', () => {
    const v11 = {
      cniVersion: '1.1.0',
      interfaces: [{ name: 'eth0', mac: 'aa', sandbox: '/x', mtu: 9000, pciID: '0000:01:00.0' }],
      ips: [{ address: 'fd00::2/64', interface: 0 }, { address: '10.0.0.2/24' }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1', table: 100, priority: 5 }],
      dns: { nameservers: ['10.0.0.53'] },
      extraKey: 1,
    };
    const old = convertResult(v11, '0.4.0', 'prevResult');
    expect(old.interfaces).toEqual([{ name: 'eth0', mac: 'aa', sandbox: '/x' }]);
    expect(old.ips).toEqual([
      { version: '6', address: 'fd00::2/64', interface: 0 },
      { version: '4', address: '10.0.0.2/24' },
    ]);
    expect(old.routes).toEqual([{ dst: '0.0.0.0/0', gw: '10.0.0.1' }]);
    expect(old.extraKey).toBe(1);
    const back = convertResult(old, '1.1.0', 'prevResult');
    expect(back.ips![0]).toEqual({ address: 'fd00::2/64', interface: 0 });
    expect(convertResult(v11, '1.1.0', 'prevResult').routes).toEqual(v11.routes);
  });

  it('rejects malformed results naming the field and who produced them', () => {
    const bad = (r: unknown, source: 'prevResult' | 'ipam') => {
      try {
        convertResult(r, '1.0.0', source);
      } catch (err) {
        return err as NetpluginError;
      }
      throw new Error('expected failure');
    };
    expect(bad({ ips: [{ address: '10.0.0.1/33' }] }, 'prevResult').message).toContain('prevResult.ips[0].address');
    expect(bad({ ips: [{ address: '10.0.0.1/24', gateway: 'fd00::1' }] }, 'prevResult').message).toContain('gateway');
    expect(bad({ interfaces: [{}], ips: [] }, 'prevResult').message).toContain('interfaces[0].name');
    expect(bad({ interfaces: [], ips: [{ address: '10.0.0.1/24', interface: 3 }] }, 'prevResult').message).toContain('interface');
    const ipam = bad({ ip4: { ip: '10.0.0.1/24' } }, 'ipam');
    expect(ipam.code).toBe('NP_IPAM_DELEGATE');
    expect(ipam.details!.cniCode).toBe(105);
  });

  it('chains after a previous result, shifting interface indexes', () => {
    const prev = convertResult({ interfaces: [{ name: 'lo0' }, { name: 'x0' }], ips: [{ address: '192.168.0.2/24', interface: 1 }], routes: [], dns: { domain: 'a' } }, '1.0.0', 'prevResult');
    const m = mergeResults(prev, attachmentResult(view, '1.0.0'));
    expect(m.interfaces!.map((i) => i.name)).toEqual(['lo0', 'x0', 'vnp1234', 'eth0']);
    expect(m.ips!.map((i) => i.interface)).toEqual([1, 3]);
    expect(m.dns).toEqual({ domain: 'a' });
  });

  it('encodes with the spec key order', () => {
    const text = encodeResult(attachmentResult(view, '1.1.0'));
    expect(Object.keys(JSON.parse(text))).toEqual(['cniVersion', 'interfaces', 'ips', 'routes', 'dns']);
  });

  it('parses CIDRs of both families', () => {
    expect(parseCidr('10.0.0.1/8')).toEqual({ ip: '10.0.0.1', prefixLen: 8, family: 4 });
    expect(parseCidr('fd00::1/64')?.family).toBe(6);
    expect(parseCidr('10.0.0.1')).toBeUndefined();
    expect(parseCidr('10.0.0.1/x')).toBeUndefined();
  });
});
