import { describe, expect, it } from 'vitest';
import { hostVethName } from './names.js';
import type { NetworkState } from '../intent/types.js';
import type { RoundInput } from './reconcile.js';
import { OWNER_MASK } from '../datapath/ovs/pipeline/cookie.js';
import type { NetlinkOp } from '../datapath/kernel/index.js';
import { BLUE, BRIDGE, ORANGE, RoundHarness, container, desired, endpoint, peers } from '../../test/fakes/round-harness.js';
import { formatDumpedFlows } from '../../test/helpers/flows.js';
import { flowModToString, groupModToString } from '../datapath/ovs/openflow/index.js';

const EP1 = endpoint(ORANGE, 'c1', 2, 'host1');
const EP2 = endpoint(ORANGE, 'c2', 3, 'host1');
const VETH1 = hostVethName(BRIDGE, EP1.id);
const VETH2 = hostVethName(BRIDGE, EP2.id);

const ARP_REPLY = (mac: string, ip: string) =>
  `move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:${mac}->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:${mac}->arp_sha,set_field:${ip}->arp_spa,IN_PORT`;

/** The bridge with c1 (ofport 1) attached to orange, in `ovs-ofctl dump-flows` syntax. */
const FLOWS_C1 = [
  'priority=0 actions=drop',
  'priority=100,in_port=1 actions=write_metadata:0xb/0x1ffffffff,goto_table:10',
  'table=10, priority=0 actions=drop',
  'table=10, priority=100,arp,in_port=1,dl_src=02:02:0b:01:00:02,arp_spa=11.1.0.2,arp_sha=02:02:0b:01:00:02 actions=goto_table:20',
  'table=10, priority=100,ip,in_port=1,dl_src=02:02:0b:01:00:02,nw_src=11.1.0.2 actions=goto_table:15',
  'table=15, priority=0 actions=goto_table:20',
  'table=15, priority=100,ip,in_port=1 actions=set_field:0->ip_dscp,goto_table:20',
  'table=20, priority=0 actions=goto_table:21',
  `table=20, priority=100,arp,metadata=0xb/0xffffffff,arp_tpa=11.1.0.1,arp_op=1 actions=${ARP_REPLY('02:02:0b:01:00:01', '11.1.0.1')}`,
  `table=20, priority=100,arp,metadata=0xb/0xffffffff,arp_tpa=11.1.0.2,arp_op=1 actions=${ARP_REPLY('02:02:0b:01:00:02', '11.1.0.2')}`,
  'table=20, priority=110,arp,metadata=0xb/0xffffffff,arp_spa=11.1.0.2,arp_tpa=11.1.0.2,arp_op=1 actions=goto_table:40',
  'table=21, priority=0 actions=goto_table:30',
  'table=22, priority=0 actions=drop',
  'table=24, priority=0 actions=goto_table:26',
  'table=26, priority=0 actions=goto_table:28',
  'table=28, priority=0 actions=goto_table:30',
  'table=30, priority=0 actions=goto_table:40',
  'table=35, priority=0 actions=drop',
  'table=40, priority=0 actions=drop',
  'table=40, priority=100,metadata=0xb/0xffffffff,dl_dst=02:02:0b:01:00:02 actions=output:1',
  'table=40, priority=50,metadata=0xb/0x1ffffffff,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=group:11',
];

/** The flows c2 (ofport 2) adds beside c1. */
const FLOWS_C2 = [
  'priority=100,in_port=2 actions=write_metadata:0xb/0x1ffffffff,goto_table:10',
  'table=10, priority=100,arp,in_port=2,dl_src=02:02:0b:01:00:03,arp_spa=11.1.0.3,arp_sha=02:02:0b:01:00:03 actions=goto_table:20',
  'table=10, priority=100,ip,in_port=2,dl_src=02:02:0b:01:00:03,nw_src=11.1.0.3 actions=goto_table:15',
  'table=15, priority=100,ip,in_port=2 actions=set_field:0->ip_dscp,goto_table:20',
  `table=20, priority=100,arp,metadata=0xb/0xffffffff,arp_tpa=11.1.0.3,arp_op=1 actions=${ARP_REPLY('02:02:0b:01:00:03', '11.1.0.3')}`,
  'table=20, priority=110,arp,metadata=0xb/0xffffffff,arp_spa=11.1.0.3,arp_tpa=11.1.0.3,arp_op=1 actions=goto_table:40',
  'table=40, priority=100,metadata=0xb/0xffffffff,dl_dst=02:02:0b:01:00:03 actions=output:2',
];

