/**
 * OFPT_PACKET_OUT against a real ovs-ofctl and vswitchd (test/fixtures/openflow/capture-packet-out.mjs):
 * the bytes `ovs-ofctl packet-out` sent and the line `ofp-print` gave for each, both ways; random
 * packet-outs round-trip through encode and decode; mutated bytes decode or fail cleanly; and the
 * message-level fake records what it is sent.
 */
import { describe, expect, it } from 'vitest';
import { NetpluginError } from '../../../common/errors.js';
import { decodeMessage, encodePacketOut, OFPP_CONTROLLER, OFPP_IN_PORT, packetOutToString, type Action, type PacketOut } from './index.js';
import { FakeSwitch } from '../../../../test/fakes/fake-switch.js';
import { firstDifference, loadPacketOutFixtures } from '../../../../test/helpers/openflow-fixtures.js';
import { rng } from '../../../../test/helpers/rng.js';

const fx = loadPacketOutFixtures();
const bytes = (h: string) => Buffer.from(h, 'hex');
const frame = bytes(fx.frame);
const fixture = (name: string) => fx.packetOuts.find((p) => p.name === name)!;

/** The packet-outs of the fixtures, written by hand from their ovs-ofctl text. */
const PACKET_OUTS: Record<string, PacketOut> = {
  controller_output: { actions: [{ type: 'output', port: 1 }], data: frame },
  controller_two_outputs: { inPort: OFPP_CONTROLLER, actions: [{ type: 'output', port: 1 }, { type: 'output', port: 2 }], data: frame },
  port_to_in_port: { inPort: 1, actions: [{ type: 'output', port: OFPP_IN_PORT }], data: frame },
  controller_push_vlan_output: { actions: [{ type: 'pushVlan' }, { type: 'setField', field: 'vlanVid', value: 0x1000 | 100 }, { type: 'output', port: 2 }], data: frame },
  port_to_group: { inPort: 2, actions: [{ type: 'group', groupId: 7 }], data: frame },
  missing_in_port: { inPort: 77, actions: [{ type: 'output', port: 1 }], data: frame },
};

describe('OFPT_PACKET_OUT against ovs-ofctl', () => {
  it('the fixtures hold every packet-out written here, and vswitchd refused none', () => {
    expect(fx.packetOuts.map((p) => p.name).sort()).toEqual(Object.keys(PACKET_OUTS).sort());
    expect(fx.packetOuts.flatMap((p) => p.errors)).toEqual([]);
  });
  for (const [name, p] of Object.entries(PACKET_OUTS)) {
    const c = fixture(name);
    it(`${name}: encodes to ovs-ofctl's bytes (${c.ofctl})`, () => {
      expect(firstDifference(encodePacketOut(p, 6), bytes(c.packetOut))).toBe('');
    });
    it(`${name}: decodes to the object and prints as ofp-print does`, () => {
      const m = decodeMessage(bytes(c.packetOut));
      expect(m.typeName).toBe('OFPT_PACKET_OUT');
      expect(m.xid).toBe(6);
      expect(m.packetOut).toEqual({ inPort: OFPP_CONTROLLER, ...p });
      expect(packetOutToString(m.packetOut!)).toBe(c.print.split('\n')[0].replace(/^OFPT_PACKET_OUT \(OF1\.3\) \(xid=0x6\): /, ''));
    });
  }

  it('lays out the fixed part as ofp_packet_out: 24 bytes, buffer_id OFP_NO_BUFFER, then actions_len and 6 pad bytes', () => {
    const b = encodePacketOut(PACKET_OUTS.controller_two_outputs, 9);
    expect(b.readUInt8(1)).toBe(13);
    expect(b.readUInt16BE(2)).toBe(b.length);
    expect(b.readUInt32BE(8)).toBe(0xffffffff);
    expect(b.readUInt32BE(12)).toBe(OFPP_CONTROLLER);
    expect(b.readUInt16BE(16)).toBe(32);
    expect(b.subarray(18, 24)).toEqual(Buffer.alloc(6));
    expect(b.subarray(24 + 32)).toEqual(frame);
  });

  it('keeps a switch buffer id both ways and prints it', () => {
    const p: PacketOut = { inPort: 3, bufferId: 0x105, actions: [{ type: 'output', port: 1 }], data: Buffer.alloc(0) };
    const m = decodeMessage(encodePacketOut(p, 1)).packetOut!;
    expect(m).toEqual(p);
    expect(packetOutToString(m)).toBe('in_port=3 actions=output:1 data_len=0 buffer=0x00000105');
  });

  it('refuses bad input naming the field, and an actions_len that overruns the message', () => {
    expect(() => encodePacketOut({ actions: [], data: 'ab' as unknown as Buffer }, 1)).toThrow(/packetOut\.data must be a Buffer/);
    expect(() => encodePacketOut({ actions: [], data: Buffer.alloc(0) }, 1)).toThrow(/packetOut\.data: empty frame/);
    expect(() => encodePacketOut({ inPort: 2 ** 32, actions: [], data: frame }, 1)).toThrow(/packetOut\.inPort/);
    expect(() => encodePacketOut({ actions: [{ type: 'nope' } as unknown as Action], data: frame }, 1)).toThrow(TypeError);
    const b = bytes(fixture('controller_output').packetOut);
    b.writeUInt16BE(0x100, 16);
    expect(() => decodeMessage(b)).toThrow(RangeError);
  });
});

