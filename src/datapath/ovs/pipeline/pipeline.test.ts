import { describe, expect, it } from 'vitest';
import { flowModToString } from '../openflow/format.js';
import { CLASSIFY_MASK, desiredPipeline, FEATURE, FROM_REMOTE, isOwnCookie, LOCAL_FLOOD_GROUP_BASE, makeCookie, networkKey, parseCookie, PIPELINE, TABLE, type HostView, type LocalNetwork } from './index.js';

const orange: LocalNetwork = { id: 't/orange', key: networkKey('vlan', 11), gateway: '11.1.0.1', gatewayMac: '02:02:0b:01:00:01', pktTagType: 'vlan', pktTag: 11 };
const blue: LocalNetwork = { id: 't/blue', key: networkKey('vxlan', 10001), gateway: '11.1.1.1', gatewayMac: '02:02:0b:01:01:01', pktTagType: 'vxlan', pktTag: 10001 };
const view: HostView = {
  ports: [
    { ofport: 1, mac: '02:02:0b:01:00:02', ip: '11.1.0.2', network: orange },
    { ofport: 2, mac: '02:02:0b:01:00:03', ip: '11.1.0.3', network: orange },
    { ofport: 3, mac: '02:02:0b:01:01:02', ip: '11.1.1.2', network: blue },
  ],
  remotes: [],
};

describe('cookies', () => {
  it('round-trip round, feature and object id', () => {
    const c = makeCookie(513, FEATURE.L2_FORWARD, 0x123456789an);
    expect(parseCookie(c)).toEqual({ round: 513, feature: FEATURE.L2_FORWARD, objectId: 0x123456789an });
    expect(isOwnCookie(c)).toBe(true);
    expect(isOwnCookie(0n)).toBe(false);
    expect(isOwnCookie(0xff0000000000n)).toBe(false);
  });
});

describe('networkKey', () => {
  it('keeps VLAN ids and VNIs apart', () => {
    expect(networkKey('vlan', 11)).toBe(11);
    expect(networkKey('vxlan', 11)).toBe(0x100000b);
  });
});

