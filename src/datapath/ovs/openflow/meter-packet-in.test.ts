/**
 * OFPT_METER_MOD and OFPT_PACKET_IN against a real vswitchd (test/fixtures/openflow/capture-policy.mjs):
 * the meter-mods ovs-ofctl sent and the line `ovs-ofctl ofp-print` gave for each, and the packet-ins a
 * bare OpenFlow 1.3 and 1.4 connection received for a tracked, registered frame sent to CONTROLLER:128.
 */
import { describe, expect, it } from 'vitest';
import {
  CS_NEW,
  CS_TRACKED,
  decodeMessage,
  encodeMeterMod,
  encodeSetConfig,
  meterModToString,
  OFP_NO_BUFFER,
  OFPMF_BURST,
  OFPMF_KBPS,
  OFPMF_PKTPS,
  OFPMF_STATS,
  OFPP_LOCAL,
  OFPR_ACTION,
  type MeterMod,
} from './index.js';
import { firstDifference, loadPolicyFixtures } from '../../../../test/helpers/openflow-fixtures.js';

const fx = loadPolicyFixtures();
const bytes = (h: string) => Buffer.from(h, 'hex');
const meterFixture = (name: string) => fx.meterMods.find((m) => m.name === name)!;

/** The meter-mods of the fixtures, written by hand from their ovs-ofctl text. */
const METERS: Record<string, MeterMod> = {
  meter_kbps: { command: 'add', meterId: 1, flags: OFPMF_KBPS, bands: [{ type: 'drop', rate: 1000 }] },
  meter_pktps_burst_stats: { command: 'add', meterId: 2, flags: OFPMF_PKTPS | OFPMF_BURST | OFPMF_STATS, bands: [{ type: 'drop', rate: 100, burstSize: 20 }] },
  meter_kbps_burst: { command: 'add', meterId: 3, flags: OFPMF_KBPS | OFPMF_BURST, bands: [{ type: 'drop', rate: 10000, burstSize: 8000 }] },
  meter_modify: { command: 'modify', meterId: 1, flags: OFPMF_KBPS | OFPMF_STATS, bands: [{ type: 'drop', rate: 2000 }] },
  meter_delete: { command: 'delete', meterId: 3, flags: 0, bands: [] },
};

describe('OFPT_METER_MOD against ovs-ofctl', () => {
  it('the fixtures hold every meter-mod written here', () => {
    expect(fx.meterMods.map((m) => m.name).sort()).toEqual(Object.keys(METERS).sort());
  });
  for (const [name, mod] of Object.entries(METERS)) {
    const c = meterFixture(name);
    it(`${name}: encodes to ovs-ofctl's bytes (${c.ofctl})`, () => {
      expect(firstDifference(encodeMeterMod(mod, 2), bytes(c.meterMod))).toBe('');
    });
    it(`${name}: decodes to the object and prints as ofp-print does`, () => {
      const m = decodeMessage(bytes(c.meterMod));
      expect(m.typeName).toBe('OFPT_METER_MOD');
      expect(m.meterMod).toEqual(mod);
      expect(meterModToString(m.meterMod!)).toBe(c.print.replace(/^OFPT_METER_MOD \(OF1\.3\) \(xid=0x2\): /, ''));
    });
  }

  it('keeps a band type vswitchd does not offer (DSCP remark) as raw bytes, both ways', () => {
    const dscp = '0002001000000064000000000a000000';
    const h = meterFixture('meter_kbps').meterMod;
    const msg = bytes(h.slice(0, 4) + '0030' + h.slice(8) + dscp);
    const m = decodeMessage(msg).meterMod!;
    expect(m.bands).toEqual([{ type: 'drop', rate: 1000 }, { type: 'raw', hex: dscp }]);
    expect(firstDifference(encodeMeterMod(m, 2), msg)).toBe('');
  });

  it('refuses bad meter-mods naming the field', () => {
    const ok = METERS.meter_kbps;
    expect(() => encodeMeterMod({ ...ok, command: 'replace' as never }, 1)).toThrow(/meterMod\.command: 'replace'/);
    expect(() => encodeMeterMod({ ...ok, bands: [{ type: 'remark' } as never] }, 1)).toThrow(/meterMod\.bands\[0\]\.type: 'remark'/);
    expect(() => encodeMeterMod({ ...ok, bands: [{ type: 'drop' } as never] }, 1)).toThrow(/rate/);
    expect(() => encodeMeterMod({ ...ok, meterId: 2 ** 32 }, 1)).toThrow(/meterId/);
    expect(() => encodeMeterMod({ ...ok, bands: [{ type: 'raw', hex: '00020008' }] }, 1)).toThrow(/bands\[0\]\.hex/);
  });

  it('a meter instruction and CONTROLLER:128 round-trip in a flow (meter_controller)', () => {
    const c = fx.flows.find((f) => f.name === 'meter_controller')!;
    expect(decodeMessage(bytes(c.flowMod)).flowMod!.instructions[0]).toEqual({ type: 'meter', meterId: 2 });
  });
});

describe('OFPT_PACKET_IN from vswitchd', () => {
  for (const c of fx.packetIns) {
    it(`${c.name}: a bare connection gets none until OFPT_SET_CONFIG sets miss_send_len (then exactly one)`, () => {
      expect(c.withoutSetConfig).toEqual([]);
      expect(c.withSetConfig).toHaveLength(1);
    });
    it(`${c.name}: decodes buffer, reason, table, cookie, the metadata match and the frame (ofp-print: ${c.print[0].split('\n')[0]})`, () => {
      const m = decodeMessage(bytes(c.withSetConfig[0]));
      expect(m.version).toBe(c.version);
      expect(m.typeName).toBe('OFPT_PACKET_IN');
      const p = m.packetIn!;
      expect({ bufferId: p.bufferId, totalLen: p.totalLen, reason: p.reason, tableId: p.tableId, cookie: p.cookie }).toEqual({
        bufferId: OFP_NO_BUFFER,
        totalLen: 60,
        reason: OFPR_ACTION,
        tableId: 3,
        cookie: 0xdeadbeefn,
      });
      // ofp-print: ct_state=new|trk,ct_zone=7,ct_nw_src=...,ip,reg1=0x5,metadata=0x2a,in_port=LOCAL
      expect(p.match).toMatchObject({ inPort: OFPP_LOCAL, ethType: 0x0800, reg1: 5, ctState: CS_NEW | CS_TRACKED, ctZone: 7, metadata: 0x2an });
      // The conntrack tuple fields the codec does not name stay as hex (NXM_NX_CT_NW_SRC is class 1, field 120).
      expect(p.match['oxm_0001_120']).toBe('0a000001');
      expect(p.data.equals(bytes(c.frame).subarray(0, p.data.length))).toBe(true);
      expect(p.data.length).toBe(60);
    });
  }

  it('rejects a packet-in whose match runs past the message', () => {
    const h = fx.packetIns[0].withSetConfig[0];
    // ofp_match.length (at byte 26) claims 0x0400 bytes.
    const bad = bytes(h.slice(0, 52) + '0400' + h.slice(56));
    expect(() => decodeMessage(bad)).toThrow(RangeError);
  });
});

describe('OFPT_SET_CONFIG', () => {
  it('encodes flags and miss_send_len after the header (as capture-policy.mjs sends it)', () => {
    expect(encodeSetConfig(2, 0, 0xffff, 5).toString('hex')).toBe('0509000c000000020000ffff');
    expect(decodeMessage(encodeSetConfig(7, 0, 128)).typeName).toBe('OFPT_SET_CONFIG');
  });
});
