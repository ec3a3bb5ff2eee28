/**
 * The "Multi-host" issue's examples on a 3-host lab: VLAN and VXLAN networks across hosts,
 * tenants with overlapping subnets, VLAN hand-off to an external machine, and hosts that
 * leave and rejoin. Each scenario applies its intent, starts its containers, checks the
 * full reachability matrix, then removes its containers and applies an empty intent.
 * Needs the agent's --uplink/--vtep-ip (cross-host datapath).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, ROOT } from '../helpers/lab.js';
import { endpointTargets, expectReachability, type Target } from '../helpers/reachability.js';

let lab: Lab | undefined;

function L(): Lab {
  if (!lab) throw new Error('lab not up');
  return lab;
}

/** Hosts[] entries for the lab: uplink up0, VTEP 198.18.100.N. */
function labHosts(n: number): object[] {
  return Array.from({ length: n }, (_, i) => ({ Name: `host${i + 1}`, Intf: 'up0', VtepIp: `198.18.100.${i + 1}` }));
}

/** An example from examples/ as the lab runs it: uplink up0 and the lab VTEP addresses (the examples already use them). */
function labExample(file: string): { intent: Record<string, unknown>; placement: [string, string][] } {
  const text = readFileSync(join(ROOT, 'examples', file), 'utf8');
  const intent = JSON.parse(text) as Record<string, unknown> & { Hosts?: { Name: string }[]; HostBindings?: { Container: string; Host: string }[]; Tenants: { Networks: { Endpoints: { Container: string; Host?: string }[] }[] }[] };
  if (intent.Hosts) intent.Hosts = intent.Hosts.map((h) => ({ Name: h.Name, Intf: 'up0', VtepIp: `198.18.100.${h.Name.slice(4)}` }));
  const placement = new Map<string, string>();
  for (const b of intent.HostBindings ?? []) placement.set(b.Container, b.Host);
  for (const t of intent.Tenants) for (const n of t.Networks) for (const e of n.Endpoints) if (e.Host) placement.set(e.Container, e.Host);
  return { intent, placement: [...placement] };
}

/** Polls `f` until true, or fails with `what`. */
async function waitUntil(f: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > deadline) throw new Error(what);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Applies an intent, starts the containers where the placement says, and waits until all are attached. */
async function start(intent: object, placement: [string, string][]): Promise<void> {
  await L().applyIntent(intent);
  for (const [c, h] of placement) L().addContainer(h, c);
  await L().waitAttached(placement.map(([c]) => c), 90_000);
}

/** Removes the scenario's containers and empties the intent. */
async function stop(placement: [string, string][]): Promise<void> {
  for (const [c, h] of placement) {
    try {
      L().delContainer(h, c);
    } catch {
      // already gone (a failed start)
    }
  }
  await L().applyIntent({ Tenants: [] });
}

async function scenario(intent: object, placement: [string, string][], check: () => Promise<void>): Promise<void> {
  try {
    await start(intent, placement);
    await check();
  } finally {
    await stop(placement);
  }
}

beforeAll(async () => {
  lab = await Lab.up({ hosts: 3 });
});

afterAll(async () => {
  await lab?.down();
});

