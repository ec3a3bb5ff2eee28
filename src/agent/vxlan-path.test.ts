import { describe, expect, it } from 'vitest';
import type { AddrInfo } from '../datapath/kernel/index.js';
import { chooseVxlanPath, pathConflict, type VxlanPathInput } from './vxlan-path.js';

const addr = (name: string, cidr: string): AddrInfo => ({ name, index: 1, cidr, family: cidr.includes(':') ? 6 : 4 });

/** A host namespace: lo, eth0 (address 10.0.0.1/24 unless given), eth1 without an address. */
function input(over: Partial<VxlanPathInput> = {}): VxlanPathInput {
  return {
    bridge: 'netplugin',
    flags: {},
    links: ['lo', 'eth0', 'eth1'],
    addrs: [addr('lo', '127.0.0.1/8'), addr('eth0', '10.0.0.1/24'), addr('eth0', 'fe80::1/64')],
    ...over,
  };
}

function refusal(i: VxlanPathInput): { code: string; message: string } {
  try {
    chooseVxlanPath(i);
  } catch (err) {
    const e = err as { code: string; message: string };
    return { code: e.code, message: e.message };
  }
  throw new Error('expected a refusal');
}

describe('chooseVxlanPath', () => {
  it('one-NIC server with defaults: the VTEP sits on the uplink NIC, so the kernel path over that NIC, and no address on netplugin-phy', () => {
    const plan = chooseVxlanPath(input({ self: { name: 'host1', intf: 'eth0', vtepIp: '10.0.0.1' } }));
    expect(plan).toMatchObject({ path: 'kernel', uplink: 'eth0', kernelDev: { dev: 'eth0', vtepIp: '10.0.0.1' }, vtepIp: '10.0.0.1' });
    expect(plan.phyVtep).toBeUndefined();
    expect(plan.reason).toBe('Hosts[].VtepIp of host1 (10.0.0.1) is an address of eth0: kernel VXLAN devices over eth0');
  });

  it('the VTEP given with a prefix still matches the NIC address', () => {
    expect(chooseVxlanPath(input({ flags: { vtepIp: '10.0.0.1/24' } }))).toMatchObject({ path: 'kernel', kernelDev: { dev: 'eth0', vtepIp: '10.0.0.1' }, uplink: undefined });
  });

  it('the VTEP on another NIC than the uplink: kernel path over the NIC that holds it, uplink kept for VLANs', () => {
    const plan = chooseVxlanPath(input({ self: { name: 'h', intf: 'eth1', vtepIp: '10.0.0.1' } }));
    expect(plan).toMatchObject({ path: 'kernel', uplink: 'eth1', kernelDev: { dev: 'eth0', vtepIp: '10.0.0.1' } });
  });

  it('a dedicated uplink without an address and a VTEP on no NIC: the OVS tunnel, address on netplugin-phy', () => {
    const plan = chooseVxlanPath(input({ self: { name: 'host2', intf: 'eth1', vtepIp: '192.168.9.2' } }));
    expect(plan).toMatchObject({ path: 'ovs', uplink: 'eth1', phyVtep: '192.168.9.2', vtepIp: '192.168.9.2' });
    expect(plan.kernelDev).toBeUndefined();
  });

  it('the address already on netplugin-phy (an earlier OVS-path round) does not count as a kernel NIC', () => {
    const plan = chooseVxlanPath(input({ addrs: [addr('netplugin-phy', '192.168.9.2/24')], self: { name: 'h', intf: 'eth1', vtepIp: '192.168.9.2' } }));
    expect(plan.path).toBe('ovs');
  });

  it('flags win over Hosts[]', () => {
    const plan = chooseVxlanPath(input({ flags: { uplink: 'eth1', vtepIp: '192.168.9.7/16' }, self: { name: 'h', intf: 'eth0', vtepIp: '10.0.0.1' } }));
    expect(plan).toMatchObject({ path: 'ovs', uplink: 'eth1', phyVtep: '192.168.9.7/16', vtepIp: '192.168.9.7' });
  });

  it('no VTEP anywhere: no VXLAN path, the uplink still carries VLANs', () => {
    expect(chooseVxlanPath(input({ self: { name: 'h', intf: 'eth1' } }))).toMatchObject({ path: 'none', uplink: 'eth1' });
    expect(chooseVxlanPath(input())).toMatchObject({ path: 'none', uplink: undefined });
  });

  it('--vxlan-dev: the kernel path from that NIC\'s address; the OVS side keeps the VTEP it was given (the lab: ux0 + VtepIp on up0)', () => {
    const plan = chooseVxlanPath(input({ flags: { vxlanDev: 'eth0' }, self: { name: 'h', intf: 'eth1', vtepIp: '198.18.100.1' } }));
    expect(plan).toMatchObject({ path: 'kernel', uplink: 'eth1', phyVtep: '198.18.100.1', kernelDev: { dev: 'eth0', vtepIp: '10.0.0.1' }, vtepIp: '10.0.0.1' });
  });

  it('refuses --uplink / Hosts[].Intf naming an interface the host lacks', () => {
    expect(refusal(input({ flags: { uplink: 'eth9' } }))).toEqual({ code: 'NP_UNDERLAY_CONFIG', message: '--uplink eth9: no interface eth9 on this host; name the NIC toward the other hosts' });
    expect(refusal(input({ self: { name: 'host3', intf: 'ens5', vtepIp: '10.0.0.1' } }))).toEqual({
      code: 'NP_UNDERLAY_CONFIG',
      message: 'Hosts[].Intf of host3 (ens5): no interface ens5 on this host; name the NIC toward the other hosts',
    });
  });

  it('refuses netplugin\'s own phy port as uplink or VXLAN device', () => {
    const links = ['lo', 'eth0', 'netplugin-phy'];
    expect(refusal(input({ links, flags: { uplink: 'netplugin-phy' } })).message).toBe("--uplink netplugin-phy: netplugin-phy is netplugin's own OVS port, not a NIC");
    expect(refusal(input({ links, flags: { vxlanDev: 'netplugin-phy' } })).message).toBe(
      "--vxlan-dev netplugin-phy: netplugin-phy is netplugin's own OVS port; name the NIC that carries the host's address",
    );
  });

  it('refuses a --vxlan-dev that does not exist or has no IPv4 address', () => {
    expect(refusal(input({ flags: { vxlanDev: 'eth7' } })).message).toBe('--vxlan-dev eth7: no interface eth7 on this host');
    expect(refusal(input({ flags: { vxlanDev: 'eth1' } })).message).toBe('--vxlan-dev eth1 has no IPv4 address to use as the VTEP');
  });

  it('refuses a VTEP on no interface when there is no uplink to put it on', () => {
    expect(refusal(input({ self: { name: 'host1', vtepIp: '192.168.9.1' } })).message).toBe(
      'Hosts[].VtepIp of host1 (192.168.9.1) is on no interface of this host and there is no uplink to put it on: set --uplink / Hosts[].Intf of host1, or configure the address on a NIC (then --vxlan-dev is chosen for it)',
    );
  });

  it('refuses an uplink that carries its own address while the VTEP is another one (OVS could not send from it)', () => {
    expect(refusal(input({ self: { name: 'host1', intf: 'eth0', vtepIp: '10.0.0.99' } })).message).toBe(
      'Hosts[].Intf of host1 (eth0) carries its own address 10.0.0.1/24, so OVS cannot send VXLAN from 10.0.0.99 over it: set Hosts[].VtepIp of host1 to 10.0.0.1 (the kernel VXLAN path is then chosen), or use an uplink without an address',
    );
    expect(refusal(input({ flags: { uplink: 'eth0', vtepIp: '10.0.0.99' } })).message).toContain('--uplink eth0 carries its own address 10.0.0.1/24, so OVS cannot send VXLAN from 10.0.0.99 over it: set --vtep-ip to 10.0.0.1');
  });
});

