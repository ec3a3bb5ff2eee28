/**
 * One-NIC hosts (issue 10, deliverable 7) on a 2-host lab made with NP_LAB_VXLAN=onenic:
 * each host's one NIC up0 carries its address 198.18.100.N, the intent's Hosts[] names
 * that NIC and address, and the agents run with their defaults (no --uplink, --vtep-ip,
 * --vxlan-dev). VXLAN and VLAN containers reach each other across hosts, `get hosts` shows
 * the kernel path, and combinations that cannot work are refused naming the flag or field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Lab, ROOT, runAsync } from '../helpers/lab.js';
import { expectReachability } from '../helpers/reachability.js';

let lab: Lab | undefined;

function L(): Lab {
  if (!lab) throw new Error('lab not up');
  return lab;
}

const VNI = 36001;
const HOSTS = [1, 2].map((n) => ({ Name: `host${n}`, Intf: 'up0', VtepIp: `198.18.100.${n}` }));
const tenant = (hosts: object[]) => ({
  Hosts: hosts,
  Tenants: [
    {
      Name: 'one',
      DefaultNetType: 'vxlan',
      SubnetPool: '11.36.0.0/16',
      AllocSubnetLen: 24,
      Vlans: '360-369',
      Vxlans: `${VNI}-${VNI + 9}`,
      Networks: [
        { Name: 'ov', Endpoints: [{ Host: 'host1', Container: 'ov1' }, { Host: 'host2', Container: 'ov2' }] },
        { Name: 'vl', PktTagType: 'vlan', Endpoints: [{ Host: 'host1', Container: 'vl1' }, { Host: 'host2', Container: 'vl2' }] },
      ],
    },
  ],
});

/** Polls `f` until it returns true, or fails with `what` and `detail()`. */
async function waitFor(what: string, f: () => boolean, timeoutMs: number, detail: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > end) throw new Error(`${what} not seen within ${timeoutMs} ms:\n${detail()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs a throwaway agent in `host`'s namespace on a bridge of its own; it must refuse to start. */
async function refusedAgent(host: string, bridge: string, args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const r = await runAsync(
      'ip',
      ['netns', 'exec', L().netnsName(host), join(ROOT, 'bin/netagent'), '--store', 'etcd://198.18.200.254:2379', '--ovs-rundir', L().ovsRundir(host), '--bridge', bridge, '--api-socket', 'none', '--docker-plugin-socket', 'none', '--docker-socket', 'none', ...args],
      60_000,
    );
    return { code: r.code, stderr: r.stderr };
  } finally {
    L().ovs(host, ['ovs-vsctl', '--if-exists', 'del-br', bridge]);
  }
}

beforeAll(async () => {
  lab = await Lab.up({ hosts: 2, vxlan: 'onenic' });
}, 360_000);

afterAll(async () => {
  await lab?.down();
});

describe('one-NIC hosts, agents with their defaults', () => {
  it('the host has its address on its one NIC and the agent got no uplink/VTEP/VXLAN flags', () => {
    expect(L().hostExec('host1', ['ip', '-4', '-br', 'addr', 'show', 'up0']).out).toContain('198.18.100.1/24');
    const args = L().hostExec('host1', ['cat', join(L().dir, 'host1', 'netagent.args')]).out;
    expect(args).not.toMatch(/--uplink|--vtep-ip|--vxlan-dev/);
  });

  it('VXLAN and VLAN containers reach each other across hosts over the kernel VXLAN path, chosen automatically', async () => {
    await L().applyIntent(tenant(HOSTS));
    for (const [c, h] of [['ov1', 'host1'], ['ov2', 'host2'], ['vl1', 'host1'], ['vl2', 'host2']]) L().addContainer(h, c);
    await L().waitAttached(['ov1', 'ov2', 'vl1', 'vl2'], 90_000);
    const r = await expectReachability(L());
    expect(r.pairs.filter((p) => p.expected)).toHaveLength(12);
    for (const h of ['host1', 'host2']) {
      expect(L().agentLog(h)).toContain(`VXLAN path: Hosts[].VtepIp of ${h} (198.18.100.${h.slice(4)}) is an address of up0: kernel VXLAN devices over up0`);
      const dev = L().hostExec(h, ['ip', '-d', 'link', 'show', `npx${VNI}`]).out;
      expect(dev).toMatch(new RegExp(`vxlan id ${VNI} local 198\\.18\\.100\\.${h.slice(4)} dev up0`));
      // The address stays on the NIC alone: not duplicated on netplugin-phy.
      expect(L().hostExec(h, ['ip', '-4', '-br', 'addr', 'show', 'netplugin-phy']).out).not.toContain('198.18.100.');
    }
  });

  it('netdcli get hosts shows each host\'s VXLAN path', async () => {
    const table = L().netdcli(['get', 'hosts']).stdout;
    expect(table.split('\n')[0]).toMatch(/HOST\s+UPLINK\s+VTEP\s+VXLAN\s+AGENT/);
    expect(table).toMatch(/host1\s+up0\s+198\.18\.100\.1\s+kernel\s+registered/);
    expect(table).toMatch(/host2\s+up0\s+198\.18\.100\.2\s+kernel\s+registered/);
  });

  it('refuses at start an --uplink that does not exist, naming the flag', async () => {
    const r = await refusedAgent('host1', 'nprefuse', ['--host-label', 'host1', '--uplink', 'nope0']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--uplink nope0: no interface nope0 on this host');
  });

  it('refuses at start a host whose VXLAN path differs from its live peers\', naming them', async () => {
    // host9: an uplink without an address and a VTEP on no NIC would be the OVS tunnel; host1 and host2 use kernel devices.
    const ns = L().netnsName('host2');
    await runAsync('ip', ['-n', ns, 'link', 'add', 'mixa', 'type', 'veth', 'peer', 'name', 'mixb']);
    try {
      const r = await refusedAgent('host2', 'npmix', ['--host-label', 'host9', '--uplink', 'mixa', '--vtep-ip', '198.18.102.9']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('this host would use the ovs VXLAN path but host1 (kernel), host2 (kernel) use the other one');
    } finally {
      await runAsync('ip', ['-n', ns, 'link', 'del', 'mixa']);
    }
    expect(L().netdcli(['get', 'hosts']).stdout).not.toContain('host9');
  });

  it('a Hosts[] entry that cannot work fails the rounds naming the field, and the right one repairs them', async () => {
    await L().applyIntent(tenant([HOSTS[0], { Name: 'host2', Intf: 'eth9', VtepIp: '198.18.100.2' }]));
    await waitFor('host2 refusing Hosts[].Intf', () => L().agentLog('host2').includes('Hosts[].Intf of host2 (eth9): no interface eth9 on this host'), 15_000, () => L().agentLog('host2').slice(-2000));
    await L().applyIntent(tenant(HOSTS));
    await L().waitAttached(['ov1', 'ov2', 'vl1', 'vl2'], 60_000);
    await expectReachability(L());
  });
});
