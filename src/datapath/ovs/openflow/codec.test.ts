import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeBarrierRequest,
  encodeEchoRequest,
  encodeFlowMod,
  encodeFlowStatsRequest,
  encodeGroupDescRequest,
  encodeGroupMod,
  encodeBatch,
  encodeHello,
  flowModToString,
  flowStatsToString,
  OFPP_CONTROLLER,
  OFPP_IN_PORT,
  OFPP_LOCAL,
  type FlowMod,
  type GroupMod,
} from './index.js';
import { openflowNative } from './native.js';
import { firstDifference, loadFixtures } from '../../../../test/helpers/openflow-fixtures.js';

const fx = loadFixtures();
const hex = (name: string) => Buffer.from(fx.flowMods.find((f) => f.name === name)!.hex, 'hex');
const ghex = (name: string) => Buffer.from(fx.groupMods.find((f) => f.name === name)!.hex, 'hex');
const msg = (name: string) => Buffer.from(fx.messages[name] as string, 'hex');

/** The flows of fixtures.json, written by hand from their ovs-ofctl text. */
const FLOWS: Record<string, FlowMod> = {
  classify: {
    command: 'add', tableId: 0, priority: 100, cookie: 0x1000000000000001n,
    match: { inPort: 3, ethSrc: '02:00:00:00:00:01' },
    instructions: [{ type: 'writeMetadata', metadata: 0x10n, mask: 0xffffn }, { type: 'gotoTable', tableId: 1 }],
  },
  spoof_ipv4: {
    command: 'add', tableId: 1, priority: 200, cookie: 2n,
    match: { inPort: 3, ethSrc: '02:00:00:00:00:01', ethType: 0x0800, ipv4Src: '10.1.0.5' },
    instructions: [{ type: 'gotoTable', tableId: 2 }],
  },
  masked_tcp: {
    command: 'add', tableId: 2, priority: 50, cookie: 3n,
    match: { ethType: 0x0800, ipProto: 6, metadata: 0x10n, metadataMask: 0xffffn, ipv4Dst: '10.1.0.0', ipv4DstMask: '255.255.0.0', tcpDst: 80 },
    instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 4 }] }],
  },
  vlan_push: {
    command: 'add', tableId: 3, priority: 10, cookie: 4n,
    match: { inPort: 1 },
    instructions: [{ type: 'applyActions', actions: [{ type: 'pushVlan' }, { type: 'setField', field: 'vlanVid', value: 4196 }, { type: 'output', port: 2 }] }],
  },
  vlan_pop: {
    command: 'add', tableId: 3, priority: 11, cookie: 4n,
    match: { vlanVid: 0x1064 },
    instructions: [{ type: 'applyActions', actions: [{ type: 'popVlan' }, { type: 'output', port: 1 }] }],
  },
  arp_responder: {
    command: 'add', tableId: 4, priority: 300, cookie: 5n,
    match: { ethType: 0x0806, arpOp: 1, arpTpa: '10.1.0.1' },
    instructions: [{
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
    }],
  },
  tunnel_udp: {
    command: 'add', tableId: 5, priority: 5, cookie: 6n,
    match: { ethType: 0x0800, ipProto: 17, tunnelId: 0x1234n, tunnelIdMask: 0xffffn, ipDscp: 10, udpDst: 4789 },
    instructions: [{ type: 'applyActions', actions: [
      { type: 'setField', field: 'tunnelId', value: 0x99n },
      { type: 'setField', field: 'ipv4Dst', value: '10.9.9.9' },
      { type: 'output', port: 7 },
    ] }],
  },
  icmp_drop: {
    command: 'add', tableId: 6, priority: 1, cookie: 7n,
    match: { ethType: 0x0800, ipProto: 1, icmpv4Type: 8, ipv4Dst: '10.0.0.1' },
    instructions: [],
  },
  write_clear: {
    command: 'add', tableId: 7, priority: 2, cookie: 8n,
    match: { ethDst: '01:00:00:00:00:00', ethDstMask: '01:00:00:00:00:00' },
    instructions: [{ type: 'clearActions' }, { type: 'writeActions', actions: [{ type: 'group', groupId: 1 }] }, { type: 'gotoTable', tableId: 8 }],
  },
  misc_actions: {
    command: 'add', tableId: 8, priority: 3, cookie: 9n, idleTimeout: 30, hardTimeout: 60,
    match: { ethType: 0x86dd, reg0: 5 },
    instructions: [{ type: 'applyActions', actions: [
      { type: 'setQueue', queueId: 3 }, { type: 'decNwTtl' }, { type: 'output', port: OFPP_CONTROLLER, maxLen: 128 }, { type: 'output', port: OFPP_LOCAL },
    ] }],
  },
  modify_strict: {
    command: 'modifyStrict', tableId: 1, priority: 200, cookie: 0n,
    match: { inPort: 3, ethSrc: '02:00:00:00:00:01', ethType: 0x0800, ipv4Src: '10.1.0.5' },
    instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 9 }] }],
  },
  delete_cookie: {
    command: 'delete', tableId: 6, priority: 0x8000, cookie: 7n, cookieMask: 0xffffffffffffffffn, outPort: 5,
    match: {}, instructions: [],
  },
};

