/**
 * The raw ceiling of flow programming: flow-mods encoded before the clock starts, written on
 * one plain socket with one barrier, so the time is vswitchd's alone (no encoding, no
 * client bookkeeping). The addon's rate is compared with this, in the same run.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { encodeBarrierRequest, encodeFlowMod, encodeHello, OFP13_VERSION, OFPT_BARRIER_REPLY, OFPT_ERROR, OFPT_HELLO, type FlowMod } from '../src/datapath/ovs/openflow/index.js';

const HEADER = 8;

/** Reads OpenFlow messages off a socket and hands each (type, xid) to `on`. */
function reader(sock: Socket, on: (type: number, xid: number) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  sock.on('data', (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= HEADER) {
      const len = buf.readUInt16BE(2);
      if (buf.length < len) break;
      on(buf[1], buf.readUInt32BE(4));
      buf = buf.subarray(len);
    }
  });
}

/** Flows per second of writing pre-encoded `mods` plus one barrier to the bridge at `socketPath`; rejects if the switch answered any with an error. */
export async function rawInstallRate(socketPath: string, mods: FlowMod[]): Promise<number> {
  const bytes = Buffer.concat([...mods.map((m, i) => encodeFlowMod(m, i + 2, OFP13_VERSION)), encodeBarrierRequest(mods.length + 2, OFP13_VERSION)]);
  const sock = connect(socketPath);
  try {
    let errors = 0;
    let helloed!: () => void;
    let barrier!: () => void;
    const hello = new Promise<void>((r) => (helloed = r));
    const done = new Promise<void>((r) => (barrier = r));
    reader(sock, (type, xid) => {
      if (type === OFPT_HELLO) helloed();
      else if (type === OFPT_ERROR) errors++;
      else if (type === OFPT_BARRIER_REPLY && xid === mods.length + 2) barrier();
    });
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    sock.write(encodeHello([OFP13_VERSION], 1));
    await hello;
    const t0 = performance.now();
    sock.write(bytes);
    await done;
    const rate = mods.length / ((performance.now() - t0) / 1000);
    if (errors) throw new Error(`raw install: the switch answered ${errors} flow-mods with OFPT_ERROR`);
    return rate;
  } finally {
    sock.destroy();
  }
}