describe('desiredPipeline', () => {
  const out = desiredPipeline(view, 7);

  it('installs one miss flow per declared table, in pipeline order', () => {
    const miss = out.flows.filter((f) => parseCookie(f.cookie).feature === FEATURE.TABLE_MISS);
    expect(miss.map((f) => f.tableId)).toEqual(PIPELINE.map((t) => t.id));
    expect(miss.every((f) => f.priority === 0)).toBe(true);
  });

  it('only moves packets forward through the tables', () => {
    for (const f of out.flows)
      for (const i of f.instructions) if (i.type === 'gotoTable') expect(i.tableId).toBeGreaterThan(f.tableId);
  });

  it('classifies each port into its network', () => {
    const c = out.flows.filter((f) => f.tableId === TABLE.CLASSIFY && f.priority === 100);
    expect(c.map((f) => [f.match.inPort, (f.instructions[0] as { metadata: bigint }).metadata])).toEqual([
      [1, 11n],
      [2, 11n],
      [3, 0x1002711n],
    ]);
  });

  it('guards against spoofing with the allocated MAC and IP', () => {
    const g = out.flows.filter((f) => f.tableId === TABLE.SPOOF_GUARD && f.match.inPort === 2);
    expect(g.map((f) => f.match)).toEqual([
      { inPort: 2, ethSrc: '02:02:0b:01:00:03', ethType: 0x0800, ipv4Src: '11.1.0.3' },
      { inPort: 2, ethSrc: '02:02:0b:01:00:03', ethType: 0x0806, arpSpa: '11.1.0.3', arpSha: '02:02:0b:01:00:03' },
    ]);
  });

  it('answers ARP for endpoints and each network gateway', () => {
    const r = out.flows.filter((f) => f.tableId === TABLE.ARP_RESPONDER && f.priority === 100).map((f) => f.match.arpTpa);
    expect(r.sort()).toEqual(['11.1.0.1', '11.1.0.2', '11.1.0.3', '11.1.1.1', '11.1.1.2']);
  });

  it('floods each network only to its own ports', () => {
    expect(out.groups.map((g) => [g.groupId, g.buckets.map((b) => (b.actions[0] as { port: number }).port)])).toEqual([
      [11, [1, 2]],
      [0x1002711, [3]],
    ]);
  });

  it('gives every flow a distinct (table, priority, match)', () => {
    const keys = out.flows.map((f) => JSON.stringify([f.tableId, f.priority, f.match], (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('is deterministic', () => {
    expect(desiredPipeline(view, 7)).toEqual(out);
  });
});

describe('desiredPipeline across hosts', () => {
  const TUN = 65000;
  const UP = 65001;
  const multi: HostView = {
    ...view,
    tunnelOfport: TUN,
    uplinkOfport: UP,
    remotes: [
      { id: 't/blue/r1', mac: '02:02:0b:01:01:05', ip: '11.1.1.5', network: blue, host: 'h2', vtepIp: '198.18.100.2' },
      { id: 't/blue/r2', mac: '02:02:0b:01:01:06', ip: '11.1.1.6', network: blue, host: 'h3', vtepIp: '198.18.100.3' },
      { id: 't/blue/r3', mac: '02:02:0b:01:01:07', ip: '11.1.1.7', network: blue, host: 'h3', vtepIp: '198.18.100.3' },
      { id: 't/orange/r4', mac: '02:02:0b:01:00:09', ip: '11.1.0.9', network: orange, host: 'h2' },
    ],
  };
  const out = desiredPipeline(multi, 1);

  it('classifies tunnel traffic by VNI and uplink traffic by VLAN, marking it remote', () => {
    const c = out.flows.filter((f) => f.tableId === TABLE.CLASSIFY && (f.match.inPort === TUN || f.match.inPort === UP));
    expect(c.map((f) => f.match)).toEqual([
      { inPort: UP, vlanVid: 0x1000 | 11 },
      { inPort: TUN, tunnelId: 10001n },
    ]);
    for (const f of c) expect(f.instructions).toContainEqual({ type: 'gotoTable', tableId: TABLE.L2_FORWARD });
  });

  it('sends unicast for remote endpoints to their VTEP, or tagged to the uplink by the network\'s one trunk flow', () => {
    const r = out.flows.filter((f) => parseCookie(f.cookie).feature === FEATURE.REMOTE_FORWARD);
    const byMac = new Map(r.map((f) => [f.match.ethDst, (f.instructions[0] as { actions: unknown[] }).actions]));
    expect(byMac.get('02:02:0b:01:01:06')).toEqual([
      { type: 'setField', field: 'tunnelId', value: 10001n },
      { type: 'setField', field: 'tunIpv4Dst', value: '198.18.100.3' },
      { type: 'output', port: TUN },
    ]);
    // A VLAN endpoint on another host needs no flow of its own: the trunk flow carries every unknown MAC.
    expect(byMac.has('02:02:0b:01:00:09')).toBe(false);
    const trunk = out.flows.find((f) => f.tableId === TABLE.L2_FORWARD && f.priority === 10 && f.match.metadata === BigInt(orange.key))!;
    expect(trunk.instructions).toEqual([{ type: 'applyActions', actions: [{ type: 'pushVlan', ethertype: 0x8100 }, { type: 'setField', field: 'vlanVid', value: 0x1000 | 11 }, { type: 'output', port: UP }] }]);
    // Only packets that originated here may leave for another host (split horizon).
    for (const f of r) expect(f.match.metadataMask).toBe(CLASSIFY_MASK);
  });

  it('floods local-origin packets to local ports and once to each peer VTEP; remote-origin only locally', () => {
    const all = out.groups.find((g) => g.groupId === blue.key)!;
    const local = out.groups.find((g) => g.groupId === LOCAL_FLOOD_GROUP_BASE + blue.key)!;
    expect(all.buckets.map((b) => JSON.stringify(b.actions, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)))).toEqual([
      JSON.stringify([{ type: 'output', port: 3 }]),
      JSON.stringify([{ type: 'setField', field: 'tunnelId', value: 10001 }, { type: 'setField', field: 'tunIpv4Dst', value: '198.18.100.2' }, { type: 'output', port: TUN }]),
      JSON.stringify([{ type: 'setField', field: 'tunnelId', value: 10001 }, { type: 'setField', field: 'tunIpv4Dst', value: '198.18.100.3' }, { type: 'output', port: TUN }]),
    ]);
    expect(local.buckets).toEqual([{ actions: [{ type: 'output', port: 3 }] }]);
    const flood = out.flows.filter((f) => parseCookie(f.cookie).feature === FEATURE.FLOOD && f.match.metadata !== undefined && (f.match.metadata & 0xffffffffn) === BigInt(blue.key));
    expect(flood.map((f) => [f.match.metadata! & FROM_REMOTE ? 'remote' : 'local', (f.instructions[0] as { actions: { groupId: number }[] }).actions[0].groupId])).toEqual([
      ['local', blue.key],
      ['remote', LOCAL_FLOOD_GROUP_BASE + blue.key],
    ]);
  });

  it('answers ARP for remote endpoints too', () => {
    const tpas = out.flows.filter((f) => f.tableId === TABLE.ARP_RESPONDER && f.priority === 100).map((f) => f.match.arpTpa);
    expect(tpas).toEqual(expect.arrayContaining(['11.1.1.5', '11.1.1.6', '11.1.1.7', '11.1.0.9']));
  });

  it('leaves VXLAN endpoints of hosts without a VTEP unreachable rather than guessing', () => {
    const noVtep = desiredPipeline({ ...multi, remotes: [{ ...multi.remotes[0], vtepIp: undefined }] }, 1);
    expect(noVtep.flows.some((f) => f.match.ethDst === '02:02:0b:01:01:05')).toBe(false);
  });

  it('sends unknown unicast of VLAN networks to the physical network only', () => {
    const low = out.flows.filter((f) => f.tableId === TABLE.L2_FORWARD && f.priority === 10);
    expect(low.map((f) => f.match.metadata)).toEqual([BigInt(orange.key)]);
  });
});

describe('desiredPipeline with a kernel VXLAN device', () => {
  const DEV = 60001;
  const view: HostView = {
    ports: [{ ofport: 3, mac: '02:02:0b:01:01:02', ip: '11.1.1.2', network: blue }],
    remotes: [
      { id: 't/blue/r1', mac: '02:02:0b:01:01:05', ip: '11.1.1.5', network: blue, host: 'h2', vtepIp: '198.18.101.2' },
      { id: 't/blue/r2', mac: '02:02:0b:01:01:06', ip: '11.1.1.6', network: blue, host: 'h3', vtepIp: '198.18.101.3' },
      { id: 't/blue/r3', mac: '02:02:0b:01:01:07', ip: '11.1.1.7', network: blue, host: 'h4' },
    ],
    tunnelOfport: 65000,
    vxlanDevices: new Map([[blue.key, DEV]]),
  };
  const out = desiredPipeline(view, 1);

  it('sends remote unicast and one flood copy to the device, leaving VTEP choice to the kernel', () => {
    const r = out.flows.filter((f) => parseCookie(f.cookie).feature === FEATURE.REMOTE_FORWARD);
    expect(r.map((f) => f.match.ethDst)).toEqual(['02:02:0b:01:01:05', '02:02:0b:01:01:06']);
    for (const f of r) expect(f.instructions).toEqual([{ type: 'applyActions', actions: [{ type: 'output', port: DEV }] }]);
    const all = out.groups.find((g) => g.groupId === blue.key)!;
    expect(all.buckets).toEqual([{ actions: [{ type: 'output', port: 3 }] }, { actions: [{ type: 'output', port: DEV }] }]);
  });

  it('with the network\'s subnet known, covers every formula-MAC endpoint with one flow to the device and one ARP answer', () => {
    const routed: LocalNetwork = { ...blue, l3: { tenant: 't', subnet: '11.1.1.0/24', gateway: 'distributed' } };
    const odd = { id: 't/blue/r9', mac: '0a:00:00:00:00:09', ip: '11.1.1.9', network: routed, host: 'h2', vtepIp: '198.18.101.2' };
    const v: HostView = { ...view, ports: view.ports.map((p) => ({ ...p, network: routed })), remotes: [...view.remotes.map((r) => ({ ...r, network: routed })), odd] };
    const lines = desiredPipeline(v, 1).flows.map((f) => flowModToString(f));
    expect(lines.filter((l) => l.startsWith('table=40, priority=') && !l.includes('priority=50') && !l.includes('priority=0'))).toEqual([
      'table=40, priority=100,metadata=0x1002711/0xffffffff,dl_dst=02:02:0b:01:01:02 actions=output:3',
      'table=40, priority=100,metadata=0x1002711/0x1ffffffff,dl_dst=0a:00:00:00:00:09 actions=output:60001',
      'table=40, priority=90,metadata=0x1002711/0x1ffffffff,dl_dst=02:02:00:00:00:00/ff:ff:00:00:00:00 actions=output:60001',
    ]);
    const arp = lines.filter((l) => l.startsWith('table=20, priority=') && !l.includes('priority=0')).map((l) => /arp_tpa=([0-9./]+)/.exec(l)![1]);
    expect(arp.sort()).toEqual(['11.1.1.0/24', '11.1.1.1', '11.1.1.2', '11.1.1.9']);
  });

  it('classifies what the device delivers as remote, and ignores the userspace tunnel for that network', () => {
    const c = out.flows.filter((f) => f.tableId === TABLE.CLASSIFY && f.priority === 100 && f.match.inPort !== 3);
    expect(c.map((f) => f.match)).toEqual([{ inPort: DEV }]);
    expect(out.groups.find((g) => g.groupId === LOCAL_FLOOD_GROUP_BASE + blue.key)?.buckets).toEqual([{ actions: [{ type: 'output', port: 3 }] }]);
  });
});