const GROUPS: Record<string, GroupMod> = {
  group_all: { command: 'add', type: 'all', groupId: 1, buckets: [{ actions: [{ type: 'output', port: 1 }] }, { actions: [{ type: 'output', port: 2 }] }] },
  group_select: { command: 'add', type: 'select', groupId: 2, buckets: [{ weight: 10, actions: [{ type: 'output', port: 1 }] }, { weight: 20, actions: [{ type: 'output', port: 2 }] }] },
  group_ff: { command: 'add', type: 'ff', groupId: 3, buckets: [{ watchPort: 1, actions: [{ type: 'output', port: 1 }] }, { watchPort: 2, actions: [{ type: 'output', port: 2 }] }] },
  group_indirect: { command: 'add', type: 'indirect', groupId: 4, buckets: [{ actions: [{ type: 'output', port: 5 }] }] },
};

/** What decoding gives back: MACs lowercase, defaults omitted, match keys in wire order. */
function decodedForm(m: FlowMod): FlowMod {
  const copy = structuredClone(m);
  const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);
  for (const ins of copy.instructions)
    if (ins.type === 'applyActions' || ins.type === 'writeActions')
      for (const a of ins.actions) if (a.type === 'setField') a.value = lower(a.value) as string;
  return copy;
}

describe('flow-mod codec against ovs-ofctl bytes', () => {
  for (const f of fx.flowMods) {
    it(`encodes ${f.name} exactly like ovs-ofctl (${f.ofctl})`, () => {
      const expected = Buffer.from(f.hex, 'hex');
      const actual = encodeFlowMod(FLOWS[f.name], 0x0badf00d);
      expect(firstDifference(actual, expected)).toBe('');
      expect(actual.readUInt32BE(4)).toBe(0x0badf00d);
    });
    it(`decodes ${f.name} into the flow object`, () => {
      const d = decodeMessage(Buffer.from(f.hex, 'hex'));
      expect(d.typeName).toBe('OFPT_FLOW_MOD');
      expect(d.xid).toBe(Buffer.from(f.hex, 'hex').readUInt32BE(4));
      expect(d.flowMod).toEqual(decodedForm(FLOWS[f.name]));
    });
  }
});

describe('group-mod codec against ovs-ofctl bytes', () => {
  for (const g of fx.groupMods) {
    it(`encodes and decodes ${g.name} (${g.ofctl})`, () => {
      const expected = ghex(g.name);
      expect(firstDifference(encodeGroupMod(GROUPS[g.name], 77), expected)).toBe('');
      expect(decodeMessage(expected).groupMod).toEqual(GROUPS[g.name]);
    });
  }
});

