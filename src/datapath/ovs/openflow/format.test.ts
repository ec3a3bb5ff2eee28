/**
 * The formatter against real ovs-ofctl: each fixture is a flow (or group) that ovs-ofctl installed
 * on a throw-away bridge, with the flow-mod bytes it sent, the flow-stats bytes the switch answered
 * and the line `dump-flows` printed (test/fixtures/openflow/capture-format.mjs).
 */
import { describe, expect, it } from 'vitest';
import { desiredPipeline, egressMeterId, FEATURE, ingressMeterId, networkKey, parseCookie, type HostView, type LocalNetwork } from '../pipeline/index.js';
import { flowModToString, flowStatsToString, groupModToString } from './format.js';
import { decodeMessage, encodeFlowMod, encodeGroupMod, type Action, type FlowMod, type FlowStats, type GroupDesc, type Instruction } from './index.js';
import { firstTextDifference, loadFormatFixtures } from '../../../../test/helpers/openflow-fixtures.js';

const fx = loadFormatFixtures();
const bytes = (h: string) => Buffer.from(h, 'hex');
const withoutCookie = (line: string) => line.replace(/^cookie=0x[0-9a-f]+, /, '');
const sameLine = (actual: string, expected: string) => expect(firstTextDifference(actual, expected)).toBe('');
const decodedFlowMod = (name: string): FlowMod => decodeMessage(bytes(fx.flows.find((f) => f.name === name)!.flowMod)).flowMod!;

describe('flow lines against ovs-ofctl dump-flows', () => {
  it('the fixtures cover every case the capture script lists', () => {
    expect(fx.skipped).toEqual([]);
    expect(fx.flows.length).toBeGreaterThan(50);
  });
  for (const c of fx.flows) {
    it(`${c.name}: the flow-mod ovs-ofctl sent prints its dump line (${c.ofctl})`, () => {
      const fm = decodeMessage(bytes(c.flowMod)).flowMod!;
      sameLine(flowModToString(fm, { cookie: true }), c.dump);
      sameLine(flowModToString(fm), withoutCookie(c.dump));
    });
    it(`${c.name}: the flow the switch reports prints the same line, with or without counters`, () => {
      const flows = c.flowStatsReplies.flatMap((h) => decodeMessage(bytes(h)).flows ?? []);
      expect(flows).toHaveLength(1);
      sameLine(flowStatsToString(flows[0], { cookie: true }), c.dump);
      sameLine(flowStatsToString(flows[0]), withoutCookie(c.dump));
      // duration= changes with every dump; the formatter leaves it out.
      sameLine(flowStatsToString(flows[0], { stats: true }), c.statsDump.replace(/duration=[0-9.]+s, /, ''));
    });
  }

  it('applies OVS normalisation to flow-mods: full masks dropped, bits outside a mask ignored, empty apply-actions dropped', () => {
    const fm = decodedFlowMod('field_order');
    const noisy: FlowMod = {
      ...fm,
      match: { ...fm.match, tunnelId: (fm.match.tunnelId ?? 0n) | 0xff00n, ipv4Dst: fm.match.ipv4Dst, ipv4DstMask: '255.255.255.255', metadataMask: 0xffffffffffffffffn },
      instructions: [{ type: 'applyActions', actions: [] }, ...fm.instructions],
    };
    sameLine(flowModToString(noisy), withoutCookie(fx.flows.find((f) => f.name === 'field_order')!.dump));
    const vlan = decodedFlowMod('pipeline_uplink_classify');
    sameLine(flowModToString({ ...vlan, match: { ...vlan.match, vlanVidMask: 0x1fff } }, { cookie: true }), fx.flows.find((f) => f.name === 'pipeline_uplink_classify')!.dump);
  });

  it('prints instructions in execution order whatever order the flow-mod lists them in', () => {
    const fm = decodedFlowMod('pipeline_uplink_classify');
    const reversed = { ...fm, instructions: [...fm.instructions].reverse() };
    sameLine(flowModToString(reversed), flowModToString(fm));
  });
});

describe('group lines against ovs-ofctl dump-groups', () => {
  for (const g of fx.groups) {
    it(`${g.name}: the group-mod ovs-ofctl sent prints its dump line (${g.ofctl})`, () => {
      sameLine(groupModToString(decodeMessage(bytes(g.groupMod)).groupMod!), g.dump);
    });
  }
  it('every group the switch reports prints its dump line', () => {
    const groups: GroupDesc[] = fx.groupDescReplies.flatMap((h) => decodeMessage(bytes(h)).groups ?? []);
    expect(groups).toHaveLength(fx.groups.length);
    for (const g of groups) sameLine(groupModToString(g), fx.groups.find((x) => x.dump.startsWith(`group_id=${g.groupId},`) || x.dump === `group_id=${g.groupId}`)!.dump);
  });
});