describe('multi-host lab: the issue\'s examples', () => {
  for (const file of ['two_host_vlan.json', 'two_host_vxlan.json', 'three_host_vxlan.json']) {
    it(`examples/${file}`, async () => {
      const { intent, placement } = labExample(file);
      expect(placement.length).toBeGreaterThanOrEqual(2);
      await scenario(intent, placement, async () => {
        const r = await expectReachability(L());
        expect(r.pairs.every((p) => p.expected)).toBe(true);
      });
    });
  }

  it('two hosts, two VLAN networks: each spans both hosts, the two routed to each other', async () => {
    const intent = {
      Hosts: labHosts(3),
      Tenants: [{
        Name: 'tenant-one', DefaultNetType: 'vlan', SubnetPool: '11.1.0.0/16', AllocSubnetLen: 24, Vlans: '11-28',
        Networks: [
          { Name: 'orange', Endpoints: [{ Host: 'host1', Container: 'v1' }, { Host: 'host2', Container: 'v2' }] },
          { Name: 'purple', Endpoints: [{ Host: 'host1', Container: 'v3' }, { Host: 'host2', Container: 'v4' }] },
        ],
      }],
    };
    const placement: [string, string][] = [['v1', 'host1'], ['v2', 'host2'], ['v3', 'host1'], ['v4', 'host2']];
    await scenario(intent, placement, async () => {
      const r = await expectReachability(L());
      expect(r.pairs.filter((p) => p.expected)).toHaveLength(12);
    });
  });

  it('examples/two_hosts_multiple_vxlan_nets.json', async () => {
    const { intent, placement } = labExample('two_hosts_multiple_vxlan_nets.json');
    expect(placement).toHaveLength(4);
    await scenario(intent, placement, async () => {
      await expectReachability(L());
    });
  });

  it('three hosts, two VXLAN networks: one on every host (two containers on h1), another beside it', async () => {
    const intent = {
      Hosts: labHosts(3),
      Tenants: [{
        Name: 'tenant-one', DefaultNetType: 'vxlan', SubnetPool: '11.1.0.0/16', AllocSubnetLen: 24, Vxlans: '10001-14000',
        Networks: [
          { Name: 'orange', Endpoints: [{ Host: 'host1', Container: 'x1' }, { Host: 'host1', Container: 'x2' }, { Host: 'host2', Container: 'x3' }, { Host: 'host3', Container: 'x4' }] },
          { Name: 'purple', Endpoints: [{ Host: 'host2', Container: 'x5' }, { Host: 'host3', Container: 'x6' }] },
        ],
      }],
    };
    const placement: [string, string][] = [['x1', 'host1'], ['x2', 'host1'], ['x3', 'host2'], ['x4', 'host3'], ['x5', 'host2'], ['x6', 'host3']];
    await scenario(intent, placement, async () => {
      const r = await expectReachability(L());
      // One tenant, 6 containers on two routed networks: every ordered pair.
      expect(r.pairs.filter((p) => p.expected)).toHaveLength(6 * 5);
    });
  });

  it('examples/two_hosts_multiple_tenants_mix_vlan_vxlan.json (two tenants, overlapping subnets, VLAN and VXLAN)', async () => {
    const { intent, placement } = labExample('two_hosts_multiple_tenants_mix_vlan_vxlan.json');
    expect(placement.length).toBeGreaterThanOrEqual(4);
    await scenario(intent, placement, async () => {
      await expectReachability(L());
    });
  });

  it('vlan_handoff: an external machine untagged in the network\'s VLAN reaches its containers on every host, and only them', async () => {
    const intent = {
      Hosts: labHosts(3),
      Tenants: [{
        Name: 'tenant-one', DefaultNetType: 'vlan', SubnetPool: '11.1.0.0/16', AllocSubnetLen: 24, Vlans: '11-28',
        Networks: [
          { Name: 'orange', PktTag: 25, SubnetCIDR: '11.1.25.0/24', DefaultGw: '11.1.25.1', Endpoints: [{ Host: 'host1', Container: 'e1' }, { Host: 'host3', Container: 'e2' }] },
          { Name: 'purple', PktTag: 26, SubnetCIDR: '11.1.26.0/24', Endpoints: [{ Host: 'host2', Container: 'e3' }] },
        ],
      }],
    };
    const placement: [string, string][] = [['e1', 'host1'], ['e2', 'host3'], ['e3', 'host2']];
    await scenario(intent, placement, async () => {
      L().addExternal('phys25', 25, '11.1.25.200/24');
      const targets: Target[] = [...endpointTargets(L().endpoints()), { name: 'phys25', ip: '11.1.25.200', tenant: 'tenant-one', network: 'orange', external: true }];
      await expectReachability(L(), { targets });
    });
  });

  it('host leave/rejoin: killed agent keeps the datapath; a downed host drops out and comes back', async () => {
    const intent = {
      Hosts: labHosts(3),
      Tenants: [{
        Name: 'tenant-one', DefaultNetType: 'vxlan', SubnetPool: '11.1.0.0/16', AllocSubnetLen: 24, Vxlans: '10001-14000',
        Networks: [{ Name: 'orange', Endpoints: [{ Host: 'host1', Container: 'r1' }, { Host: 'host2', Container: 'r2' }, { Host: 'host3', Container: 'r3' }] }],
      }],
    };
    const placement: [string, string][] = [['r1', 'host1'], ['r2', 'host2'], ['r3', 'host3']];
    await scenario(intent, placement, async () => {
      await expectReachability(L());
      await L().killAgent('host2');
      await expectReachability(L(), { only: ['r1', 'r2', 'r3'] });
      await L().startAgent('host2');

      // Kernel VXLAN devices: a peer's flooding and unicast entries follow its registration.
      const fdbToHost3 = () => L().hostExec('host1', ['bridge', 'fdb', 'show', 'dev', 'npx10001']).out.includes('dst 198.18.101.3');
      expect(fdbToHost3()).toBe(true);
      await L().hostDown('host3');
      await waitUntil(() => !fdbToHost3(), 18_000, 'host1 still forwards to host3 after its lease expired');
      await expectReachability(L(), { only: ['r1', 'r2'] });
      await L().hostUp('host3');
      await L().waitAttached(['r1', 'r2', 'r3'], 90_000);
      await waitUntil(fdbToHost3, 30_000, 'host1 does not forward to host3 again');
      await expectReachability(L());

      // After an etcd restart the agents still follow the store: a late container is plumbed.
      await L().restartEtcd();
      await L().applyIntent({
        ...intent,
        Tenants: [{ ...intent.Tenants[0], Networks: [{ Name: 'orange', Endpoints: [...intent.Tenants[0].Networks[0].Endpoints, { Host: 'host2', Container: 'r4' }] }] }],
      });
      L().addContainer('host2', 'r4');
      placement.push(['r4', 'host2']);
      await L().waitAttached(['r1', 'r2', 'r3', 'r4'], 90_000);
      await expectReachability(L());
    });
  });
});
