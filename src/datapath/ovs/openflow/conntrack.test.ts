/**
 * The conntrack action (NXAST_CT with a nested NXAST_NAT) against bytes the real ovs-ofctl sent and
 * ovs-vswitchd dumped back (test/fixtures/openflow/capture-format.mjs): encoding, decoding, and the
 * forms the codec keeps raw.
 */
import { describe, expect, it } from 'vitest';
import { CS_ESTABLISHED, CS_NEW, CS_REPLY_DIR, CS_SRC_NAT, CS_TRACKED, decodeMessage, encodeFlowMod, flowModToString, type Action, type FlowMod } from './index.js';
import { firstDifference, loadFormatFixtures } from '../../../../test/helpers/openflow-fixtures.js';

const fx = loadFormatFixtures();
const bytes = (h: string) => Buffer.from(h, 'hex');
const fixture = (name: string) => {
  const f = fx.flows.find((x) => x.name === name);
  if (!f) throw new Error(`no fixture ${name}`);
  return f;
};
const ip = { ethType: 0x0800 };

/** The ct fixtures, written by hand from their ovs-ofctl text. */
const CT_FLOWS: Record<string, { match: FlowMod['match']; actions: Action[] }> = {
  ct_commit_zone: { match: ip, actions: [{ type: 'ct', commit: true, zone: 5 }] },
  ct_commit_snat: { match: ip, actions: [{ type: 'ct', commit: true, zone: 5, nat: { kind: 'src', ipMin: '169.254.64.17' } }] },
  ct_commit_snat_range: {
    match: ip,
    actions: [{ type: 'ct', commit: true, zone: 7, nat: { kind: 'src', ipMin: '10.0.0.1', ipMax: '10.0.0.9', portMin: 1024, portMax: 65535 } }],
  },
  ct_nat_restore_table: { match: ip, actions: [{ type: 'ct', zone: 5, table: 35, nat: { kind: 'restore' } }] },
  ct_table_zone: { match: ip, actions: [{ type: 'ct', zone: 5, table: 35 }] },
  ct_snat_then_output: {
    match: { ...ip, inPort: 3 },
    actions: [{ type: 'ct', commit: true, zone: 5, nat: { kind: 'src', ipMin: '169.254.64.17' } }, { type: 'output', port: 65002 }],
  },
  ct_dnat_port_flags: {
    match: { ...ip, ipProto: 6 },
    actions: [{ type: 'ct', commit: true, zone: 65535, nat: { kind: 'dst', ipMin: '10.1.0.5', portMin: 8080, random: true, persistent: true } }],
  },
  ct_snat_equal_bounds: {
    match: ip,
    actions: [{ type: 'ct', commit: true, nat: { kind: 'src', ipMin: '10.0.0.1', ipMax: '10.0.0.1', portMin: 80, portMax: 80 } }],
  },
  ct_table_zero_no_zone: { match: ip, actions: [{ type: 'ct', table: 0 }] },
  ct_bare: { match: ip, actions: [{ type: 'ct' }] },
};

function flowOf(name: string): FlowMod {
  const priority = Number(/priority=(\d+)/.exec(fixture(name).ofctl)![1]);
  const c = CT_FLOWS[name];
  return { command: 'add', tableId: 7, priority, cookie: 0n, match: c.match, instructions: [{ type: 'applyActions', actions: c.actions }] };
}

describe('ct actions against ovs-ofctl and ovs-vswitchd bytes', () => {
  it('every ct fixture of the capture script has a hand-written object here', () => {
    const captured = fx.flows.filter((f) => f.name.startsWith('ct_') && !f.name.startsWith('ct_match_')).map((f) => f.name).sort();
    expect(captured).toEqual(Object.keys(CT_FLOWS).sort());
  });

  for (const name of Object.keys(CT_FLOWS)) {
    it(`${name}: encodes to the bytes ovs-ofctl sent (${fixture(name).ofctl})`, () => {
      expect(firstDifference(encodeFlowMod(flowOf(name), 6), bytes(fixture(name).flowMod))).toBe('');
    });

    it(`${name}: decodes the flow-mod and the switch's dump to the same object`, () => {
      const expected = flowOf(name);
      expect(decodeMessage(bytes(fixture(name).flowMod)).flowMod!.instructions).toEqual(expected.instructions);
      const dumped = fixture(name).flowStatsReplies.flatMap((h) => decodeMessage(bytes(h)).flows ?? []);
      expect(dumped).toHaveLength(1);
      expect(dumped[0].instructions).toEqual(expected.instructions);
    });

    it(`${name}: prints the line ovs-ofctl dump-flows printed`, () => {
      expect(flowModToString(flowOf(name))).toBe(fixture(name).dump);
    });
  }

  it('prints ct members in OVS order whatever order the object lists them in', () => {
    const reordered: Action = { nat: { kind: 'restore' }, table: 35, zone: 5, type: 'ct' };
    expect(flowModToString({ ...flowOf('ct_nat_restore_table'), instructions: [{ type: 'applyActions', actions: [reordered] }] })).toBe(fixture('ct_nat_restore_table').dump);
  });

  it('zone 0 and an absent zone encode alike, as ovs-ofctl leaves zone 0 out', () => {
    const withZero = flowOf('ct_bare');
    withZero.instructions = [{ type: 'applyActions', actions: [{ type: 'ct', zone: 0, commit: false }] }];
    expect(firstDifference(encodeFlowMod(withZero, 6), bytes(fixture('ct_bare').flowMod))).toBe('');
  });
});

