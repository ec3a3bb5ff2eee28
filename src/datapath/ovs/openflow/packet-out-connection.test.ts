/**
 * OpenFlowConnection.packetOuts() against a scripted switch on a unix socket (no OVS): the packet-outs go
 * back to back with consecutive xids and ONE barrier after them; an OFPT_ERROR answering one of them
 * rejects naming its index while the others were sent; bad input throws before anything is sent.
 * (test/integration/openflow.test.ts sends them through a real vswitchd.)
 */
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NetpluginError } from '../../../common/errors.js';
import { decodeMessage, encodeHello, OFPBRC_BAD_PORT, OFPET_BAD_REQUEST, OpenFlowConnection, type PacketOut } from './index.js';

const OFPT_HELLO = 0;
const OFPT_ERROR = 1;
const OFPT_FEATURES_REQUEST = 5;
const OFPT_FEATURES_REPLY = 6;
const OFPT_PACKET_OUT = 13;
const OFPT_BARRIER_REQUEST = 20;
const OFPT_BARRIER_REPLY = 21;

/** A header-only or header+body OpenFlow 1.3 message. */
function message(type: number, xid: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 4;
  h[1] = type;
  h.writeUInt16BE(8 + body.length, 2);
  h.writeUInt32BE(xid, 4);
  return Buffer.concat([h, body]);
}

/** A switch that says hello (1.3), answers features and barriers, and refuses packet-outs whose in_port is 77 with OFPBRC_BAD_PORT. */
async function scriptedSwitch(dir: string) {
  const path = join(dir, 'switch.mgmt');
  const received: { type: number; xid: number }[] = [];
  const packetOuts: PacketOut[] = [];
  const server = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8 && buf.length >= buf.readUInt16BE(2)) {
        const len = buf.readUInt16BE(2);
        const m = buf.subarray(0, len);
        buf = buf.subarray(len);
        const type = m[1];
        const xid = m.readUInt32BE(4);
        received.push({ type, xid });
        if (type === OFPT_HELLO) sock.write(encodeHello([4], xid));
        else if (type === OFPT_FEATURES_REQUEST) sock.write(message(OFPT_FEATURES_REPLY, xid, Buffer.alloc(24)));
        else if (type === OFPT_BARRIER_REQUEST) sock.write(message(OFPT_BARRIER_REPLY, xid));
        else if (type === OFPT_PACKET_OUT) {
          const p = decodeMessage(Buffer.from(m)).packetOut!;
          packetOuts.push(p);
          if (p.inPort === 77) {
            const body = Buffer.alloc(4);
            body.writeUInt16BE(OFPET_BAD_REQUEST, 0);
            body.writeUInt16BE(OFPBRC_BAD_PORT, 2);
            sock.write(message(OFPT_ERROR, xid, Buffer.concat([body, m.subarray(0, 64)])));
          }
        }
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(path, r));
  return { path, received, packetOuts, close: () => server.close() };
}

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.reverse()) f();
  cleanup = [];
});

async function connected() {
  const dir = mkdtempSync(join(tmpdir(), 'np-pktout-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const sw = await scriptedSwitch(dir);
  cleanup.push(sw.close);
  const conn = await OpenFlowConnection.connect(sw.path, { timeoutMs: 5000 });
  cleanup.push(() => conn.close());
  sw.received.length = 0;
  return { sw, conn };
}

const frame = Buffer.from('01005e00000102000a000001080045c0001c0000400001020000', 'hex');
const out = (port: number) => [{ type: 'output' as const, port }];

describe('OpenFlowConnection.packetOuts', () => {
  it('sends the packet-outs with consecutive xids, then one barrier, and resolves on its reply', async () => {
    const { sw, conn } = await connected();
    await conn.packetOuts([{ actions: out(1), data: frame }, { inPort: 2, actions: out(0xfffffff8), data: frame }]);
    expect(sw.received.map((m) => m.type)).toEqual([OFPT_PACKET_OUT, OFPT_PACKET_OUT, OFPT_BARRIER_REQUEST]);
    const [a, b, barrier] = sw.received.map((m) => m.xid);
    expect([b - a, barrier - a]).toEqual([1, 2]);
    expect(sw.packetOuts).toEqual([
      { inPort: 0xfffffffd, actions: out(1), data: frame },
      { inPort: 2, actions: out(0xfffffff8), data: frame },
    ]);
  });

  it('sends nothing for an empty list', async () => {
    const { sw, conn } = await connected();
    await conn.packetOuts([]);
    expect(sw.received).toEqual([]);
  });

  it('rejects naming the refused packet-out by its index; the others were sent', async () => {
    expect.assertions(3);
    const { sw, conn } = await connected();
    try {
      await conn.packetOuts([{ actions: out(1), data: frame }, { inPort: 77, actions: out(1), data: frame }, { actions: out(2), data: frame }]);
    } catch (e) {
      expect(e).toBeInstanceOf(NetpluginError);
      expect((e as NetpluginError).details).toMatchObject({ failures: [{ index: 1, kind: 'packetOut', kindIndex: 1, type: OFPET_BAD_REQUEST, code: OFPBRC_BAD_PORT, message: 'OFPBRC_BAD_PORT' }] });
    }
    expect(sw.packetOuts).toHaveLength(3);
  });

  it('throws on bad input naming its index, before anything is sent', async () => {
    const { sw, conn } = await connected();
    await expect(conn.packetOuts([{ actions: out(1), data: frame }, { actions: out(1), data: Buffer.alloc(0) }])).rejects.toThrow(/^OpenFlow encode: packetOuts\[1\]: packetOut\.data: empty frame/);
    // A barrier round trip proves the connection still works and that no packet-out went before it.
    await conn.packetOuts([{ actions: out(3), data: frame }]);
    expect(sw.packetOuts.map((p) => p.actions)).toEqual([out(3)]);
  });
});