describe('other messages against ovs-ofctl bytes', () => {
  it('hello offering only 1.3 matches; our 1.3+1.4 offer sets both bitmap bits', () => {
    expect(firstDifference(encodeHello([4], 5), msg('hello'))).toBe('');
    const ours = encodeHello([4, 5], 1);
    expect(ours.toString('hex')).toBe('05000010000000010001000800000030');
    expect(decodeMessage(ours).versions).toEqual([4, 5]);
  });
  it('barrier, echo, flow-stats and group-desc requests', () => {
    expect(firstDifference(encodeBarrierRequest(1), msg('barrierRequest'))).toBe('');
    expect(firstDifference(encodeEchoRequest(1), msg('echoRequest'))).toBe('');
    expect(firstDifference(encodeFlowStatsRequest(1), msg('flowStatsRequest'))).toBe('');
    expect(firstDifference(encodeGroupDescRequest(1), msg('groupDescRequest'))).toBe('');
    const q = decodeMessage(msg('flowStatsRequest'));
    expect(q.flowStatsRequest).toEqual({ tableId: 0xff, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: {} });
  });
  it('a cookie filter without mask selects exactly that cookie', () => {
    const q = decodeMessage(encodeFlowStatsRequest(9, { tableId: 3, cookie: 0x42n })).flowStatsRequest!;
    expect(q).toMatchObject({ tableId: 3, cookie: 0x42n, cookieMask: 0xffffffffffffffffn });
  });
  it('decodes the switch error for a duplicate group, pointing at the failing request', () => {
    const e = decodeMessage(msg('errorGroupExists'));
    expect(e).toMatchObject({ typeName: 'OFPT_ERROR', errorType: 6, errorCode: 0, errorName: 'OFPGMFC_GROUP_EXISTS', failedType: 15 });
    expect(e.failedXid).toBe(e.xid);
    expect(decodeMessage(e.data!).groupMod).toEqual(GROUPS.group_all);
  });
  it('decodes the flow-stats reply into the flows the fixtures installed', () => {
    const flows = (fx.messages.flowStatsReplies as string[]).flatMap((h) => decodeMessage(Buffer.from(h, 'hex')).flows ?? []);
    const installed = ['classify', 'spoof_ipv4', 'masked_tcp', 'vlan_push', 'vlan_pop', 'arp_responder', 'tunnel_udp', 'icmp_drop', 'write_clear', 'misc_actions'];
    const expected = installed.map((n) => flowModToString(FLOWS[n], { cookie: true })).sort();
    // The dump also holds the bundle fixture's flow, installed after the dump (so absent) — compare exactly.
    expect(flows.map((f) => flowStatsToString(f, { cookie: true })).sort()).toEqual(expected);
    // ...and those lines are what ovs-ofctl printed for the same bridge.
    expect(expected).toEqual(fx.ofctlDump.filter((l) => !l.startsWith('cookie=0xa,')).sort());
    const misc = flows.find((f) => f.tableId === 8)!;
    expect(misc).toMatchObject({ idleTimeout: 30, hardTimeout: 60, cookie: 9n, packetCount: 0n, byteCount: 0n });
  });
  it('decodes the group-desc reply', () => {
    const groups = (fx.messages.groupDescReplies as string[]).flatMap((h) => decodeMessage(Buffer.from(h, 'hex')).groups ?? []);
    expect(groups.sort((a, b) => a.groupId - b.groupId)).toEqual(Object.values(GROUPS).map(({ command: _c, ...g }) => g));
  });
  it('encodes an OpenFlow 1.4 bundle exactly like ovs-ofctl --bundle (open, add, commit)', () => {
    const [open, add, commit] = (fx.messages.bundleMessages as string[]).map((h) => Buffer.from(h, 'hex'));
    const flow: FlowMod = { command: 'add', tableId: 9, priority: 1, cookie: 0xan, match: {}, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 1 }] }] };
    const buf = encodeBatch({ version: 5, firstXid: 100, flowMods: [flow], bundleId: 0 });
    const parts = [buf.subarray(0, open.length), buf.subarray(open.length, open.length + add.length), buf.subarray(open.length + add.length)];
    expect(firstDifference(parts[0], open)).toBe('');
    // The inner flow-mod repeats the outer xid; compare the add with both xids masked.
    const maskInner = (b: Buffer) => Buffer.concat([b.subarray(0, 20), b.subarray(24)]);
    expect(firstDifference(maskInner(parts[1]), maskInner(add))).toBe('');
    expect(parts[1].readUInt32BE(20)).toBe(parts[1].readUInt32BE(4));
    expect(firstDifference(parts[2], commit)).toBe('');
    expect(decodeMessage(add).message?.flowMod).toEqual(flow);
  });
});

describe('raw actions and instructions', () => {
  it('re-encodes raw hex of any length, also past the 63-character fast path of string properties', () => {
    // 40-byte experimenter action and 48-byte experimenter instruction: 80 and 96 hex digits.
    const action = 'ffff0028000023200023000100000000' + '0000ff0000000000' + '001900100001d6040000000100000000';
    const instruction = 'ffff0030' + 'deadbeef' + '00'.repeat(40);
    const flow: FlowMod = { ...FLOWS.classify, instructions: [{ type: 'applyActions', actions: [{ type: 'raw', hex: action }] }, { type: 'raw', hex: instruction }] };
    const decoded = decodeMessage(encodeFlowMod(flow, 1)).flowMod!;
    expect(decoded.instructions).toEqual(flow.instructions);
  });
});

describe('encoder input checks', () => {
  it('rejects unknown fields, bad addresses and out-of-range numbers with TypeError', () => {
    const base = FLOWS.classify;
    expect(() => encodeFlowMod({ ...base, match: { nope: 1 } as never }, 1)).toThrow(/unknown match field 'nope'/);
    expect(() => encodeFlowMod({ ...base, match: { ethSrc: '02:00:00:00:00' } }, 1)).toThrow(TypeError);
    expect(() => encodeFlowMod({ ...base, match: { ipv4Src: '10.0.0.256' } }, 1)).toThrow(/not an IPv4 address/);
    expect(() => encodeFlowMod({ ...base, priority: 70000 }, 1)).toThrow(/exceeds 16 bits/);
    expect(() => encodeFlowMod({ ...base, match: { ethTypeMask: 1 } as never }, 1)).toThrow(/cannot be masked/);
    expect(() => decodeMessage(Buffer.from('040e0030', 'hex'))).toThrow(RangeError);
  });
  it('encodes a full mask as an exact match, as OVS does', () => {
    const a = encodeFlowMod({ ...FLOWS.spoof_ipv4, match: { ...FLOWS.spoof_ipv4.match, ipv4SrcMask: '255.255.255.255' } }, 6);
    expect(firstDifference(a, hex('spoof_ipv4'))).toBe('');
  });
});
