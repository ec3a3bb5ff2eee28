/**
 * Intent deltas on a 3-host lab: the examples not covered by lab-multihost (several VLAN
 * networks, overlapping tenants), endpoints added and deleted by `-add-cfg`/`-del-cfg`,
 * late binding (endpoints without a host, then HostBindings), and a delta that moves an
 * endpoint to another host, on a VXLAN and on a VLAN network. Every scenario checks the
 * full reachability matrix and removes its containers and intent at the end, also on failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, ROOT, type LabEndpoint } from '../helpers/lab.js';
import { expectReachability } from '../helpers/reachability.js';

let lab: Lab | undefined;

function L(): Lab {
  if (!lab) throw new Error('lab not up');
  return lab;
}

type Placement = [container: string, host: string][];

interface ExampleIntent {
  Hosts?: object[];
  HostBindings?: { Container: string; Host: string }[];
  Tenants: { Name: string; Networks: { Name: string; Endpoints: { Container: string; Host?: string }[] }[] }[];
}

/** An example file as it is (the examples already name host1..hostN, up0 and the lab VTEPs). */
function example(file: string): ExampleIntent {
  return JSON.parse(readFileSync(join(ROOT, 'examples', file), 'utf8')) as ExampleIntent;
}

/** Where an intent places its containers (endpoint Host, or HostBindings). */
function placementOf(intent: ExampleIntent): Placement {
  const at = new Map<string, string>();
  for (const b of intent.HostBindings ?? []) at.set(b.Container, b.Host);
  for (const t of intent.Tenants) for (const n of t.Networks) for (const e of n.Endpoints) if (e.Host) at.set(e.Container, e.Host);
  return [...at];
}

