import { describe, expect, it } from 'vitest';
import { FakeNetlinkSession } from '../../../test/helpers/fake-netlink-session.js';
import { runOps } from './executor.js';
import { NetlinkTransport } from './transport.js';
import type { NetlinkOp, VfSettings } from './types.js';
import { checkVfSettings } from './vf-settings.js';

const genl = { decodeFamilyId: () => 0, decodeFeatures: () => ({}) };

describe('checkVfSettings', () => {
  it('accepts every setting at its limits', () => {
    const good: VfSettings[] = [
      { vf: 0, mac: '02:00:00:00:00:01' },
      { vf: 2 ** 31 - 2, mac: '00:00:00:00:00:00' },
      { vf: 0, vlan: 0 },
      { vf: 0, vlan: 4095, qos: 7, vlanProto: '802.1ad' },
      { vf: 0, vlan: 1, vlanProto: '802.1Q' },
      { vf: 0, txRate: 0 },
      { vf: 0, minTxRate: 10, maxTxRate: 10 },
      // max 0 = no limit, so a guarantee is allowed under it.
      { vf: 0, minTxRate: 10, maxTxRate: 0 },
      { vf: 0, maxTxRate: 2 ** 32 - 1 },
      { vf: 0, spoofchk: false, trust: true, linkState: 'disable' },
    ];
    for (const s of good) expect(checkVfSettings('pf0', s), JSON.stringify(s)).toBeUndefined();
  });

  // Each bad value, and the field its error must name.
  const bad: Array<[Record<string, unknown>, string]> = [
    [{ vf: -1, trust: true }, 'vf'],
    [{ vf: 1.5, trust: true }, 'vf'],
    [{ vf: 2 ** 31 - 1, trust: true }, 'vf'],
    [{ trust: true }, 'vf'],
    [{ vf: 0, mac: '02:00:00:00:00' }, 'mac'],
    [{ vf: 0, mac: 'zz:00:00:00:00:01' }, 'mac'],
    [{ vf: 0, mac: '01:00:5e:00:00:01' }, 'mac'],
    [{ vf: 0, vlan: 4096 }, 'vlan'],
    [{ vf: 0, vlan: -1 }, 'vlan'],
    [{ vf: 0, vlan: 10, qos: 8 }, 'qos'],
    [{ vf: 0, qos: 1 }, 'qos'],
    [{ vf: 0, vlan: 10, vlanProto: '802.1x' }, 'vlanProto'],
    [{ vf: 0, vlanProto: '802.1ad' }, 'vlanProto'],
    [{ vf: 0, txRate: -1 }, 'txRate'],
    [{ vf: 0, txRate: 100, maxTxRate: 100 }, 'txRate'],
    [{ vf: 0, minTxRate: -5 }, 'minTxRate'],
    [{ vf: 0, maxTxRate: 2 ** 32 }, 'maxTxRate'],
    [{ vf: 0, minTxRate: 200, maxTxRate: 100 }, 'minTxRate'],
    [{ vf: 0, spoofchk: 'on' }, 'spoofchk'],
    [{ vf: 0, trust: 1 }, 'trust'],
    [{ vf: 0, linkState: 'up' }, 'linkState'],
    [{ vf: 0 }, 'settings'],
  ];
  it.each(bad)('refuses %j naming %s', (s, field) => {
    const e = checkVfSettings('ens1f0', s as unknown as VfSettings);
    expect(e?.code).toBe('NP_INVALID_ARGUMENT');
    expect(e!.message).toContain('ens1f0');
    expect(e!.message).toMatch(new RegExp(`: ${field} `));
  });
});

describe('vfSet op semantics against the message-level fake', () => {
  async function run(ops: NetlinkOp[]) {
    const kernel = new FakeNetlinkSession();
    const pf = kernel.addPf('', 'ens1f0', 4);
    kernel.addLink('', 'veth0', 'veth');
    const results = await runOps(ops, new NetlinkTransport(kernel), genl);
    return { kernel, results, pf };
  }

  it('sends one RTM_NEWLINK on the PF index with only the given settings', async () => {
    const { kernel, results, pf } = await run([{ op: 'vfSet', name: 'ens1f0', vf: 2, vlan: 20, qos: 1, spoofchk: true }]);
    expect(results).toEqual([{ ok: true }]);
    const sent = kernel.steps().filter((s) => s.label === 'RTM_NEWLINK');
    expect(sent.map((s) => s.spec)).toEqual([{ op: 'vfSet', index: pf, vf: 2, vlan: 20, qos: 1, spoofchk: true }]);
    expect(kernel.link('', 'ens1f0')!.vfs![2]).toEqual({ vf: 2, vlan: 20, qos: 1, spoofchk: true });
  });

  it('refuses bad input before anything is sent, naming the field', async () => {
    const { kernel, results } = await run([{ op: 'vfSet', name: 'ens1f0', vf: 0, vlan: 5000 }]);
    expect(results[0].ok).toBe(false);
    if (results[0].ok) return;
    expect(results[0].error.code).toBe('NP_INVALID_ARGUMENT');
    expect(results[0].error.message).toMatch(/vlan 5000/);
    expect(kernel.steps()).toEqual([]);
    expect(kernel.link('', 'ens1f0')!.vfs![0]).toEqual({ vf: 0 });
  });

  it('a missing PF is ENODEV naming it; a PF without VF support is EOPNOTSUPP naming PF and VF', async () => {
    const { results } = await run([
      { op: 'vfSet', name: 'nope0', vf: 0, trust: true },
      { op: 'vfSet', name: 'veth0', vf: 1, trust: true },
    ]);
    const [missing, unsupported] = results.map((r) => (r.ok ? undefined : r.error));
    expect(missing).toMatchObject({ code: 'NP_NETLINK', errno: 19 });
    expect(missing!.message).toContain('nope0');
    expect(unsupported).toMatchObject({ code: 'NP_NETLINK', errno: 95, syscall: 'RTM_NEWLINK' });
    expect(unsupported!.message).toContain('veth0 vf 1');
  });

  it('linkGet of a PF reports numVf and each VF', async () => {
    const { results } = await run([
      { op: 'vfSet', name: 'ens1f0', vf: 1, mac: '02:00:00:00:00:09' },
      { op: 'linkGet', name: 'ens1f0' },
    ]);
    expect(results[1]).toMatchObject({ ok: true, value: { numVf: 4, vfs: [{ vf: 0 }, { vf: 1, mac: '02:00:00:00:00:09' }, { vf: 2 }, { vf: 3 }] } });
  });
});
