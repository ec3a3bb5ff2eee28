/**
 * Transport behaviour of OpenFlowConnection that a real switch cannot be made to show on demand:
 * switch-initiated echo, silence (timeouts), EOF in the middle of a request, messages split across reads.
 * The peer is a scripted switch on a real unix socket made for this run.
 */
import net from 'node:net';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { NetpluginError } from '../../src/common/errors.js';
import {
  decodeMessage,
  encodeMeterConfigReply,
  encodeMeterConfigRequest,
  encodeMeterStatsReply,
  encodeMeterStatsRequest,
  OFPM_ALL,
  OFPMF_KBPS,
  OFPMP_METER,
  OFPMP_METER_CONFIG,
  OFPMPF_REPLY_MORE,
  OpenFlowConnection,
  type DecodedMessage,
  type MeterConfig,
  type MeterStats,
} from '../../src/datapath/ovs/openflow/index.js';

const suffix = Math.random().toString(36).slice(2, 8);
let n = 0;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A scripted switch: `onMessage` sees each decoded client message with a `send` for raw replies. */
function fakeSwitch(onMessage: (m: DecodedMessage, send: (hex: string | Buffer) => void, sock: net.Socket) => void) {
  const path = `/tmp/npoft-${suffix}-${n++}.sock`;
  const received: DecodedMessage[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((sock) => {
    sockets.push(sock);
    let buf = Buffer.alloc(0);
    sock.on('error', () => undefined);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8 && buf.length >= buf.readUInt16BE(2)) {
        const len = buf.readUInt16BE(2);
        const m = decodeMessage(buf.subarray(0, len));
        buf = buf.subarray(len);
        received.push(m);
        onMessage(m, (h) => sock.write(typeof h === 'string' ? Buffer.from(h, 'hex') : h), sock);
      }
    });
  });
  const ready = new Promise<void>((resolve) => server.listen(path, resolve));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
    rmSync(path, { force: true });
  });
  return { path, ready, received, sockets };
}

/** One OpenFlow message with the given header fields and body. */
function frame(version: number, type: number, xid: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt8(version, 0);
  h.writeUInt8(type, 1);
  h.writeUInt16BE(8 + body.length, 2);
  h.writeUInt32BE(xid, 4);
  return Buffer.concat([h, body]);
}
const xidHex = (xid: number) => xid.toString(16).padStart(8, '0');
const HELLO_13 = '04000010000000010001000800000010';
function featuresReply(xid: number, dpid = '0000000000001234'): string {
  return `04060020${xidHex(xid)}${dpid}00000000fe000000000000470000000000`.slice(0, 64);
}
/** Completes the handshake as an OpenFlow 1.3 switch; returns true when it handled the message. */
function handshake(m: DecodedMessage, send: (h: string | Buffer) => void): boolean {
  if (m.typeName === 'OFPT_HELLO') send(HELLO_13);
  else if (m.typeName === 'OFPT_FEATURES_REQUEST') send(featuresReply(m.xid));
  else return false;
  return true;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<NetpluginError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(NetpluginError);
  expect((e as NetpluginError).code).toBe(code);
  return e as NetpluginError;
}