describe('OFPT_PACKET_OUT fuzz', () => {
  const ACTIONS: ((r: ReturnType<typeof rng>) => Action)[] = [
    (r) => ({ type: 'output', port: r.pick([1, 2, 77, OFPP_IN_PORT, 0xfffffffb]) }),
    (r) => ({ type: 'group', groupId: r.int(1000) }),
    () => ({ type: 'pushVlan' }),
    () => ({ type: 'popVlan' }),
    (r) => ({ type: 'setField', field: 'vlanVid', value: 0x1000 | r.int(4096) }),
  ];

  it('round-trips random packet-outs: decode(encode(p)) is p and encodes to the same bytes', () => {
    const r = rng(1401);
    for (let i = 0; i < 500; i++) {
      const p: PacketOut = {
        inPort: r.pick([OFPP_CONTROLLER, 1, 2, 0xfffffffe, r.int(0xffff00)]),
        actions: Array.from({ length: r.int(5) }, () => r.pick(ACTIONS)(r)),
        data: Buffer.from(Array.from({ length: 1 + r.int(1500) }, () => r.int(256))),
      };
      const b = encodePacketOut(p, i + 1);
      const back = decodeMessage(b).packetOut!;
      expect(back).toEqual(p);
      expect(encodePacketOut(back, i + 1)).toEqual(b);
    }
  });

  it('decodes mutated fixture bytes to a packet-out or a RangeError, nothing else', () => {
    const r = rng(1402);
    let decoded = 0;
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(bytes(r.pick(fx.packetOuts).packetOut));
      for (let k = 1 + r.int(4); k > 0; k--) b[8 + r.int(b.length - 8)] = r.int(256);
      try {
        if (decodeMessage(b).packetOut) decoded++;
      } catch (e) {
        expect(e).toBeInstanceOf(RangeError);
      }
    }
    // A positive control: most mutations hit the frame, so many still decode.
    expect(decoded).toBeGreaterThan(1000);
  });
});

describe('FakeSwitch.packetOuts', () => {
  it('records the packet-outs in order with a barrier, copying the frames', async () => {
    const sw = new FakeSwitch();
    const data = Buffer.from(frame);
    await sw.packetOuts([PACKET_OUTS.controller_output, { ...PACKET_OUTS.port_to_in_port, data }]);
    data[0] = 0xff;
    expect(sw.packetOutsSent).toEqual([PACKET_OUTS.controller_output, PACKET_OUTS.port_to_in_port]);
    expect(sw.messages.map((m) => m.kind)).toEqual(['packetOut', 'packetOut', 'barrier']);
  });

  it('rejects naming the packet-outs failWhen selects, the others still sent', async () => {
    expect.assertions(3);
    const sw = new FakeSwitch();
    sw.failWhen((m) => m.kind === 'packetOut' && m.packetOut.inPort === 77);
    try {
      await sw.packetOuts([PACKET_OUTS.controller_output, PACKET_OUTS.missing_in_port]);
    } catch (e) {
      expect(e).toBeInstanceOf(NetpluginError);
      expect((e as NetpluginError).details).toMatchObject({ failures: [{ index: 1, kind: 'packetOut', kindIndex: 1, message: 'OFPBRC_BAD_PORT' }] });
    }
    expect(sw.packetOutsSent).toHaveLength(2);
  });
});