describe('ct forms the codec does not model stay raw, byte for byte', () => {
  it('the capture script recorded them', () => {
    expect(fx.unmodeled.map((u) => u.name)).toEqual(['ct_alg', 'ct_zone_from_field', 'ct_force', 'ct_nat_src_no_range', 'ct_nat_hash', 'ct_exec', 'ct_nat_ipv6']);
  });

  for (const u of fx.unmodeled) {
    it(`${u.name}: decodes as raw and re-encodes to the same bytes (${u.ofctl})`, () => {
      const fm = decodeMessage(bytes(u.flowMod)).flowMod!;
      const apply = fm.instructions.find((i) => i.type === 'applyActions');
      expect(apply?.type === 'applyActions' && apply.actions.map((a) => a.type)).toEqual(['raw']);
      expect(firstDifference(encodeFlowMod(fm, 6), bytes(u.flowMod))).toBe('');
      const dumped = u.flowStatsReplies.flatMap((h) => decodeMessage(bytes(h)).flows ?? []);
      expect(dumped[0].instructions).toEqual(fm.instructions);
    });
  }

  it('keeps a ct whose pad bytes are not zero raw, so re-encoding cannot change it', () => {
    const good = bytes(fixture('ct_commit_zone').flowMod);
    const ctAt = good.length - 24;
    expect(good.readUInt16BE(ctAt + 8)).toBe(35);
    const odd = Buffer.from(good);
    odd[ctAt + 19] = 1; // pad[0] after recirc_table
    const fm = decodeMessage(odd).flowMod!;
    expect(fm.instructions).toEqual([{ type: 'applyActions', actions: [{ type: 'raw', hex: odd.subarray(ctAt).toString('hex') }] }]);
    expect(firstDifference(encodeFlowMod(fm, 6), odd)).toBe('');
  });

  it('keeps a NAT with trailing garbage or a ct with a nested non-NAT action raw', () => {
    const snat = bytes(fixture('ct_commit_snat').flowMod);
    const natAt = snat.length - 24;
    expect(snat.readUInt16BE(natAt + 8)).toBe(36);
    const garbage = Buffer.from(snat);
    garbage[snat.length - 1] = 0xaa; // padding after the IPv4 min
    expect(decodeMessage(garbage).flowMod!.instructions[0]).toMatchObject({ actions: [{ type: 'raw' }] });
    const nested = Buffer.from(snat);
    nested.writeUInt16BE(35, natAt + 8); // a ct nested in a ct
    expect(decodeMessage(nested).flowMod!.instructions[0]).toMatchObject({ actions: [{ type: 'raw' }] });
  });
});

/** The ct_match_* fixtures: the match as written, and as decoded (ct_state always comes back masked). */
const CT_MATCHES: Record<string, { match: FlowMod['match']; decoded?: FlowMod['match']; instructions: FlowMod['instructions'] }> = {
  ct_match_trk_est: { match: { ...ip, ctState: CS_TRACKED | CS_ESTABLISHED, ctStateMask: CS_TRACKED | CS_ESTABLISHED }, instructions: [{ type: 'gotoTable', tableId: 10 }] },
  ct_match_state_exact: { match: { ...ip, ctState: 0x22 }, decoded: { ...ip, ctState: 0x22, ctStateMask: 0xff }, instructions: [] },
  ct_match_state_none: { match: { ...ip, ctState: 0, ctStateMask: 0xffffffff }, decoded: { ...ip, ctState: 0, ctStateMask: 0xff }, instructions: [] },
  ct_match_not_tracked: {
    match: { ...ip, ctState: 0, ctStateMask: 0x20 },
    instructions: [{ type: 'applyActions', actions: [{ type: 'ct', table: 10, zone: 5 }] }],
  },
  ct_match_state_mixed: { match: { ctState: CS_NEW | CS_TRACKED | CS_SRC_NAT, ctStateMask: 0x77 }, instructions: [] },
  ct_match_all_fields: {
    match: { inPort: 3, ...ip, reg0: 1, ctState: CS_TRACKED | CS_REPLY_DIR, ctStateMask: CS_TRACKED | CS_REPLY_DIR, ctZone: 300, ctMark: 1, ctMarkMask: 0xff, metadata: 5n },
    instructions: [],
  },
  ct_match_mark_exact: { match: { ctMark: 0x10 }, instructions: [] },
  ct_match_zone_zero: { match: { ctZone: 0, ctMark: 0 }, instructions: [] },
};

