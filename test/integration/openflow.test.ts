/** OpenFlowConnection against a real OVS netdev bridge made for this run (and deleted after it). */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetpluginError } from '../../src/common/errors.js';
import {
  flowModToString,
  flowStatsToString,
  groupModToString,
  meterConfigToString,
  meterStatsToString,
  OFPP_CONTROLLER,
  OFPP_IN_PORT,
  OFPP_LOCAL,
  OFPP_TABLE,
  OFPMF_BURST,
  OFPMF_KBPS,
  OFPMF_PKTPS,
  OFPMF_STATS,
  OFPR_ACTION,
  OpenFlowConnection,
  type FlowMod,
  type GroupMod,
  type PacketIn,
} from '../../src/datapath/ovs/openflow/index.js';
import { encodeGeneralQuery } from '../../src/datapath/igmp/index.js';

const suffix = Math.random().toString(36).slice(2, 8);
const BR = `npof${suffix}`;
const BR13 = `npof13${suffix}`;
// OVS_RUNDIR (which ovs-vsctl and ovs-ofctl honour too) points the test at a private ovsdb-server/vswitchd pair.
const mgmt = (br: string) => `${process.env.OVS_RUNDIR ?? '/var/run/openvswitch'}/${br}.mgmt`;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}
function addBridge(name: string, protocols: string): void {
  sh('ovs-vsctl', ['add-br', name, '--', 'set', 'bridge', name, 'datapath_type=netdev', `protocols=${protocols}`, 'fail_mode=secure']);
}
/** Flow lines as ovs-ofctl prints them without statistics, sorted. */
function ofctlFlows(table?: number): string[] {
  const args = ['-O', 'OpenFlow13', '--no-stats', 'dump-flows', BR];
  if (table !== undefined) args.push(`table=${table}`);
  return sh('ovs-ofctl', args).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('OFPST_') && !l.startsWith('OFPST')).sort();
}
function ofctlGroups(): string[] {
  return sh('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-groups', BR]).split('\n').map((l) => l.trim()).filter((l) => l.startsWith('group_id')).sort();
}
function delFlows(): void {
  sh('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', BR]);
}
async function expectCode(p: Promise<unknown>, code: string): Promise<NetpluginError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e, `expected rejection with ${code}`).toBeInstanceOf(NetpluginError);
  expect((e as NetpluginError).code).toBe(code);
  return e as NetpluginError;
}

/** Polls `cond` every 20 ms for up to 3 s. */
async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 150 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(cond()).toBe(true);
}

const flow = (tableId: number, priority: number, cookie: bigint, match: FlowMod['match'], instructions: FlowMod['instructions']): FlowMod => ({
  command: 'add', tableId, priority, cookie, match, instructions,
});
/** A 60-byte UDP/IPv4 frame 10.0.0.1:1234 -> 10.0.0.2:5678, as hex for ovs-ofctl packet-out (checksum not needed by the switch). */
const UDP_FRAME = '0202000000020202000000010800' + '4500002e000040004011' + '0000' + '0a0000010a000002' + '04d2162e001a0000' + '00'.repeat(18);
const out = (port: number) => ({ type: 'applyActions' as const, actions: [{ type: 'output' as const, port }] });