const orange: LocalNetwork = {
  id: 't/orange', key: networkKey('vlan', 11), gateway: '11.1.0.1', gatewayMac: '02:02:0b:01:00:01', pktTagType: 'vlan', pktTag: 11,
  l3: { tenant: 't', subnet: '11.1.0.0/24', gateway: 'distributed', snat: { zone: 3, transitIp: '169.254.64.19' } },
};
const blue: LocalNetwork = { id: 't/blue', key: networkKey('vxlan', 10001), gateway: '11.1.1.1', gatewayMac: '02:02:0b:01:01:01', pktTagType: 'vxlan', pktTag: 10001, l3: { tenant: 't', subnet: '11.1.1.0/24', gateway: 'distributed' } };
/** The host the capture script's pipeline_* and flood_* fixtures were written for (agent round 1). */
const view: HostView = {
  ports: [
    { ofport: 3, mac: '02:02:0b:01:00:02', ip: '11.1.0.2', network: orange },
    { ofport: 4, mac: '02:02:0b:01:00:03', ip: '11.1.0.3', network: orange },
    { ofport: 5, mac: '02:02:0b:01:01:02', ip: '11.1.1.2', network: blue },
  ],
  remotes: [
    { id: 't/blue/r1', mac: '02:02:0b:01:01:05', ip: '11.1.1.5', network: blue, host: 'h2', vtepIp: '198.18.100.2' },
    { id: 't/blue/r2', mac: '02:02:0b:01:01:06', ip: '11.1.1.6', network: blue, host: 'h3', vtepIp: '198.18.100.3' },
    { id: 't/orange/r4', mac: '02:02:0b:01:00:09', ip: '11.1.0.9', network: orange, host: 'h2' },
  ],
  tunnelOfport: 65000,
  uplinkOfport: 65001,
  gateway: { ofport: 65002, hostIp: '169.254.64.1', hostMac: '02:02:a9:fe:40:01', routerIp: '169.254.64.2', routerMac: '02:02:a9:fe:40:02', hostRouted: new Set([blue.key]) },
};
const deviceView: HostView = { ...view, tunnelOfport: undefined, vxlanDevices: new Map([[blue.key, 7]]) };
/** The same host with ACL policy on tenant t (the capture script's pipeline_policy_* fixtures). */
const policyView: HostView = {
  ...view,
  policy: {
    tenants: [
      {
        tenant: 't',
        zone: 0x8001,
        networkKeys: [orange.key, blue.key],
        rules: [
          { id: 't/db-in/0', priority: 20, direction: 'in', action: 'allow', members: ['11.1.0.2', '11.1.0.3'], peers: ['11.1.1.2/32', '11.1.1.5/32'], protocol: 'tcp', ports: { min: 8000, max: 8080 } },
          { id: 't/web-out/0', priority: 5, direction: 'out', action: 'allow', members: ['11.1.1.2'], peers: ['10.9.0.0/16'], protocol: 'udp', ports: { min: 53, max: 53 } },
          { id: 't/db-in/1', priority: 1, direction: 'in', action: 'deny', members: ['11.1.0.2'] },
        ],
      },
    ],
  },
};

/** The same host with QoS (the capture script's pipeline_qos_* and metered fixtures): port 3 limited and marked, port 4 limited on delivery and trusted. */
const qosView: HostView = {
  ...view,
  ports: view.ports.map((p) =>
    p.ofport === 3
      ? { ...p, qos: { egress: { meterId: egressMeterId(3), rate: 10e6, burst: 8e6 }, dscp: 46 } }
      : p.ofport === 4
        ? { ...p, qos: { ingress: { meterId: ingressMeterId(4), rate: 10e6, burst: 8e6 }, dscp: 'trust' as const } }
        : p,
  ),
};

/** The same host snooping multicast (the capture script's pipeline_mcast_* and mcast_* fixtures): blue with a group, orange with a router on the trunk. */
const mcastView: HostView = {
  ...view,
  multicast: [
    { network: blue, router: false, groups: [{ group: '239.1.1.1', localPorts: [5], remoteVteps: ['198.18.100.2'], remoteMembers: true }] },
    { network: orange, router: true, groups: [] },
  ],
};

/** Names of what a flow uses: match fields (masked or not), instructions, actions and the fields they write or move. */
function features(f: { match: FlowMod['match']; instructions: Instruction[] }): string[] {
  const out = Object.keys(f.match).map((k) => `match:${k}`);
  const action = (a: Action) => (a.type === 'setField' ? `set:${a.field}` : a.type === 'move' ? `move:${a.src}->${a.dst}` : a.type === 'output' && a.port > 0xffffff00 ? `output:${a.port}` : a.type);
  for (const i of f.instructions) {
    out.push(`instruction:${i.type}${i.type === 'applyActions' && !i.actions.length ? ':empty' : ''}`);
    if (i.type === 'applyActions' || i.type === 'writeActions') out.push(...i.actions.map(action));
  }
  if (!f.instructions.length) out.push('instruction:none');
  return out;
}