describe('ct_state, ct_zone and ct_mark matches against ovs-ofctl and ovs-vswitchd bytes', () => {
  const flow = (name: string): FlowMod => {
    const priority = Number(/priority=(\d+)/.exec(fixture(name).ofctl)![1]);
    return { command: 'add', tableId: 9, priority, cookie: 0n, match: CT_MATCHES[name].match, instructions: CT_MATCHES[name].instructions };
  };

  it('every ct_match fixture of the capture script has a hand-written object here', () => {
    expect(fx.flows.filter((f) => f.name.startsWith('ct_match_')).map((f) => f.name).sort()).toEqual(Object.keys(CT_MATCHES).sort());
  });

  for (const name of Object.keys(CT_MATCHES)) {
    it(`${name}: encodes to the bytes ovs-ofctl sent, decodes back, prints the dump line (${fixture(name).ofctl})`, () => {
      expect(firstDifference(encodeFlowMod(flow(name), 6), bytes(fixture(name).flowMod))).toBe('');
      const decoded = CT_MATCHES[name].decoded ?? CT_MATCHES[name].match;
      expect(decodeMessage(bytes(fixture(name).flowMod)).flowMod!.match).toEqual(decoded);
      const dumped = fixture(name).flowStatsReplies.flatMap((h) => decodeMessage(bytes(h)).flows ?? []);
      expect(dumped.map((f) => f.match)).toEqual([decoded]);
      expect(flowModToString(flow(name))).toBe(fixture(name).dump);
    });
  }

  it('refuses ct_state bits above the eight conntrack states, and a mask on ct_zone', () => {
    const base = flow('ct_match_state_mixed');
    expect(() => encodeFlowMod({ ...base, match: { ctState: 0x100 } }, 1)).toThrow(/match\.ctState: only bits 0\.\.7/);
    expect(() => encodeFlowMod({ ...base, match: { ctZone: 1, ctZoneMask: 1 } as never }, 1)).toThrow(/'ctZone' cannot be masked/);
  });
});

describe('ct input checks', () => {
  const flow = (a: Record<string, unknown>): FlowMod => ({ ...flowOf('ct_bare'), instructions: [{ type: 'applyActions', actions: [{ type: 'ct', ...a } as Action] }] });
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ zone: 65536 }, /ct\.zone.*16 bits/],
    [{ table: 255 }, /ct\.table must be 0\.\.254/],
    [{ table: 256 }, /ct\.table.*8 bits/],
    [{ commit: 'yes' }, /ct\.commit must be a boolean/],
    [{ commit: true, nat: { kind: 'both', ipMin: '10.0.0.1' } }, /ct\.nat\.kind must be 'src', 'dst' or 'restore'/],
    [{ commit: true, nat: { kind: 'src' } }, /missing ct\.nat\.ipMin/],
    [{ commit: true, nat: { kind: 'src', ipMin: '10.0.0' } }, /ct\.nat\.ipMin: '10\.0\.0' is not an IPv4 address/],
    [{ commit: true, nat: { kind: 'src', ipMin: '0.0.0.0' } }, /ct\.nat\.ipMin must not be 0\.0\.0\.0/],
    [{ commit: true, nat: { kind: 'src', ipMin: '10.0.0.9', ipMax: '10.0.0.1' } }, /ct\.nat\.ipMax must not be below ipMin/],
    [{ commit: true, nat: { kind: 'src', ipMin: '10.0.0.1', portMin: 0 } }, /ct\.nat\.portMin must be 1\.\.65535/],
    [{ commit: true, nat: { kind: 'src', ipMin: '10.0.0.1', portMax: 80 } }, /ct\.nat\.portMax needs portMin/],
    [{ commit: true, nat: { kind: 'src', ipMin: '10.0.0.1', portMin: 90, portMax: 80 } }, /ct\.nat\.portMax must not be below portMin/],
    [{ commit: true, nat: { kind: 'src', ipMin: '10.0.0.1', random: 1 } }, /ct\.nat\.random must be a boolean/],
    [{ nat: { kind: 'src', ipMin: '10.0.0.1' } }, /a src\/dst nat requires ct\.commit/],
    [{ nat: { kind: 'restore', ipMin: '10.0.0.1' } }, /kind 'restore' takes no range or flags/],
    [{ nat: 'src' }, /ct\.nat must be an object/],
  ];
  for (const [a, re] of bad) {
    it(`refuses ${JSON.stringify(a)} naming the member`, () => {
      expect(() => encodeFlowMod(flow(a), 1)).toThrow(re);
    });
  }
});
