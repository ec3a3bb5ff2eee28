import { describe, expect, it } from 'vitest';
import { netlinkAddon } from './native.js';
import type { VfSettings } from './types.js';
import { VF_CASES } from '../../../test/helpers/vf-cases.js';
import { firstDiff, requestFixtures, withoutSeq } from '../../../test/fixtures/netlink/load.js';

// Captured by test/fixtures/netlink/capture-vf.mjs from `ip link set pf0 vf N ...` on a veth.
const fixtures = requestFixtures('vf-requests.json');
const addon = netlinkAddon();

const cases = VF_CASES;

function build(name: string, s: VfSettings): { got: Buffer; want: Buffer } {
  const f = fixtures.get(name);
  if (!f) throw new Error(`no fixture ${name}`);
  const got = withoutSeq(addon.buildRequest({ op: 'vfSet', index: f.ifindex.pf0, ...s }));
  return { got, want: withoutSeq(Buffer.from(f.sent[0], 'hex')) };
}

describe('vfSet requests match the bytes `ip link set PF vf N ...` sends', () => {
  it('covers every captured command', () => {
    expect(cases.map(([n]) => n).sort()).toEqual([...fixtures.keys()].sort());
  });

  it.each(cases)('%s', (name, settings) => {
    const { got, want } = build(name, settings);
    const at = firstDiff(got, want);
    expect(at, `first differing byte at offset ${at}\n got  ${got.toString('hex')}\n want ${want.toString('hex')}`).toBe(-1);
  });

  it('is 120 bytes for mac + vlan + spoofchk + trust, as LAB.md measured', () => {
    expect(build('vf-mac-vlan-spoofchk-trust', cases.find(([n]) => n === 'vf-mac-vlan-spoofchk-trust')![1]).got.length).toBe(120);
  });

  it('a different VF number or setting changes the bytes (the comparison can fail)', () => {
    const f = fixtures.get('vf-trust-on')!;
    const want = withoutSeq(Buffer.from(f.sent[0], 'hex'));
    const other = withoutSeq(addon.buildRequest({ op: 'vfSet', index: f.ifindex.pf0, vf: 1, trust: true }));
    const off = withoutSeq(addon.buildRequest({ op: 'vfSet', index: f.ifindex.pf0, vf: 0, trust: false }));
    expect(firstDiff(other, want)).toBeGreaterThan(0);
    expect(firstDiff(off, want)).toBeGreaterThan(0);
  });

  it('the addon itself refuses out-of-range numbers and unknown names (a caller that skipped the TS checks)', () => {
    expect(() => addon.buildRequest({ op: 'vfSet', index: 1, vf: -1, trust: true })).toThrow(/bad vf/);
    expect(() => addon.buildRequest({ op: 'vfSet', index: 1, trust: true })).toThrow(/bad vf/);
    expect(() => addon.buildRequest({ op: 'vfSet', index: 1, vf: 0, vlan: 4096 })).toThrow(/bad vlan/);
    expect(() => addon.buildRequest({ op: 'vfSet', index: 1, vf: 0, vlan: 1, qos: 8 })).toThrow(/bad qos/);
    expect(() => addon.buildRequest({ op: 'vfSet', index: 1, vf: 0, maxTxRate: 2 ** 32 })).toThrow(/bad maxTxRate/);
    expect(() => addon.buildRequest({ op: 'vfSet', index: 1, vf: 0, vlan: 1, vlanProto: '802.1x' })).toThrow(/bad vlanProto/);
    expect(() => addon.buildRequest({ op: 'vfSet', index: 1, vf: 0, linkState: 'up' })).toThrow(/bad linkState/);
    expect(() => addon.buildRequest({ op: 'vfSet', index: 1, vf: 0, mac: '02:00' })).toThrow(/bad MAC/);
  });
});

describe('vfSet request round trip through the link decoder', () => {
  // A request and a dump reply carry IFLA_VFINFO_LIST in the same layout, so the decoder reads
  // back exactly the settings a request carries.
  it.each(cases)('%s', (name, settings) => {
    const bytes = addon.buildRequest({ op: 'vfSet', index: 7, ...settings });
    const [m] = addon.decodeMessages(bytes);
    expect(m.kind).toBe('link');
    const vfs = (m.value as { vfs?: unknown[] }).vfs;
    const { minTxRate, maxTxRate, ...rest } = settings;
    const rates = minTxRate !== undefined || maxTxRate !== undefined ? { minTxRate: minTxRate ?? 0, maxTxRate: maxTxRate ?? 0 } : {};
    const vlan = settings.vlan !== undefined ? { qos: settings.qos ?? 0, vlanProto: settings.vlanProto ?? '802.1Q' } : {};
    expect(vfs).toEqual([{ ...rest, ...rates, ...vlan }]);
  });
});