describe('OpenFlow transport against a scripted switch', () => {
  it('offers 1.3+1.4, settles on 1.3 when that is all the switch has, and reads the datapath id', async () => {
    const sw = fakeSwitch((m, send) => handshake(m, send));
    await sw.ready;
    const c = await OpenFlowConnection.connect(sw.path, { timeoutMs: 2000 });
    cleanups.push(() => c.close());
    expect(sw.received[0].typeName).toBe('OFPT_HELLO');
    expect(sw.received[0].versions).toEqual([4, 5]);
    expect(c.version).toBe(4);
    expect(c.datapathId).toBe(0x1234n);
  });

  it('answers a switch echo request itself, with the same xid and payload', async () => {
    const replies: DecodedMessage[] = [];
    const sw = fakeSwitch((m, send) => {
      if (!handshake(m, send) && m.typeName === 'OFPT_ECHO_REPLY') replies.push(m);
    });
    await sw.ready;
    const c = await OpenFlowConnection.connect(sw.path, { timeoutMs: 2000 });
    cleanups.push(() => c.close());
    sw.sockets[0].write(frame(4, 2, 0xabcdef01, Buffer.from('probe-xyz')));
    const deadline = Date.now() + 2000;
    while (replies.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(replies.length).toBe(1);
    expect(replies[0].xid).toBe(0xabcdef01);
    expect(replies[0].data!.toString()).toBe('probe-xyz');
    expect(c.stats().echoRequestsAnswered).toBe(1);
  });

  it('rejects with NP_OPENFLOW_TIMEOUT when the switch never answers', async () => {
    const sw = fakeSwitch(() => undefined);
    await sw.ready;
    const t0 = Date.now();
    const e = await expectCode(OpenFlowConnection.connect(sw.path, { timeoutMs: 150 }), 'NP_OPENFLOW_TIMEOUT');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(e.details?.timeoutMs).toBe(150);
  });

  it('times out a request the switch ignores, and stays usable', async () => {
    const sw = fakeSwitch((m, send) => {
      if (handshake(m, send)) return;
      if (m.typeName === 'OFPT_ECHO_REQUEST' && m.data?.toString() === 'answer') send(frame(4, 3, m.xid, m.data));
    });
    await sw.ready;
    const c = await OpenFlowConnection.connect(sw.path, { timeoutMs: 200 });
    cleanups.push(() => c.close());
    await expectCode(c.dumpFlows(), 'NP_OPENFLOW_TIMEOUT');
    expect((await c.echo(Buffer.from('answer'))).toString()).toBe('answer');
  });

  it('EOF in the middle of a batch rejects it with NP_OPENFLOW_CLOSED and tells onClose why', async () => {
    const sw = fakeSwitch((m, send, sock) => {
      if (handshake(m, send)) return;
      if (m.typeName === 'OFPT_FLOW_MOD') sock.destroy();
    });
    await sw.ready;
    const c = await OpenFlowConnection.connect(sw.path, { timeoutMs: 2000 });
    const closed = new Promise<Error | undefined>((resolve) => c.onClose(resolve));
    await expectCode(c.flowMods([{ command: 'add', tableId: 0, priority: 1, cookie: 1n, match: {}, instructions: [] }]), 'NP_OPENFLOW_CLOSED');
    const err = await closed;
    expect((err as NetpluginError).code).toBe('NP_OPENFLOW_CLOSED');
  });

  it('reassembles messages split into single bytes, and several messages in one read', async () => {
    const sw = fakeSwitch((m, _send, sock) => {
      const bytes =
        m.typeName === 'OFPT_HELLO' ? Buffer.from(HELLO_13, 'hex') : m.typeName === 'OFPT_FEATURES_REQUEST' ? Buffer.from(featuresReply(m.xid, '00000000000000ff'), 'hex') : null;
      if (!bytes) {
        if (m.typeName === 'OFPT_BARRIER_REQUEST') {
          // Two barrier replies glued together: one for an unknown xid, then ours.
          sock.write(Buffer.from(`04150008ffffff00` + `04150008${xidHex(m.xid)}`, 'hex'));
        }
        return;
      }
      let i = 0;
      const drip = () => {
        if (i < bytes.length) {
          sock.write(bytes.subarray(i, ++i));
          setTimeout(drip, 1);
        }
      };
      drip();
    });
    await sw.ready;
    const c = await OpenFlowConnection.connect(sw.path, { timeoutMs: 3000 });
    cleanups.push(() => c.close());
    expect(c.datapathId).toBe(0xffn);
    await c.flowMods([{ command: 'add', tableId: 0, priority: 1, cookie: 1n, match: {}, instructions: [] }]);
  });

  it('refuses a switch that speaks no common version', async () => {
    const sw = fakeSwitch((m, send) => {
      if (m.typeName === 'OFPT_HELLO') send('0100000800000001');
    });
    await sw.ready;
    const e = await expectCode(OpenFlowConnection.connect(sw.path, { timeoutMs: 1000 }), 'NP_OPENFLOW_ERROR');
    expect(e.details?.versions).toEqual([1]);
  });
});

/** An OFPT_ERROR answering `request` with `type`/`code` (the data is the request, as vswitchd sends it). */
function errorFor(request: Buffer, type: number, code: number): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt16BE(type, 0);
  body.writeUInt16BE(code, 2);
  return frame(4, 1, request.readUInt32BE(4), Buffer.concat([body, request]));
}