describe('the pipeline prints as ovs-ofctl dumps it', () => {
  const pipeline = desiredPipeline(view, 1);
  const device = desiredPipeline(deviceView, 1);
  const policy = desiredPipeline(policyView, 1);
  const qos = desiredPipeline(qosView, 1);
  const mcast = desiredPipeline(mcastView, 1);
  const lines = [...pipeline.flows, ...device.flows, ...policy.flows, ...qos.flows, ...mcast.flows].map((f) => flowModToString(f, { cookie: true }));
  const closest = (want: string, have: string[]) => have.reduce((best, l) => (commonPrefix(l, want) > commonPrefix(best, want) ? l : best), have[0]);
  const commonPrefix = (a: string, b: string) => {
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    return i;
  };

  for (const c of fx.flows.filter((x) => x.name.startsWith('pipeline_'))) {
    it(`${c.name}: the pipeline builds the flow ovs-ofctl dumped`, () => {
      const got = lines.includes(c.dump) ? c.dump : closest(c.dump, lines);
      sameLine(got, c.dump);
    });
  }
  for (const g of fx.groups.filter((x) => x.name.startsWith('mcast_'))) {
    it(`${g.name}: the pipeline builds the multicast group ovs-ofctl dumped`, () => {
      const have = mcast.groups.map(groupModToString);
      sameLine(have.includes(g.dump) ? g.dump : closest(g.dump, have), g.dump);
    });
  }
  for (const g of fx.groups.filter((x) => x.name.startsWith('flood_'))) {
    it(`${g.name}: the pipeline builds the group ovs-ofctl dumped`, () => {
      const have = pipeline.groups.map(groupModToString);
      sameLine(have.includes(g.dump) ? g.dump : closest(g.dump, have), g.dump);
    });
  }

  it('uses no match field, instruction or action that no fixture checks', () => {
    const covered = new Set(fx.flows.flatMap((c) => features(decodeMessage(bytes(c.flowMod)).flowMod!)));
    for (const g of fx.groups) for (const b of decodeMessage(bytes(g.groupMod)).groupMod!.buckets) for (const f of features({ match: {}, instructions: [{ type: 'applyActions', actions: b.actions }] })) covered.add(f);
    const used = new Set([...pipeline.flows, ...device.flows, ...policy.flows, ...qos.flows, ...mcast.flows].flatMap(features));
    for (const g of [...pipeline.groups, ...device.groups, ...mcast.groups]) for (const b of g.buckets) for (const f of features({ match: {}, instructions: [{ type: 'applyActions', actions: b.actions }] })) used.add(f);
    expect([...used].filter((u) => !covered.has(u))).toEqual([]);
    // Positive control: the check sees what the pipeline uses.
    expect(used).toContain('match:tunnelId');
    expect(used).toContain('set:tunIpv4Dst');
    expect(used).toContain('instruction:meter');
    expect(used).toContain('set:ipDscp');
  });

  it('prints every pipeline flow and group the same before and after a trip through the wire encoding', () => {
    for (const f of [...pipeline.flows, ...device.flows, ...policy.flows, ...qos.flows, ...mcast.flows]) {
      const back = decodeMessage(encodeFlowMod(f, 1)).flowMod!;
      sameLine(flowModToString(back, { cookie: true }), flowModToString(f, { cookie: true }));
    }
    for (const g of [...pipeline.groups, ...device.groups]) sameLine(groupModToString(decodeMessage(encodeGroupMod(g, 1)).groupMod!), groupModToString(g));
  });

  it('selects real flows (positive control for the fixture names)', () => {
    expect(pipeline.flows.some((f) => parseCookie(f.cookie).feature === FEATURE.REMOTE_FORWARD)).toBe(true);
    expect(fx.flows.filter((x) => x.name.startsWith('pipeline_')).length).toBeGreaterThanOrEqual(15);
  });
});

/** A dumped flow carries counters; they print only when asked for. */
describe('flowStatsToString counters', () => {
  it('prints n_packets and n_bytes after the table, as ofctl does', () => {
    const c = fx.flows.find((f) => f.name === 'pipeline_spoof_ipv4')!;
    const fs: FlowStats = { ...decodeMessage(bytes(c.flowStatsReplies[0])).flows![0], packetCount: 12n, byteCount: 3456n };
    sameLine(flowStatsToString(fs, { stats: true }), c.statsDump.replace(/duration=[0-9.]+s, /, '').replace('n_packets=0, n_bytes=0', 'n_packets=12, n_bytes=3456'));
  });
});