describe('pathConflict', () => {
  it('accepts peers on the same path, peers without VXLAN, itself, and a host without VXLAN', () => {
    expect(pathConflict({ host: 'h1', vxlan: 'kernel', vxlanSince: 't5' }, [{ host: 'h1', vxlan: 'ovs' }, { host: 'h2', vxlan: 'kernel' }, { host: 'h3' }])).toBeUndefined();
    expect(pathConflict({ host: 'h1' }, [{ host: 'h2', vxlan: 'kernel' }])).toBeUndefined();
  });

  it('refuses the host that took its path last, naming the peers on the other one and what to change', () => {
    const peers = [
      { host: 'h3', vxlan: 'kernel', vxlanSince: '2026-01-01T00:00:01Z' },
      { host: 'h2', vxlan: 'kernel' },
    ];
    expect(pathConflict({ host: 'h1', vxlan: 'ovs', vxlanSince: '2026-01-01T00:00:02Z' }, peers)).toBe(
      "this host would use the ovs VXLAN path but h2 (kernel), h3 (kernel) use the other one; every host of a cluster must use the same path: put each host's VtepIp on its NIC (kernel) or on none (ovs), or set --vxlan-dev on all of them",
    );
  });

  it('gives both sides of a pair the same verdict: the earlier host keeps its path, a tie goes to the smaller host name', () => {
    const a = { host: 'h1', vxlan: 'kernel', vxlanSince: 't1' };
    const b = { host: 'h2', vxlan: 'ovs', vxlanSince: 't2' };
    expect(pathConflict(a, [b])).toBeUndefined();
    expect(pathConflict(b, [a])).toContain('h1 (kernel)');
    const c = { host: 'h0', vxlan: 'ovs', vxlanSince: 't1' };
    expect(pathConflict(a, [c])).toContain('h0 (ovs)');
    expect(pathConflict(c, [a])).toBeUndefined();
  });
});