/** A pipeline-like set: classify, spoof guard, masked policy, VLAN push/pop, ARP responder, tunnel, groups. */
const GROUPS: GroupMod[] = [
  { command: 'add', type: 'all', groupId: 1, buckets: [{ actions: [{ type: 'output', port: 1 }] }, { actions: [{ type: 'output', port: 2 }] }] },
  { command: 'add', type: 'select', groupId: 2, buckets: [{ weight: 10, actions: [{ type: 'output', port: 1 }] }, { weight: 20, actions: [{ type: 'output', port: 2 }] }] },
];
const FLOWS: FlowMod[] = [
  flow(0, 100, 0x1000000000000001n, { inPort: 3, ethSrc: '02:00:00:00:00:01' }, [{ type: 'gotoTable', tableId: 1 }, { type: 'writeMetadata', metadata: 0x10n, mask: 0xffffn }]),
  flow(1, 200, 2n, { inPort: 3, ethSrc: '02:00:00:00:00:01', ethType: 0x0800, ipv4Src: '10.1.0.5' }, [{ type: 'gotoTable', tableId: 2 }]),
  flow(2, 50, 3n, { ethType: 0x0800, ipProto: 6, metadata: 0x10n, metadataMask: 0xffffn, ipv4Dst: '10.1.0.0', ipv4DstMask: '255.255.0.0', tcpDst: 80 }, [out(4)]),
  flow(3, 10, 4n, { inPort: 1 }, [{ type: 'applyActions', actions: [{ type: 'pushVlan' }, { type: 'setField', field: 'vlanVid', value: 0x1000 | 100 }, { type: 'output', port: 2 }] }]),
  flow(3, 11, 4n, { vlanVid: 0x1064 }, [{ type: 'applyActions', actions: [{ type: 'popVlan' }, { type: 'output', port: 1 }] }]),
  flow(4, 300, 5n, { ethType: 0x0806, arpOp: 1, arpTpa: '10.1.0.1' }, [{
    type: 'applyActions',
    actions: [
      { type: 'move', src: 'ethSrc', dst: 'ethDst' },
      { type: 'setField', field: 'ethSrc', value: '02:00:00:00:00:FE' },
      { type: 'setField', field: 'arpOp', value: 2 },
      { type: 'move', src: 'arpSha', dst: 'arpTha' },
      { type: 'setField', field: 'arpSha', value: '02:00:00:00:00:fe' },
      { type: 'move', src: 'arpSpa', dst: 'arpTpa' },
      { type: 'setField', field: 'arpSpa', value: '10.1.0.1' },
      { type: 'output', port: OFPP_IN_PORT },
    ],
  }]),
  flow(5, 5, 6n, { ethType: 0x0800, ipProto: 17, udpDst: 4789, tunnelId: 0x1234n, tunnelIdMask: 0xffffn },
    [{ type: 'applyActions', actions: [{ type: 'setField', field: 'tunnelId', value: 0x99n }, { type: 'setField', field: 'ipv4Dst', value: '10.9.9.9' }, { type: 'output', port: 7 }] }]),
  flow(6, 1, 7n, { ethType: 0x0800, ipProto: 1, icmpv4Type: 8, ipv4Dst: '10.0.0.1' }, []),
  flow(7, 2, 8n, { ethDst: '01:00:00:00:00:00', ethDstMask: '01:00:00:00:00:00' }, [{ type: 'clearActions' }, { type: 'writeActions', actions: [{ type: 'group', groupId: 1 }] }, { type: 'gotoTable', tableId: 8 }]),
  { ...flow(8, 3, 9n, { ethType: 0x86dd, reg0: 5 }, [{ type: 'applyActions', actions: [{ type: 'setQueue', queueId: 3 }, { type: 'decNwTtl' }, { type: 'output', port: OFPP_CONTROLLER, maxLen: 128 }, { type: 'output', port: OFPP_LOCAL }] }]), idleTimeout: 30, hardTimeout: 60 },
  flow(9, 7, 10n, { inPort: 2 }, [{ type: 'applyActions', actions: [{ type: 'group', groupId: 2 }] }]),
];

/** The same flows, written by hand in ovs-ofctl dump-flows syntax. */
const EXPECTED_DUMP = [
  'cookie=0x1000000000000001, priority=100,in_port=3,dl_src=02:00:00:00:00:01 actions=write_metadata:0x10/0xffff,goto_table:1',
  'cookie=0x2, table=1, priority=200,ip,in_port=3,dl_src=02:00:00:00:00:01,nw_src=10.1.0.5 actions=goto_table:2',
  'cookie=0x3, table=2, priority=50,tcp,metadata=0x10/0xffff,nw_dst=10.1.0.0/16,tp_dst=80 actions=output:4',
  'cookie=0x4, table=3, priority=10,in_port=1 actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:2',
  'cookie=0x4, table=3, priority=11,dl_vlan=100 actions=pop_vlan,output:1',
  'cookie=0x5, table=4, priority=300,arp,arp_tpa=10.1.0.1,arp_op=1 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:02:00:00:00:00:fe->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],set_field:02:00:00:00:00:fe->arp_sha,move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:10.1.0.1->arp_spa,IN_PORT',
  'cookie=0x6, table=5, priority=5,udp,tun_id=0x1234/0xffff,tp_dst=4789 actions=set_field:0x99->tun_id,set_field:10.9.9.9->ip_dst,output:7',
  'cookie=0x7, table=6, priority=1,icmp,nw_dst=10.0.0.1,icmp_type=8 actions=drop',
  'cookie=0x8, table=7, priority=2,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=clear_actions,write_actions(group:1),goto_table:8',
  'cookie=0x9, table=8, idle_timeout=30, hard_timeout=60, priority=3,ipv6,reg0=0x5 actions=set_queue:3,dec_ttl,CONTROLLER:128,LOCAL',
  'cookie=0xa, table=9, priority=7,in_port=2 actions=group:2',
].sort();
const EXPECTED_GROUPS = [
  'group_id=1,type=all,bucket=actions=output:1,bucket=actions=output:2',
  'group_id=2,type=select,bucket=weight:10,actions=output:1,bucket=weight:20,actions=output:2',
].sort();