const bothFlows = () => [...FLOWS_C1, ...FLOWS_C2].sort();
const groupsOf = (h: RoundHarness) => h.openflow.groups().map((g) => groupModToString({ ...g, command: 'add' }));

/** The netlink ops that plumb `ep` into container `name` as eth0 (its first interface). */
function plumbOps(veth: string, name: string, ep: typeof EP1): NetlinkOp[] {
  const netns = `/run/netns/${name}`;
  return [
    { op: 'createVeth', name: veth, peerName: 'eth0', peerNetns: netns, mtu: 1500, peerMac: ep.mac },
    { op: 'linkSet', name: veth, up: true },
    { op: 'addrAdd', netns, name: 'eth0', cidr: `${ep.ip}/24` },
    { op: 'linkSet', netns, name: 'eth0', up: true },
    { op: 'routeReplace', netns, dst: 'default', gateway: ORANGE.gateway, dev: 'eth0' },
  ];
}

function portSpec(veth: string, ofport: number, name: string, ep: typeof EP1, id = `id-${name}`) {
  return {
    name: veth,
    ofportRequest: ofport,
    externalIds: {
      'netplugin-endpoint': ep.id,
      'netplugin-container': id,
      'netplugin-sandbox': `/run/netns/${name}`,
      'netplugin-ifname': 'eth0',
      'attached-mac': ep.mac,
      'netplugin-ip': ep.ip,
      'netplugin-source': 'netns',
      'netplugin-link': 'vlan/1500/default',
    },
  };
}