/** Runs `netdcli <verb> FILE` with an object written to a file in the lab; throws with netdcli's output when rejected. */
function cfg(verb: '-add-cfg' | '-del-cfg', delta: object | string): string {
  let file: string;
  if (typeof delta === 'string') file = delta;
  else {
    const dir = join(L().dir, 'intents');
    mkdirSync(dir, { recursive: true });
    file = join(dir, `delta-${Date.now()}-${randomBytes(2).toString('hex')}.json`);
    writeFileSync(file, JSON.stringify(delta, null, 2) + '\n');
  }
  const r = L().netdcli([verb, file]);
  if (r.code !== 0) throw new Error(`netdcli ${verb} ${file} failed (exit ${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Polls `probe` until it returns true; throws `what` (with the last detail) after `timeoutMs`. */
async function waitFor(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 30_000, detail: () => string = () => ''): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not true after ${timeoutMs} ms\n${detail()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Ports of the agent's bridge on a host. */
function ports(host: string): string[] {
  const r = L().ovs(host, ['ovs-vsctl', 'list-ports', 'netplugin']);
  if (r.code !== 0) throw new Error(`list-ports on ${host}: ${r.out}`);
  return r.out.split('\n').map((s) => s.trim()).filter(Boolean);
}

/** Names of the interfaces a host's OVS holds for endpoint `id` ("tenant/network/container"). */
function portsOfEndpoint(host: string, id: string): string[] {
  const r = L().ovs(host, ['ovs-vsctl', '--bare', '--columns=name', 'find', 'Interface', `external_ids:netplugin-endpoint="${id}"`]);
  if (r.code !== 0) throw new Error(`find Interface on ${host}: ${r.out}`);
  return r.out.split('\n').map((s) => s.trim()).filter(Boolean);
}

/** MAC and IPv4/prefix of eth0 as seen inside a container. */
function insideAddress(container: string): { mac: string; cidr: string } {
  const link = L().exec(container, ['ip', '-o', 'link', 'show', 'dev', 'eth0']);
  const addr = L().exec(container, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
  return { mac: /link\/ether ([0-9a-f:]+)/.exec(link.out)?.[1] ?? `(none: ${link.out.trim()})`, cidr: /inet ([0-9./]+)/.exec(addr.out)?.[1] ?? `(none: ${addr.out.trim()})` };
}

function endpoint(container: string): LabEndpoint {
  const e = L().endpoints().find((x) => x.container === container);
  if (!e) throw new Error(`no endpoint for ${container}`);
  return e;
}

/** The containers a scenario runs, so that the scenario can stop them whatever happened. */
class Running {
  readonly at = new Map<string, string>();

  add(host: string, container: string): void {
    L().addContainer(host, container);
    this.at.set(container, host);
  }

  del(container: string): void {
    const host = this.at.get(container);
    if (!host) throw new Error(`${container} is not running`);
    L().delContainer(host, container);
    this.at.delete(container);
  }

  names(): string[] {
    return [...this.at.keys()];
  }

  /** Stops every container and empties the intent. */
  async cleanup(): Promise<void> {
    for (const [c, h] of this.at) {
      try {
        L().delContainer(h, c);
      } catch {
        // already gone
      }
    }
    this.at.clear();
    await L().applyIntent({ Tenants: [] });
  }
}

async function withContainers(body: (run: Running) => Promise<void>): Promise<void> {
  const run = new Running();
  try {
    await body(run);
  } finally {
    await run.cleanup();
  }
}

beforeAll(async () => {
  lab = await Lab.up({ hosts: 3 });
});

afterAll(async () => {
  await lab?.down();
});

describe('multi-host lab: examples not covered elsewhere', () => {
  it('examples/two_hosts_multiple_vlans_nets.json: two VLAN networks spanning two hosts, routed to each other', async () => {
    const intent = example('two_hosts_multiple_vlans_nets.json');
    const placement = placementOf(intent);
    expect(placement).toHaveLength(4);
    await withContainers(async (run) => {
      await L().applyIntent(intent);
      for (const [c, h] of placement) run.add(h, c);
      await L().waitAttached(run.names(), 90_000);
      const r = await expectReachability(L());
      // One tenant: all 12 ordered pairs reach, the 8 cross-network ones routed.
      expect(r.pairs.filter((p) => p.expected)).toHaveLength(12);
      expect(r.pairs.filter((p) => !p.expected)).toHaveLength(0);
    });
  });

  it('examples/two_hosts_multiple_tenants.json: two tenants with the same subnet on the same hosts', async () => {
    const intent = example('two_hosts_multiple_tenants.json');
    const placement = placementOf(intent);
    expect(placement).toHaveLength(4);
    await withContainers(async (run) => {
      await L().applyIntent(intent);
      for (const [c, h] of placement) run.add(h, c);
      const eps = await L().waitAttached(run.names(), 90_000);
      // The tenants overlap: the same addresses exist twice.
      const one = eps.filter((e) => e.tenant === 'tenant-one').map((e) => e.ip).sort();
      const two = eps.filter((e) => e.tenant === 'tenant-two').map((e) => e.ip).sort();
      expect(one).toEqual(two);
      const r = await expectReachability(L());
      expect(r.pairs.filter((p) => p.expected)).toHaveLength(4);
      // Cross-tenant pairs are decided by TCP at least (ping is ambiguous where addresses coincide).
      expect(r.pairs.filter((p) => !p.expected).every((p) => p.tcp === false)).toBe(true);
    });
  });
});

describe('multi-host lab: add and delete deltas', () => {
  it('two_hosts_multiple_vxlan_add_del_ep: -add-cfg adds reachable endpoints, -del-cfg removes their ports', async () => {
    const base = example('two_hosts_multiple_vxlan_add_del_ep.json');
    const added = example('two_hosts_multiple_vxlan_add_ep.json');
    const delFile = join(ROOT, 'examples/two_hosts_multiple_vxlan_del_ep.json');
    const deleted = example('two_hosts_multiple_vxlan_del_ep.json');
    await withContainers(async (run) => {
      await L().applyIntent(base);
      for (const [c, h] of placementOf(base)) run.add(h, c);
      await L().waitAttached(run.names(), 90_000);
      await expectReachability(L());

      cfg('-add-cfg', join(ROOT, 'examples/two_hosts_multiple_vxlan_add_ep.json'));
      const newOnes = placementOf(added);
      expect(newOnes).toHaveLength(3);
      for (const [c, h] of newOnes) run.add(h, c);
      const eps = await L().waitAttached(run.names(), 90_000);
      expect(eps).toHaveLength(7);
      for (const [c, h] of newOnes) expect(eps.find((e) => e.container === c)?.attachedHost).toBe(h);
      const r = await expectReachability(L());
      // One tenant, 7 containers on two routed networks: 42 ordered pairs.
      expect(r.pairs.filter((p) => p.expected)).toHaveLength(42);

      // The deleted endpoints' containers keep running on host2; only their ports must go.
      const gone = deleted.Tenants[0].Networks.flatMap((n) => n.Endpoints.map((e) => ({ id: `tenant-one/${n.Name}/${e.Container}`, container: e.Container })));
      expect(gone.map((g) => g.container).sort()).toEqual(['myContainer2', 'myContainer4']);
      const portNames = gone.flatMap((g) => portsOfEndpoint('host2', g.id));
      expect(portNames).toHaveLength(2);
      for (const p of portNames) expect(ports('host2')).toContain(p);

      cfg('-del-cfg', delFile);
      await waitFor('deleted endpoints\' ports removed from host2', () => !ports('host2').some((p) => portNames.includes(p)), 30_000, () => ports('host2').join(' '));
      for (const g of gone) expect(portsOfEndpoint('host2', g.id)).toEqual([]);
      expect(L().endpoints().map((e) => e.container).sort()).toEqual(['myContainer1', 'myContainer3', 'myContainer5', 'myContainer6', 'myContainer7']);
      // Their containers lost their interface too.
      for (const g of gone) expect(L().exec(g.container, ['ip', 'link', 'show', 'dev', 'eth0']).code).not.toBe(0);
      const after = await expectReachability(L());
      // 5 containers left: 20 ordered pairs.
      expect(after.pairs.filter((p) => p.expected)).toHaveLength(20);
    });
  });
});

describe('multi-host lab: late binding', () => {
  it('late_binding.json: unbound endpoints are plumbed where their containers start; late_binding_hosts.json binds them', async () => {
    const intent = example('late_binding.json');
    expect(placementOf(intent)).toEqual([]);
    await withContainers(async (run) => {
      await L().applyIntent(intent);
      // No binding: whichever host a container starts on plumbs it.
      run.add('host3', 'myContainer1');
      run.add('host2', 'myContainer2');
      const eps = await L().waitAttached(['myContainer1', 'myContainer2'], 60_000);
      expect(Object.fromEntries(eps.map((e) => [e.container, e.attachedHost]))).toEqual({ myContainer1: 'host3', myContainer2: 'host2' });
      expect(portsOfEndpoint('host3', 'tenant-one/orange/myContainer1')).toHaveLength(1);
      await expectReachability(L());

      // Bind myContainer1 to host1: host3 must let go of it, host1 plumbs it when it starts there.
      const stale = portsOfEndpoint('host3', 'tenant-one/orange/myContainer1');
      cfg('-add-cfg', join(ROOT, 'examples/late_binding_hosts.json'));
      await waitFor('host3 drops the endpoint bound to host1', () => !ports('host3').includes(stale[0]), 30_000, () => ports('host3').join(' '));
      expect(endpoint('myContainer1').host).toBe('host1');
      run.del('myContainer1');
      run.add('host1', 'myContainer1');
      const bound = await L().waitAttached(['myContainer1', 'myContainer2'], 60_000);
      expect(Object.fromEntries(bound.map((e) => [e.container, [e.host, e.attachedHost]]))).toEqual({ myContainer1: ['host1', 'host1'], myContainer2: ['host2', 'host2'] });
      const r = await expectReachability(L());
      expect(r.pairs.filter((p) => p.expected)).toHaveLength(2);
    });
  });
});

describe('multi-host lab: a delta that moves an endpoint', () => {
  for (const type of ['vxlan', 'vlan'] as const) {
    it(`${type}: the endpoint moves from host1 to host2 with its IP and MAC; host1's port is gone; the matrix holds`, async () => {
      const intent = {
        Hosts: [1, 2, 3].map((n) => ({ Name: `host${n}`, Intf: 'up0', VtepIp: `198.18.100.${n}` })),
        Tenants: [{
          Name: 'tenant-mv', DefaultNetType: type, SubnetPool: '11.1.0.0/16', AllocSubnetLen: 24, Vlans: '11-28', Vxlans: '10001-14000',
          Networks: [
            { Name: 'orange', Endpoints: [{ Host: 'host1', Container: 'mv1' }, { Host: 'host2', Container: 'mv2' }, { Host: 'host3', Container: 'mv3' }] },
            // A second network beside it, so that the move is also checked through routing.
            { Name: 'purple', Endpoints: [{ Host: 'host2', Container: 'mv4' }] },
          ],
        }],
      };
      const id = 'tenant-mv/orange/mv1';
      await withContainers(async (run) => {
        await L().applyIntent(intent);
        for (const [c, h] of [['mv1', 'host1'], ['mv2', 'host2'], ['mv3', 'host3'], ['mv4', 'host2']]) run.add(h, c);
        await L().waitAttached(run.names(), 90_000);
        await expectReachability(L());
        const before = endpoint('mv1');
        expect(before.attachedHost).toBe('host1');
        expect(insideAddress('mv1')).toEqual({ mac: before.mac, cidr: `${before.ip}/${before.prefixLen}` });
        const oldPorts = portsOfEndpoint('host1', id);
        expect(oldPorts).toHaveLength(1);

        const plan = cfg('-add-cfg', { Tenants: [{ Name: 'tenant-mv', Networks: [{ Name: 'orange', Endpoints: [{ Host: 'host2', Container: 'mv1' }] }] }] });
        expect(plan).toMatch(/0 create, 1 change, 0 delete/);
        await waitFor('host1 removes the moved endpoint\'s port', () => !ports('host1').includes(oldPorts[0]), 30_000, () => ports('host1').join(' '));

        // A moved container is a new container on the new host.
        run.del('mv1');
        run.add('host2', 'mv1');
        await L().waitAttached(run.names(), 90_000);
        const after = endpoint('mv1');
        expect({ ip: after.ip, mac: after.mac, host: after.host, attachedHost: after.attachedHost }).toEqual({ ip: before.ip, mac: before.mac, host: 'host2', attachedHost: 'host2' });
        expect(insideAddress('mv1')).toEqual({ mac: before.mac, cidr: `${before.ip}/${before.prefixLen}` });
        expect(portsOfEndpoint('host1', id)).toEqual([]);
        expect(ports('host1')).not.toContain(oldPorts[0]);
        expect(portsOfEndpoint('host2', id)).toHaveLength(1);
        const r = await expectReachability(L());
        expect(r.pairs.filter((p) => p.expected)).toHaveLength(12);
      });
    });
  }
});