let conn: OpenFlowConnection;

beforeAll(async () => {
  addBridge(BR, 'OpenFlow10,OpenFlow13,OpenFlow14');
  addBridge(BR13, 'OpenFlow13');
  conn = await OpenFlowConnection.connect(mgmt(BR), { timeoutMs: 20_000 });
});

afterAll(() => {
  conn?.close();
  for (const br of [BR, BR13]) {
    try {
      sh('ovs-vsctl', ['--if-exists', 'del-br', br]);
    } catch {
      // keep deleting the others
    }
  }
});

describe('OpenFlowConnection on a real OVS bridge', () => {
  it('negotiates OpenFlow 1.4 and reports the bridge datapath id', () => {
    expect(conn.version).toBe(5);
    const dpid = sh('ovs-vsctl', ['get', 'bridge', BR, 'datapath_id']).trim().replace(/"/g, '');
    expect(conn.datapathId).toBe(BigInt('0x' + dpid));
  });

  it('installs groups then flows in one pipelined write; ovs-ofctl sees exactly them', async () => {
    await conn.write({ groupMods: GROUPS, flowMods: FLOWS });
    const actual = ofctlFlows();
    expect(actual, `actual flows:\n${actual.join('\n')}`).toEqual(EXPECTED_DUMP);
    const groups = ofctlGroups();
    expect(groups, `actual groups:\n${groups.join('\n')}`).toEqual(EXPECTED_GROUPS);
  });

  it('dumpFlows returns flows that print as ovs-ofctl dumps them, as do the FlowMods that installed them', async () => {
    const dumped = await conn.dumpFlows();
    expect(dumped.map((f) => flowStatsToString(f, { cookie: true })).sort()).toEqual(EXPECTED_DUMP);
    expect(FLOWS.map((f) => flowModToString(f, { cookie: true })).sort()).toEqual(EXPECTED_DUMP);
    expect((await conn.dumpGroups()).map(groupModToString).sort()).toEqual(EXPECTED_GROUPS);
    const t8 = dumped.find((f) => f.tableId === 8)!;
    expect(t8).toMatchObject({ idleTimeout: 30, hardTimeout: 60, cookie: 9n, priority: 3 });
    expect(typeof t8.packetCount).toBe('bigint');
  });

  it('dumpFlows filters by table and by cookie/mask', async () => {
    expect((await conn.dumpFlows({ tableId: 3 })).map((f) => f.priority).sort()).toEqual([10, 11]);
    expect((await conn.dumpFlows({ cookie: 4n })).length).toBe(2);
    expect((await conn.dumpFlows({ cookie: 0x1000000000000000n, cookieMask: 0xf000000000000000n })).map((f) => f.tableId)).toEqual([0]);
  });

  it('dumpGroups returns the installed groups', async () => {
    const groups = await conn.dumpGroups();
    expect(groups.sort((a, b) => a.groupId - b.groupId)).toEqual(GROUPS.map(({ command: _c, ...g }) => g));
  });

  it('modifyStrict, deleteStrict and delete-by-cookie change only what they name', async () => {
    await conn.flowMods([
      { command: 'modifyStrict', tableId: 3, priority: 10, cookie: 0n, match: { inPort: 1 }, instructions: [out(9)] },
      { command: 'deleteStrict', tableId: 3, priority: 11, cookie: 0n, match: { vlanVid: 0x1064 }, instructions: [] },
      { command: 'delete', tableId: 255, priority: 0, cookie: 6n, cookieMask: 0xffffffffffffffffn, match: {}, instructions: [] },
    ]);
    expect(ofctlFlows(3)).toEqual(['cookie=0x4, table=3, priority=10,in_port=1 actions=output:9']);
    expect(ofctlFlows(5)).toEqual([]);
    expect(ofctlFlows().length).toBe(EXPECTED_DUMP.length - 2);
  });

  it('reports each failed message of a batch by index; the others are installed', async () => {
    delFlows();
    const e = await expectCode(
      conn.write({
        groupMods: [GROUPS[0]], // already exists -> OFPGMFC_GROUP_EXISTS
        flowMods: [
          flow(20, 1, 0x20n, { inPort: 1 }, [out(2)]),
          flow(20, 2, 0x20n, { ipv4Src: '10.0.0.1' }, [out(2)]), // no eth_type: OVS must refuse the prerequisite
          flow(20, 3, 0x20n, { inPort: 3 }, [out(2)]),
          flow(20, 4, 0x20n, { tcpDst: 80, ethType: 0x0800 }, [out(2)]), // no ip_proto
        ],
      }),
      'NP_OPENFLOW_ERROR',
    );
    const failures = e.details!.failures as Array<Record<string, unknown>>;
    expect(failures.map((f) => [f.index, f.kind, f.kindIndex, f.type, f.message])).toEqual([
      [0, 'groupMod', 0, 6, 'OFPGMFC_GROUP_EXISTS'],
      [2, 'flowMod', 1, 4, 'OFPBMC_BAD_PREREQ'],
      [4, 'flowMod', 3, 4, 'OFPBMC_BAD_PREREQ'],
    ]);
    expect(ofctlFlows(20)).toEqual([
      'cookie=0x20, table=20, priority=1,in_port=1 actions=output:2',
      'cookie=0x20, table=20, priority=3,in_port=3 actions=output:2',
    ]);
  });

  it('maps failures to indexes across encoding chunks of a large batch', async () => {
    delFlows();
    const mods = Array.from({ length: 5000 }, (_, i) => flow(21, 1 + i, 0x21n, { inPort: 1 + i }, [out(2)]));
    const bad = [10, 2047, 2048, 4999];
    for (const i of bad) mods[i] = flow(21, 1 + i, 0x21n, { udpDst: 53 }, [out(2)]);
    const e = await expectCode(conn.flowMods(mods), 'NP_OPENFLOW_ERROR');
    expect((e.details!.failures as Array<{ index: number }>).map((f) => f.index)).toEqual(bad);
    expect(ofctlFlows(21).length).toBe(5000 - bad.length);
  });

  it('an invalid FlowMod late in a bundle names its index and leaves nothing installed', async () => {
    delFlows();
    const mods = Array.from({ length: 5000 }, (_, i) => flow(22, 1 + i, 0x22n, { inPort: 1 + i }, [out(2)]));
    mods[4321] = flow(22, 1, 0x22n, { ethSrc: 'not-a-mac' }, [out(2)]);
    await expect(conn.bundle({ flowMods: mods })).rejects.toThrow(/flowMods\[4321\]: .*not a MAC address/);
    expect(ofctlFlows(22)).toEqual([]);
    await conn.flowMods([flow(22, 1, 0x22n, { inPort: 1 }, [out(2)])]);
    expect(ofctlFlows(22).length).toBe(1);
  });

  it('a group and the flows that use it can go in one write and in one bundle', async () => {
    delFlows();
    const g = (id: number): GroupMod => ({ command: 'add', type: 'all', groupId: id, buckets: [{ actions: [{ type: 'output', port: 3 }] }] });
    await conn.write({ groupMods: [g(40)], flowMods: [flow(40, 1, 0x40n, { inPort: 1 }, [{ type: 'applyActions', actions: [{ type: 'group', groupId: 40 }] }])] });
    await conn.bundle({ groupMods: [g(41)], flowMods: [flow(41, 1, 0x41n, { inPort: 1 }, [{ type: 'applyActions', actions: [{ type: 'group', groupId: 41 }] }])] });
    expect([...ofctlFlows(40), ...ofctlFlows(41)]).toEqual([
      'cookie=0x40, table=40, priority=1,in_port=1 actions=group:40',
      'cookie=0x41, table=41, priority=1,in_port=1 actions=group:41',
    ]);
    expect(ofctlGroups().filter((l) => /group_id=4[01],/.test(l)).length).toBe(2);
  });

  it('a bundle applies group adds, flows, then final group deletes in order: flows move off a group that then goes', async () => {
    delFlows();
    const g = (id: number, command: GroupMod['command'] = 'add'): GroupMod => ({ command, type: 'all', groupId: id, buckets: command === 'delete' ? [] : [{ actions: [{ type: 'output', port: 3 }] }] });
    const toGroup = (id: number) => [{ type: 'applyActions' as const, actions: [{ type: 'group' as const, groupId: id }] }];
    await conn.write({ groupMods: [g(50)], flowMods: [flow(50, 1, 0x50n, { inPort: 1 }, toGroup(50)), flow(50, 2, 0x50n, { inPort: 2 }, toGroup(50))] });
    expect(conn.supportsBundles).toBe(true);
    await conn.bundle({
      groupMods: [g(51)],
      flowMods: [flow(50, 1, 0x50n, { inPort: 1 }, toGroup(51)), { ...flow(50, 2, 0x50n, { inPort: 2 }, []), command: 'deleteStrict', cookieMask: 0xffffn }],
      finalGroupMods: [g(50, 'delete')],
    });
    // Had the group delete gone first, it would have taken the flow with it.
    expect(ofctlFlows(50)).toEqual(['cookie=0x50, table=50, priority=1,in_port=1 actions=group:51']);
    expect(ofctlGroups().filter((l) => /group_id=5[01],/.test(l)).map((l) => l.slice(0, 11))).toEqual(['group_id=51']);
  });

  it('a refused final group mod after thousands of flows is named by its index, and the bundle applies nothing', async () => {
    delFlows();
    const flows = Array.from({ length: 3000 }, (_, i) => flow(52, 1 + i, 0x52n, { inPort: 1 + i }, [out(2)]));
    const g = (id: number): GroupMod => ({ command: 'add', type: 'all', groupId: id, buckets: [{ actions: [{ type: 'output', port: 3 }] }] });
    await conn.groupMods([g(53)]);
    const e = await expectCode(conn.bundle({ groupMods: [g(54)], flowMods: flows, finalGroupMods: [g(55), g(53)] }), 'NP_OPENFLOW_ERROR');
    const failures = e.details!.failures as Array<Record<string, unknown>>;
    expect(failures[0], JSON.stringify(failures)).toMatchObject({ kind: 'groupMod', kindIndex: 2, index: 3002, message: 'OFPGMFC_GROUP_EXISTS' });
    expect(ofctlFlows(52)).toEqual([]);
    expect(ofctlGroups().filter((l) => /group_id=5[45],/.test(l))).toEqual([]);
  });

  it('conjunction flows and a conj_id match install and dump as ovs-ofctl prints them', async () => {
    delFlows();
    const conj = (priority: number, match: FlowMod['match'], clause: number) =>
      flow(56, priority, 0x56n, match, [{ type: 'applyActions', actions: [{ type: 'conjunction', id: 7, clause, nClauses: 2 }] }]);
    await conn.bundle({
      flowMods: [conj(100, { ethType: 0x0800, ipv4Src: '10.0.0.1' }, 1), conj(100, { ethType: 0x0800, ipProto: 6, tcpDst: 80 }, 2), flow(56, 100, 0x56n, { conjId: 7, ethType: 0x0800 }, [{ type: 'gotoTable', tableId: 57 }])],
    });
    expect(ofctlFlows(56)).toEqual([
      'cookie=0x56, table=56, priority=100,conj_id=7,ip actions=goto_table:57',
      'cookie=0x56, table=56, priority=100,ip,nw_src=10.0.0.1 actions=conjunction(7,1/2)',
      'cookie=0x56, table=56, priority=100,tcp,tp_dst=80 actions=conjunction(7,2/2)',
    ]);
    expect((await conn.dumpFlows({ tableId: 56 })).map((f) => flowStatsToString(f, { cookie: true })).sort()).toEqual(ofctlFlows(56));
  });

  it('meter mods add, modify and delete meters; a refused one is named by its index', async () => {
    await conn.meterMods([
      { command: 'add', meterId: 61, flags: OFPMF_KBPS | OFPMF_BURST | OFPMF_STATS, bands: [{ type: 'drop', rate: 10_000, burstSize: 8000 }] },
      { command: 'add', meterId: 62, flags: OFPMF_PKTPS, bands: [{ type: 'drop', rate: 100 }] },
    ]);
    await conn.meterMods([{ command: 'modify', meterId: 62, flags: OFPMF_PKTPS, bands: [{ type: 'drop', rate: 200 }] }]);
    const meters = () => sh('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-meters', BR]).replace(/\n/g, ' ');
    expect(meters()).toMatch(/meter=61 kbps burst stats bands= type=drop rate=10000 burst_size=8000/);
    expect(meters()).toMatch(/meter=62 pktps bands= type=drop rate=200/);
    const e = await expectCode(conn.meterMods([{ command: 'add', meterId: 63, flags: OFPMF_KBPS, bands: [{ type: 'drop', rate: 1 }] }, { command: 'add', meterId: 61, flags: OFPMF_KBPS, bands: [{ type: 'drop', rate: 1 }] }]), 'NP_OPENFLOW_ERROR');
    expect(e.details!.failures).toEqual([expect.objectContaining({ kind: 'meterMod', kindIndex: 1, message: 'OFPMMFC_METER_EXISTS' })]);
    await conn.meterMods([61, 62, 63].map((meterId) => ({ command: 'delete' as const, meterId, flags: 0, bands: [] })));
    expect(meters()).not.toMatch(/meter=6[123]/);
  });

  it('dumpMeters() and meterStats() read what ovs-ofctl shows, for one meter and for all; a missing meter gives []', async () => {
    delFlows();
    await conn.meterMods([
      { command: 'add', meterId: 71, flags: OFPMF_KBPS | OFPMF_BURST | OFPMF_STATS, bands: [{ type: 'drop', rate: 10_000, burstSize: 8000 }] },
      { command: 'add', meterId: 72, flags: OFPMF_PKTPS | OFPMF_STATS, bands: [{ type: 'drop', rate: 1 }] },
    ]);
    await conn.flowMods([flow(0, 5, 0x71n, { ethType: 0x0800, ipProto: 17 }, [{ type: 'meter', meterId: 72 }, out(OFPP_LOCAL)])]);
    for (let i = 0; i < 5; i++) sh('ovs-ofctl', ['-O', 'OpenFlow13', 'packet-out', BR, `in_port=LOCAL,packet=${UDP_FRAME},actions=resubmit(,0)`]);
    const configs = (await conn.dumpMeters()).filter((m) => m.meterId >= 71 && m.meterId <= 72).map(meterConfigToString).sort();
    const ofctl = (cmd: string, ...args: string[]) => sh('ovs-ofctl', ['-O', 'OpenFlow13', cmd, BR, ...args]).trim().split('\n').slice(1).join('\n').split('\n\n');
    expect(configs).toEqual(ofctl('dump-meters').filter((t) => /^meter=7[12] /.test(t)).sort());
    expect((await conn.dumpMeters(71)).map(meterConfigToString)).toEqual(ofctl('dump-meters', 'meter=71'));
    const [s72] = await conn.meterStats(72);
    expect(s72).toMatchObject({ meterId: 72, flowCount: 1, packetInCount: 5n, byteInCount: 300n });
    // One packet per second passes; the band dropped the rest.
    expect(s72.bands[0].packets).toBeGreaterThanOrEqual(3n);
    const withoutDuration = (t: string) => t.replace(/ duration:[0-9.]+s/, '');
    expect((await conn.meterStats(72)).map((m) => withoutDuration(meterStatsToString(m)))).toEqual(ofctl('meter-stats', 'meter=72').map(withoutDuration));
    expect((await conn.meterStats()).map((m) => m.meterId).sort()).toEqual(expect.arrayContaining([71, 72]));
    expect(await conn.dumpMeters(79)).toEqual([]);
    expect(await conn.meterStats(79)).toEqual([]);
    await conn.meterMods([71, 72].map((meterId) => ({ command: 'delete' as const, meterId, flags: 0, bands: [] })));
    expect(await conn.dumpMeters(71)).toEqual([]);
    expect(ofctlFlows(0)).toEqual([]);
  });

  it('routes packet-ins to onPacketIn subscribers, on each subscribed connection, with the metadata match decoded', async () => {
    delFlows();
    await conn.flowMods([
      flow(0, 10, 0x70n, { ethType: 0x0800, reg1: 5 }, [{ type: 'applyActions', actions: [{ type: 'ct', zone: 7, table: 1 }] }]),
      flow(1, 10, 0x71n, { ethType: 0x0800, ctState: 0x21, ctStateMask: 0x21 }, [{ type: 'writeMetadata', metadata: 0x2an, mask: 0xffffffffffffffffn }, { type: 'gotoTable', tableId: 2 }]),
      flow(2, 10, 0xdeadbeefn, { ethType: 0x0800 }, [{ type: 'applyActions', actions: [{ type: 'output', port: OFPP_CONTROLLER, maxLen: 128 }] }]),
    ]);
    const frame = Buffer.from('0202000000020202000000010800' + '4500002e00004000401126bd0a0000010a000002' + '04d2162e001a0000' + '00'.repeat(18), 'hex');
    const packetOut = () => sh('ovs-ofctl', ['-O', 'OpenFlow13', 'packet-out', BR, `in_port=LOCAL,packet=${frame.toString('hex')},actions=set_field:0x5->reg1,resubmit(,0)`]);
    const got: PacketIn[] = [];
    const other = await OpenFlowConnection.connect(mgmt(BR));
    try {
      await other.onPacketIn((p) => got.push(p));
      const mine: PacketIn[] = [];
      // `conn` subscribes only after a first packet, which reaches `other` alone.
      packetOut();
      await waitFor(() => got.length === 1);
      await conn.onPacketIn((p) => mine.push(p));
      packetOut();
      await waitFor(() => mine.length === 1 && got.length === 2);
      expect(mine[0]).toMatchObject({ reason: OFPR_ACTION, tableId: 2, cookie: 0xdeadbeefn, totalLen: 60, match: { inPort: OFPP_LOCAL, reg1: 5, ctZone: 7, ctState: 0x21, metadata: 0x2an } });
      expect(mine[0].data.equals(frame)).toBe(true);
      // The request/response machinery is undisturbed by the unsolicited messages.
      expect((await conn.dumpFlows({ tableId: 2 })).length).toBe(1);
    } finally {
      other.close();
    }
  });

  it('packetOuts() sends frames into the bridge (through the table to CONTROLLER they come back as packet-ins); a refused one is named by its index', async () => {
    delFlows();
    await conn.flowMods([flow(0, 10, 0x80n, { ethType: 0x0800, ipProto: 2 }, [{ type: 'applyActions', actions: [{ type: 'output', port: OFPP_CONTROLLER, maxLen: 0xffff }] }])]);
    const got: PacketIn[] = [];
    await conn.onPacketIn((p) => {
      if (p.cookie === 0x80n) got.push(p);
    });
    const v3 = encodeGeneralQuery({ srcMac: '02:00:00:00:00:01', srcIp: '10.0.0.1', version: 3, maxRespTimeDs: 100 });
    const v2 = encodeGeneralQuery({ srcMac: '02:00:00:00:00:01', srcIp: '10.0.0.1', version: 2, maxRespTimeDs: 100 });
    const toTable = [{ type: 'output' as const, port: OFPP_TABLE }];
    await conn.packetOuts([{ actions: toTable, data: v3 }, { inPort: OFPP_LOCAL, actions: toTable, data: v2 }]);
    await waitFor(() => got.length === 2);
    expect(got.map((p) => [p.match.inPort, p.data.toString('hex')])).toEqual([
      [OFPP_CONTROLLER, v3.toString('hex')],
      [OFPP_LOCAL, v2.toString('hex')],
    ]);
    const e = await expectCode(conn.packetOuts([{ actions: toTable, data: v3 }, { actions: [{ type: 'group', groupId: 99 }], data: v3 }]), 'NP_OPENFLOW_ERROR');
    expect(e.details).toMatchObject({ failures: [{ index: 1, kind: 'packetOut', kindIndex: 1, message: 'OFPBAC_BAD_OUT_GROUP' }] });
    // The other packet-out of the batch still went.
    await waitFor(() => got.length === 3);
  });

  it('answers echo: our request comes back with its payload', async () => {
    const data = Buffer.from(`ping-${suffix}`);
    expect((await conn.echo(data)).equals(data)).toBe(true);
  });

  it('applies a bundle atomically: all flows of a good bundle, none of a bad one', async () => {
    delFlows();
    const good = Array.from({ length: 200 }, (_, i) => flow(30, 1000 + i, 0x30n, { inPort: 1 + i }, [out(2)]));
    await conn.bundle({ flowMods: good });
    expect(ofctlFlows(30).length).toBe(200);

    const bad = [flow(31, 1, 0x31n, { inPort: 1 }, [out(2)]), flow(31, 2, 0x31n, { ipv4Dst: '10.0.0.9' }, [out(2)]), flow(31, 3, 0x31n, { inPort: 3 }, [out(2)])];
    const e = await expectCode(conn.bundle({ flowMods: bad }), 'NP_OPENFLOW_ERROR');
    const failures = e.details!.failures as Array<Record<string, unknown>>;
    expect(failures.some((f) => f.kind === 'flowMod' && f.kindIndex === 1 && f.message === 'OFPBMC_BAD_PREREQ'), JSON.stringify(failures)).toBe(true);
    expect(ofctlFlows(31)).toEqual([]);
    // The connection is still usable after a failed bundle.
    await conn.flowMods([flow(31, 9, 0x31n, { inPort: 9 }, [out(2)])]);
    expect(ofctlFlows(31).length).toBe(1);
  });

  it('negotiates 1.3 with a 1.3-only bridge, where bundles are refused up front', async () => {
    const c13 = await OpenFlowConnection.connect(mgmt(BR13));
    try {
      expect(c13.version).toBe(4);
      expect(c13.supportsBundles).toBe(false);
      await c13.flowMods([flow(0, 1, 1n, { inPort: 1 }, [out(2)])]);
      expect((await c13.dumpFlows()).length).toBe(1);
      await expectCode(c13.bundle({ flowMods: [flow(0, 2, 1n, { inPort: 2 }, [out(2)])] }), 'NP_OPENFLOW_ERROR');
    } finally {
      c13.close();
    }
  });

  it('close() rejects pending work and later calls with NP_OPENFLOW_CLOSED', async () => {
    const c = await OpenFlowConnection.connect(mgmt(BR));
    let closedWith: Error | undefined | 'not called' = 'not called';
    c.onClose((err) => (closedWith = err));
    const pending = c.dumpFlows();
    c.close();
    await expectCode(pending, 'NP_OPENFLOW_CLOSED');
    await expectCode(c.flowMods([flow(0, 1, 1n, {}, [])]), 'NP_OPENFLOW_CLOSED');
    expect(closedWith).toBeUndefined();
  });

  it('a deleted bridge closes the connection with NP_OPENFLOW_CLOSED', async () => {
    const tmp = `npofd${suffix}`;
    addBridge(tmp, 'OpenFlow13');
    try {
      const c = await OpenFlowConnection.connect(mgmt(tmp));
      const closed = new Promise<Error | undefined>((resolve) => c.onClose(resolve));
      sh('ovs-vsctl', ['del-br', tmp]);
      const err = await closed;
      expect(err).toBeInstanceOf(NetpluginError);
      expect((err as NetpluginError).code).toBe('NP_OPENFLOW_CLOSED');
      await expectCode(c.dumpFlows(), 'NP_OPENFLOW_CLOSED');
    } finally {
      sh('ovs-vsctl', ['--if-exists', 'del-br', tmp]);
    }
  });

  it('connecting to a missing socket fails with NP_OPENFLOW_CLOSED and ENOENT', async () => {
    const e = await expectCode(OpenFlowConnection.connect(`/var/run/openvswitch/npofnone${suffix}.mgmt`), 'NP_OPENFLOW_CLOSED');
    expect(e.details?.syscall).toBe('connect');
    expect(e.details?.errno).toBe(2);
  });
});