describe('reconcile round', () => {
  it('attaches a container: a look inside it, one netlink batch, one OVSDB transaction, then its flows', async () => {
    const h = new RoundHarness();
    const cs = h.start(container('c1'));
    const r = await h.run(desired([ORANGE], [EP1]), cs);

    expect(h.kernel.batches).toEqual([
      [{ op: 'linkList' }],
      [
        { op: 'linkList', netns: '/run/netns/c1' },
        { op: 'routeList', netns: '/run/netns/c1' },
      ],
      plumbOps(VETH1, 'c1', EP1),
    ]);
    expect(h.vswitch.writes).toEqual([
      { op: 'addPorts', bridge: BRIDGE, ports: [portSpec(VETH1, 1, 'c1', EP1)] },
      { op: 'waitForOfports', bridge: BRIDGE, names: [VETH1] },
    ]);
    expect(r.statuses.get(EP1.id)).toEqual({ endpoint: EP1.id, container: 'c1', containerId: 'id-c1', status: 'attached', ofport: 1, port: VETH1, ifName: 'eth0' });
    expect(r).toMatchObject({ attached: 1, detached: 0 });
    // The first sync reads the bridge back, then writes groups and flows in one batch.
    expect(h.openflow.messages.map((m) => m.kind)).toEqual(['dumpFlows', 'dumpGroups', 'dumpMeters', 'groupMod', ...Array(h.openflow.flowMods.length).fill('flowMod'), 'barrier']);
    expect(h.openflow.flowMods.every((m) => m.command === 'add')).toBe(true);
    expect(h.kernel.link('eth0', '/run/netns/c1')?.addrs).toEqual(['11.1.0.2/24']);
    expect(formatDumpedFlows(h.openflow.flows())).toEqual(FLOWS_C1);
    expect(groupsOf(h)).toEqual(['group_id=11,type=all,bucket=actions=output:1']);
  });

  it('sends nothing at all in a round with nothing to change', async () => {
    const h = new RoundHarness();
    const cs = h.start(container('c1'));
    const d = desired([ORANGE], [EP1]);
    await h.run(d, cs);
    h.clearLogs();
    const r = await h.run(d, cs);
    expect(h.kernel.batches).toEqual([]);
    expect(h.vswitch.calls).toEqual([{ op: 'listPorts', bridge: BRIDGE }]);
    expect(h.openflow.messages).toEqual([]);
    expect(r.flows).toMatchObject({ full: false, flowsAdded: 0, flowsDeleted: 0 });
    expect(r.statuses.get(EP1.id)?.status).toBe('attached');
  });

  it('detaches a stopped container: one port delete, its veth deleted once, only its flows removed', async () => {
    const h = new RoundHarness();
    const d = desired([ORANGE], [EP1, EP2]);
    const both = h.start(container('c1'), container('c2'));
    await h.run(d, both);
    expect(formatDumpedFlows(h.openflow.flows())).toEqual(bothFlows());
    expect(groupsOf(h)).toEqual(['group_id=11,type=all,bucket=actions=output:1,bucket=actions=output:2']);
    const flowsBefore = h.openflow.flows().length;
    h.clearLogs();
    const r = await h.run(d, new Map([['c1', both.get('c1')!]]));

    expect(h.vswitch.writes).toEqual([{ op: 'deletePorts', bridge: BRIDGE, names: [VETH2] }]);
    expect(h.kernel.batches).toEqual([[{ op: 'linkDel', name: VETH2, ignoreMissing: true }]]);
    expect(r).toMatchObject({ attached: 0, detached: 1 });
    const deletes = h.openflow.flowMods.filter((m) => m.command === 'deleteStrict');
    expect(deletes.length).toBeGreaterThan(0);
    expect(h.openflow.flowMods.filter((m) => m.command !== 'deleteStrict')).toEqual([]);
    // Every flow deleted named port 2 or the endpoint's addresses; port 1's flows stayed.
    for (const m of deletes) expect(JSON.stringify(m.match, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toMatch(/"inPort":2|11\.1\.0\.3|02:02:0b:01:00:03/);
    expect(h.openflow.flows().length).toBe(flowsBefore - deletes.length);
    expect(h.openflow.groupModsSent.map((g) => [g.command, g.groupId, g.buckets.length])).toEqual([['modify', 11, 1]]);
    expect(h.kernel.link(VETH2)).toBeUndefined();
    expect(h.kernel.link(VETH1)).toBeDefined();
    expect(formatDumpedFlows(h.openflow.flows())).toEqual(FLOWS_C1);
    expect(deletes.length).toBe(FLOWS_C2.length);
  });

  it('re-plumbs an endpoint whose container was recreated, deleting its old veth exactly once', async () => {
    const h = new RoundHarness();
    const d = desired([ORANGE], [EP1]);
    await h.run(d, h.start(container('c1')));
    h.clearLogs();
    const again = container('c1', { id: 'id-c1-new', netns: '/run/netns/c1-new' });
    const r = await h.run(d, h.start(again));

    const dels = h.kernel.ops.filter((o) => o.op === 'linkDel');
    expect(dels).toEqual([{ op: 'linkDel', name: VETH1, ignoreMissing: true }]);
    expect(h.vswitch.writes).toEqual([
      { op: 'deletePorts', bridge: BRIDGE, names: [VETH1] },
      { op: 'addPorts', bridge: BRIDGE, ports: [portSpec(VETH1, 1, 'c1-new', EP1, 'id-c1-new')] },
      { op: 'waitForOfports', bridge: BRIDGE, names: [VETH1] },
    ]);
    expect(r).toMatchObject({ attached: 1, detached: 1 });
    expect(h.kernel.link('eth0', '/run/netns/c1-new')?.addrs).toEqual(['11.1.0.2/24']);
  });

  it('detaches an endpoint the intent moved to another host', async () => {
    const h = new RoundHarness();
    const cs = h.start(container('c1'));
    await h.run(desired([ORANGE], [EP1]), cs);
    h.clearLogs();
    const r = await h.run(desired([ORANGE], [{ ...EP1, host: 'host2' }], 2), cs);
    expect(h.vswitch.writes).toEqual([{ op: 'deletePorts', bridge: BRIDGE, names: [VETH1] }]);
    expect(r.statuses.size).toBe(0);
    expect(h.vswitch.portNames(BRIDGE)).toEqual([]);
  });

  it('a failed round leaves no veth behind, and its retry reads everything again and attaches', async () => {
    const h = new RoundHarness();
    const cs = h.start(container('c1'));
    const d = desired([ORANGE], [EP1]);
    h.vswitch.failWhen((c) => c.op === 'addPorts');
    await expect(h.run(d, cs)).rejects.toThrow(/transaction failed/);
    expect(h.kernel.link(VETH1)).toBeUndefined();
    expect(h.kernel.linkNames('/run/netns/c1')).toEqual(['lo']);
    expect(h.kernel.batches.at(-1)).toEqual([{ op: 'linkDel', name: VETH1, ignoreMissing: true }]);

    h.vswitch.clearFailures();
    h.afterFailure();
    h.clearLogs();
    const r = await h.run(d, cs);
    expect(h.kernel.batches[0]).toEqual([{ op: 'linkList' }]);
    expect(h.kernel.batches.at(-1)).toEqual(plumbOps(VETH1, 'c1', EP1));
    expect(h.openflow.messages.slice(0, 3).map((m) => m.kind)).toEqual(['dumpFlows', 'dumpGroups', 'dumpMeters']);
    expect(r.statuses.get(EP1.id)?.status).toBe('attached');
  });

  it('a restarted agent keeps right flows whatever round made them, and deletes only stale ones of ours', async () => {
    const h = new RoundHarness();
    const d = desired([ORANGE], [EP1, EP2]);
    const both = h.start(container('c1'), container('c2'));
    await h.run(d, both);
    const foreign = { command: 'add' as const, tableId: 0, priority: 5, cookie: 0x1234n, match: { inPort: 99 }, instructions: [] };
    h.openflow.seedFlows([foreign]);
    const before = h.openflow.flows().length;

    h.restart(2);
    h.clearLogs();
    // c2 went away while no agent ran; c1 is unchanged.
    const r = await h.run(d, new Map([['c1', both.get('c1')!]]));
    expect(h.openflow.messages[0]).toEqual({ kind: 'dumpFlows' });
    expect(r.flows).toMatchObject({ full: true, flowsAdded: 0 });
    expect(h.openflow.flowMods.length).toBe(r.flows.flowsDeleted);
    for (const m of h.openflow.flowMods) {
      expect(m.command).toBe('deleteStrict');
      expect(m.cookieMask).toBe(OWNER_MASK);
    }
    expect(h.openflow.flows().length).toBe(before - r.flows.flowsDeleted);
    expect(h.openflow.flows().some((f) => f.cookie === 0x1234n)).toBe(true);
    // The kept flows still carry round 1's cookies: nothing was rewritten.
    expect(h.openflow.flows().filter((f) => f.cookie >> 48n === 2n)).toEqual([]);
    expect(h.kernel.batches[0]).toEqual([{ op: 'linkList' }]);
    expect(formatDumpedFlows(h.openflow.flows().filter((f) => f.cookie !== 0x1234n))).toEqual(FLOWS_C1);
  });

  it('not waiting for vswitchd, tells runtimes once the port is committed and its flows sent, and re-plumbs a port vswitchd refuses', async () => {
    const h = new RoundHarness();
    const cs = h.start(container('c1'), container('c2'));
    const plumb = { vswitch: h.vswitch, kernel: h.kernel, bridge: BRIDGE, ofportTimeoutMs: 1000, awaitOfports: false };
    const seen: { statuses: string[]; writes: string[]; flowMods: number }[] = [];
    const onProvisional = (st: ReadonlyMap<string, { status: string }>) =>
      seen.push({ statuses: [...st].map(([id, s]) => `${id}:${s.status}`), writes: h.vswitch.writes.map((c) => c.op), flowMods: h.openflow.flowMods.length });
    // c2's veth disappears before vswitchd opens it, so its port gets ofport -1.
    const orig = h.vswitch.addPorts.bind(h.vswitch);
    h.vswitch.addPorts = async (bridge, ports) => {
      if (ports.some((p) => p.name === VETH2)) await h.kernel.run([{ op: 'linkDel', name: VETH2 }]);
      return orig(bridge, ports);
    };
    const d = desired([ORANGE], [EP1, EP2]);
    const r = await h.run(d, cs, { plumb, onProvisional });
    // The flows went out before the commit; the answer came after it.
    expect(seen).toEqual([{ statuses: [`${EP1.id}:attached`, `${EP2.id}:attached`], writes: ['addPorts'], flowMods: bothFlows().length }]);
    expect(h.openflow.messages.findIndex((m) => m.kind === 'flowMod')).toBeGreaterThan(-1);
    expect(r.statuses.get(EP2.id)?.status).toBe('attached');
    expect(h.vswitch.port(BRIDGE, VETH2)).toMatchObject({ ofport: -1, error: expect.stringMatching(/No such device/) });

    h.vswitch.addPorts = orig;
    h.clearLogs();
    const again = await h.run(d, cs, { plumb });
    expect(h.vswitch.writes).toEqual([
      { op: 'deletePorts', bridge: BRIDGE, names: [VETH2] },
      { op: 'addPorts', bridge: BRIDGE, ports: [portSpec(VETH2, 2, 'c2', EP2)] },
    ]);
    expect(again.statuses.get(EP2.id)?.status).toBe('attached');
    expect(h.vswitch.port(BRIDGE, VETH2)?.ofport).toBe(2);
    expect(formatDumpedFlows(h.openflow.flows())).toEqual(bothFlows());
  });

  it('without waiting for vswitchd, keeps a port it has not opened yet and programs flows at the requested ofport', async () => {
    const h = new RoundHarness();
    const cs = h.start(container('c1'));
    const d = desired([ORANGE], [EP1]);
    h.vswitch.holdOfports = true;
    const plumb = { vswitch: h.vswitch, kernel: h.kernel, bridge: BRIDGE, ofportTimeoutMs: 1000, awaitOfports: false };
    const r = await h.run(d, cs, { plumb });
    expect(h.vswitch.writes.map((c) => c.op)).toEqual(['addPorts']);
    expect(r.statuses.get(EP1.id)).toMatchObject({ status: 'attached', ofport: 1 });
    expect(h.vswitch.port(BRIDGE, VETH1)?.ofport).toBe(0);
    expect(formatDumpedFlows(h.openflow.flows())).toEqual(FLOWS_C1);
    // The next round, still before vswitchd opened it, changes nothing; nor after.
    h.clearLogs();
    await h.run(d, cs, { plumb });
    h.vswitch.openPending();
    const after = await h.run(d, cs, { plumb });
    expect(h.vswitch.writes).toEqual([]);
    expect(h.openflow.flowMods).toEqual([]);
    expect(after.statuses.get(EP1.id)).toMatchObject({ status: 'attached', ofport: 1 });
  });

  it('sends for a remote endpoint that moved host only its own forward flow, beside hundreds of unchanged remote flows', async () => {
    const h = new RoundHarness();
    const cs = h.start(container('b1'));
    const local = endpoint(BLUE, 'b1', 2, 'host1');
    const remotes = Array.from({ length: 200 }, (_, i) => endpoint(BLUE, `r${i}`, 10 + i, 'host2'));
    const d = desired([BLUE], [local, ...remotes]);
    const at = (moved: boolean) => peers({ host2: '198.18.0.2', host3: '198.18.0.3' }, Object.fromEntries(remotes.map((e, i) => [e.id, moved && i === 7 ? 'host3' : 'host2'])));
    const fabric = async () => ({ tunnelOfport: 65000 });
    await h.run(d, cs, { peers: at(false), fabric });
    h.clearLogs();
    const r = await h.run(d, cs, { peers: at(true), fabric });
    expect(r.flows).toMatchObject({ full: false, flowsAdded: 1, flowsDeleted: 0 });
    expect(r.flows.flowsKept).toBe(h.openflow.flows().length - 1);
    expect(h.openflow.flowMods.map((m) => flowModToString(m))).toEqual([
      `table=40, priority=100,metadata=0x1001389/0x1ffffffff,dl_dst=${remotes[7].mac} actions=set_field:0x1389->tun_id,set_field:198.18.0.3->tun_dst,output:65000`,
    ]);
  });
});

describe('reconcile round: routing', () => {
  const GREEN: NetworkState = { ...BLUE, id: 't/green', name: 'green', pktTag: 5002, subnet: '11.3.0.0/24', gateway: '11.3.0.1' };
  const OTHER: NetworkState = { ...ORANGE, id: 'u/orange', tenant: 'u', pktTag: 12, routeId: 2 };
  const G1 = endpoint(GREEN, 'g1', 5, 'host2');
  const O1 = endpoint(OTHER, 'o1', 9, 'host2');
  const GW = { ofport: 65002, hostIp: '169.254.64.1', hostMac: '02:02:a9:fe:40:01', routerIp: '169.254.64.2', routerMac: '02:02:a9:fe:40:02' };

  it('asks the host gateway for the local networks, routes into a transit network of the tenant and SNATs with the tenant zone', async () => {
    const h = new RoundHarness();
    const cs = h.start(container('c1'));
    const asked: unknown[] = [];
    const r = await h.run(desired([ORANGE, GREEN, OTHER], [EP1, G1, O1]), cs, {
      peers: peers({ host2: '198.18.100.2' }, { [G1.id]: 'host2', [O1.id]: 'host2' }),
      fabric: async () => ({ tunnelOfport: 65000, uplinkOfport: 65001 }),
      hostGateway: async (_ports, networks) => {
        asked.push(networks);
        return { view: { ...GW, hostRouted: new Set([11]) }, transitIp: (id) => `169.254.64.${16 + id}` };
      },
    } satisfies Partial<RoundInput>);
    expect(r.statuses.get(EP1.id)?.status).toBe('attached');
    // Only the local network is the gateway's business; the other tenant's network is not even looked at.
    expect(asked).toEqual([[{ id: 't/orange', key: 11, subnet: '11.1.0.0/24', snat: true }]]);
    const lines = formatDumpedFlows(h.openflow.flows());
    expect(lines.filter((l) => l.startsWith('table=30, priority=224') || l.includes('ct('))).toEqual([
      'table=30, priority=10,ip,metadata=0xb/0x1ffffffff,dl_dst=02:02:0b:01:00:01 actions=dec_ttl,set_field:02:02:a9:fe:40:02->eth_src,set_field:02:02:a9:fe:40:01->eth_dst,ct(commit,zone=1,nat(src=169.254.64.17)),output:65002',
      'table=30, priority=224,ip,metadata=0x80000000/0xffffffff,nw_dst=11.1.0.0/24 actions=dec_ttl,set_field:02:02:0b:01:00:01->eth_src,set_field:02:02:00:00:00:00->eth_dst,move:NXM_OF_IP_DST[]->NXM_OF_ETH_DST[0..31],write_metadata:0xb/0x1ffffffff,goto_table:40',
      'table=30, priority=224,ip,metadata=0xb/0x1ffffffff,dl_dst=02:02:0b:01:00:01,nw_dst=11.3.0.0/24 actions=dec_ttl,set_field:02:02:0b:03:00:01->eth_src,set_field:02:02:00:00:00:00->eth_dst,move:NXM_OF_IP_DST[]->NXM_OF_ETH_DST[0..31],write_metadata:0x100138a/0x1ffffffff,goto_table:40',
      'table=30, priority=250,ip,metadata=0x80000000/0xffffffff,nw_dst=169.254.64.17 actions=set_field:0x1->reg6,ct(table=35,zone=1,nat)',
    ]);
    // The transit network's remote endpoint is reachable (through the tunnel, by VNI 5002); the other tenant's is not known here.
    expect(lines.filter((l) => l.includes('dl_dst=02:02:0b:03:00:05'))).toEqual([
      'table=40, priority=100,metadata=0x100138a/0x1ffffffff,dl_dst=02:02:0b:03:00:05 actions=set_field:0x138a->tun_id,set_field:198.18.100.2->tun_dst,output:65000',
    ]);
    expect(lines.filter((l) => l.includes('0x100138a') && (l.includes('arp') || l.includes('group')))).toEqual([]);
    expect(lines.filter((l) => l.includes('02:02:0b:01:00:09'))).toEqual([]);
  });
});

describe('reconcile round: QoS', () => {
  const meterLines = (h: RoundHarness) => h.openflow.meters().map((m) => `meter=${m.meterId} ${m.bands.map((b) => (b.type === 'drop' ? `rate=${b.rate} burst_size=${b.burstSize}` : 'raw')).join(' ')}`);
  const qosLines = (h: RoundHarness) => formatDumpedFlows(h.openflow.flows()).filter((l) => l.startsWith('table=15, priority=100') || l.startsWith('table=40, priority=100'));
  const limited = (rate: number) => ({ ...EP1, qos: { bandwidth: { egress: { rate, burst: rate * 0.8 }, ingress: { rate: rate / 2, burst: rate * 0.4 } }, dscp: 46 } });

  it('puts a limited endpoint\'s meters in before the flows that name them, and marks its DSCP', async () => {
    const h = new RoundHarness();
    const cs = h.start(container('c1'));
    await h.run(desired([ORANGE], [limited(10e6)]), cs);
    const kinds = h.openflow.messages.map((m) => m.kind);
    expect(kinds.indexOf('meterMod')).toBeLessThan(kinds.indexOf('flowMod'));
    expect(h.openflow.meterModsSent.map((m) => `${m.command} ${m.meterId}`)).toEqual(['add 65538', 'add 65539']);
    expect(meterLines(h)).toEqual(['meter=65538 rate=10000 burst_size=8000', 'meter=65539 rate=5000 burst_size=4000']);
    // kbps, burst, stats (OFPMF_KBPS | OFPMF_BURST | OFPMF_STATS).
    expect(h.openflow.meters().map((m) => m.flags)).toEqual([13, 13]);
    expect(qosLines(h)).toEqual([
      'table=15, priority=100,ip,in_port=1 actions=meter:65538,set_field:46->ip_dscp,goto_table:20',
      'table=40, priority=100,metadata=0xb/0xffffffff,dl_dst=02:02:0b:01:00:02 actions=meter:65539,output:1',
    ]);
  });

  it('changes a limit under traffic with one meter modify: no flow is touched, no meter deleted', async () => {
    const h = new RoundHarness();
    const cs = h.start(container('c1'));
    await h.run(desired([ORANGE], [limited(10e6)]), cs);
    h.clearLogs();
    await h.run(desired([ORANGE], [limited(20e6)], 2), cs);
    expect(h.openflow.meterModsSent.map((m) => `${m.command} ${m.meterId}`)).toEqual(['modify 65538', 'modify 65539']);
    expect(h.openflow.flowMods).toEqual([]);
    expect(meterLines(h)).toEqual(['meter=65538 rate=20000 burst_size=16000', 'meter=65539 rate=10000 burst_size=8000']);
  });

  it('removing a limit changes the flows first and deletes the meters after them', async () => {
    const h = new RoundHarness();
    const cs = h.start(container('c1'));
    await h.run(desired([ORANGE], [limited(10e6)]), cs);
    h.clearLogs();
    await h.run(desired([ORANGE], [EP1], 2), cs);
    const kinds = h.openflow.messages.map((m) => m.kind);
    expect(kinds.lastIndexOf('flowMod')).toBeLessThan(kinds.indexOf('meterMod'));
    expect(h.openflow.meterModsSent.map((m) => `${m.command} ${m.meterId}`)).toEqual(['delete 65538', 'delete 65539']);
    expect(h.openflow.meters()).toEqual([]);
    expect(qosLines(h)).toEqual([
      'table=15, priority=100,ip,in_port=1 actions=set_field:0->ip_dscp,goto_table:20',
      'table=40, priority=100,metadata=0xb/0xffffffff,dl_dst=02:02:0b:01:00:02 actions=output:1',
    ]);
  });

  it('a restarted agent finds its meters in place and sends nothing for them', async () => {
    const h = new RoundHarness();
    const cs = h.start(container('c1'));
    await h.run(desired([ORANGE], [limited(10e6)]), cs);
    h.afterFailure();
    h.clearLogs();
    await h.run(desired([ORANGE], [limited(10e6)]), cs);
    expect(h.openflow.messages.map((m) => m.kind)).toContain('dumpMeters');
    expect(h.openflow.meterModsSent).toEqual([]);
  });

  it('takes a network limit for every endpoint, and a shared group\'s one meter for its members', async () => {
    const h = new RoundHarness();
    const cs = h.start(container('c1'), container('c2'));
    const net = { ...ORANGE, qos: { bandwidth: { egress: { rate: 100e6, burst: 80e6 } } } };
    const d = desired([net], [{ ...EP1, groups: ['pool'] }, EP2]);
    d.policies.set('t', { tenant: 't', routeId: 1, groups: ['pool'], rules: [], groupQos: { pool: { bandwidth: { ingress: { rate: 30e6, burst: 24e6 } }, shared: true } } });
    const r = await h.run(d, cs);
    expect(meterLines(h)).toEqual(['meter=65538 rate=100000 burst_size=80000', 'meter=65540 rate=100000 burst_size=80000', expect.stringMatching(/^meter=\d+ rate=30000 burst_size=24000$/)]);
    expect(r.qos.get(EP1.id)?.ingress?.shared).toBe('t/pool');
    expect(r.qos.get(EP2.id)?.ingress).toBeUndefined();
  });
});