describe('meter dumps against a scripted switch', () => {
  const config = (meterId: number): MeterConfig => ({ meterId, flags: OFPMF_KBPS, bands: [{ type: 'drop', rate: meterId, burstSize: meterId }] });
  const stats = (meterId: number): MeterStats => ({ meterId, flowCount: 1, packetInCount: 10n, byteInCount: 600n, durationSec: 3, durationNsec: 0, bands: [{ packets: 2n, bytes: 120n }] });

  /** A switch that answers meter requests for OFPM_ALL in three parts, meter 99 with OFPMMFC_UNKNOWN_METER, meter 98 with OFPBRC_BAD_LEN. */
  async function meterSwitch() {
    const sw = fakeSwitch((m, send) => {
      if (handshake(m, send) || m.typeName !== 'OFPT_MULTIPART_REQUEST') return;
      const id = m.meterRequest!.meterId;
      const request = m.mpType === OFPMP_METER ? encodeMeterStatsRequest(m.xid, id) : encodeMeterConfigRequest(m.xid, id);
      if (id === 99) return send(errorFor(request, 12, 3));
      if (id === 98) return send(errorFor(request, 1, 6));
      const parts = id === OFPM_ALL ? [[1, 2], [3], [4, 5]] : [[id]];
      parts.forEach((ids, i) => {
        const flags = i < parts.length - 1 ? OFPMPF_REPLY_MORE : 0;
        send(m.mpType === OFPMP_METER_CONFIG ? encodeMeterConfigReply(m.xid, ids.map(config), flags) : encodeMeterStatsReply(m.xid, ids.map(stats), flags));
      });
    });
    await sw.ready;
    const c = await OpenFlowConnection.connect(sw.path, { timeoutMs: 2000 });
    cleanups.push(() => c.close());
    return { c, sw };
  }

  it('dumpMeters() and meterStats() gather every part of a reply flagged OFPMPF_REPLY_MORE', async () => {
    const { c, sw } = await meterSwitch();
    expect(await c.dumpMeters()).toEqual([1, 2, 3, 4, 5].map(config));
    expect(await c.meterStats()).toEqual([1, 2, 3, 4, 5].map(stats));
    expect(await c.meterStats(7)).toEqual([stats(7)]);
    const requests = sw.received.filter((m) => m.typeName === 'OFPT_MULTIPART_REQUEST');
    expect(requests.map((m) => [m.mpType, m.meterRequest!.meterId])).toEqual([
      [OFPMP_METER_CONFIG, OFPM_ALL],
      [OFPMP_METER, OFPM_ALL],
      [OFPMP_METER, 7],
    ]);
  });

  it('a meter the switch does not know (OFPMMFC_UNKNOWN_METER) gives []; any other error rejects, and the connection stays usable', async () => {
    const { c } = await meterSwitch();
    expect(await c.dumpMeters(99)).toEqual([]);
    expect(await c.meterStats(99)).toEqual([]);
    const e = await expectCode(c.meterStats(98), 'NP_OPENFLOW_ERROR');
    expect(e.details).toMatchObject({ type: 1, code: 6, message: 'OFPBRC_BAD_LEN' });
    expect(await c.dumpMeters(3)).toEqual([config(3)]);
  });

  it('refuses a meter id that is not a 32-bit number before sending anything', async () => {
    const { c, sw } = await meterSwitch();
    const before = sw.received.length;
    await expect(c.meterStats(-1)).rejects.toThrow(/meterId: -1/);
    await expect(c.dumpMeters(2 ** 32)).rejects.toThrow(/meterId/);
    expect(sw.received.length).toBe(before);
  });
});
