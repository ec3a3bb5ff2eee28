/** One OpenFlow connection to a bridge: version negotiation, pipelined batches, bundles and dumps. */
import { NetpluginError } from '../../../common/errors.js';
import {
  OFP13_VERSION,
  OFP14_VERSION,
  OFPBCT_COMMIT_REPLY,
  OFPBCT_COMMIT_REQUEST,
  OFPBCT_DISCARD_REPLY,
  OFPBCT_DISCARD_REQUEST,
  OFPBCT_OPEN_REPLY,
  OFPBF_ATOMIC,
  OFPBF_ORDERED,
  OFPT_BARRIER_REPLY,
  OFPT_BUNDLE_CONTROL,
  OFPT_ECHO_REPLY,
  OFPT_ERROR,
  OFPT_FEATURES_REPLY,
  OFPT_HELLO,
  OFPT_MULTIPART_REPLY,
  OFPT_PACKET_IN,
  OFPCML_NO_BUFFER,
  OFPET_METER_MOD_FAILED,
  OFPM_ALL,
  OFPMMFC_UNKNOWN_METER,
  OFPMP_METER,
  OFPMP_METER_CONFIG,
} from './constants.js';
import { encodeBatch, encodeHello, encodeMeterMod, encodePacketOut, encodeSetConfig } from './codec.js';
import { openflowNative, type ConnectionStats, type NativeConnection, type OpenFlowNative } from './native.js';
import type { AtomicBatch, OpenFlowSwitch } from './switch.js';
import type { DecodedMessage, FlowFilter, FlowMod, FlowStats, GroupDesc, GroupMod, MeterConfig, MeterMod, MeterStats, PacketIn, PacketOut } from './types.js';

/** Options of a connection. */
export interface ConnectOptions {
  /** Deadline for each request (handshake, batch, dump), in ms. Default 60000; 0 disables. */
  timeoutMs?: number;
}

/** One failed message of a batch, as reported in `details.failures` of NP_OPENFLOW_ERROR. */
export interface BatchFailure {
  /** Position in the batch: group mods first, then flow mods, then final group mods; -1 for the bundle's own control messages. */
  index: number;
  kind: 'groupMod' | 'flowMod' | 'meterMod' | 'packetOut' | 'bundle';
  /** Position within its own list (groupMods or flowMods; final group mods continue groupMods' numbering). */
  kindIndex: number;
  /** OFPT_ERROR type and code. */
  type: number;
  code: number;
  /** Spec name of the error, e.g. OFPBMC_BAD_PREREQ. */
  message: string;
}

/** What a waiter does with a message addressed to its xid; returning true settles it. */
interface Waiter {
  onMessage(m: DecodedMessage): boolean;
  reject(e: Error): void;
  timer?: NodeJS.Timeout;
}

/** A range of xids whose errors are collected instead of failing a single request. */
interface Batch {
  firstXid: number;
  count: number;
  groups: number;
  flows: number;
  /** A batch of one kind only (meterMods(), packetOuts()): every index is of that kind. */
  only?: 'meterMod' | 'packetOut';
  failures: BatchFailure[];
}

const OUR_VERSIONS = [OFP13_VERSION, OFP14_VERSION];
/** Messages per encoded chunk: small enough that vswitchd starts early, big enough to amortise the hand-off. */
const CHUNK = 2048;

/** An OpenFlow 1.3/1.4 connection to a bridge management socket (`/var/run/openvswitch/<bridge>.mgmt`). */
export class OpenFlowConnection implements OpenFlowSwitch {
  private negotiated = 0;
  private dpid = 0n;

  private readonly nat: OpenFlowNative;
  private readonly conn: NativeConnection;
  private readonly timeoutMs: number;
  private nextXid = 1;
  private nextBundleId = 1;
  private readonly waiters = new Map<number, Waiter>();
  private readonly batches = new Set<Batch>();
  private helloWaiter: Waiter | undefined;
  private closed = false;
  private closeError: Error | undefined;
  private readonly closeListeners: Array<(err?: Error) => void> = [];
  private readonly packetInListeners: Array<(p: PacketIn) => void> = [];
  private packetInsEnabled: Promise<void> | undefined;

  private constructor(socketPath: string, opts: ConnectOptions) {
    this.nat = openflowNative();
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    try {
      this.conn = new this.nat.Connection(socketPath, (frames, err) => this.onEvent(frames, err));
    } catch (e) {
      const n = e as Error & { errno?: number; syscall?: string };
      throw new NetpluginError('NP_OPENFLOW_CLOSED', `cannot connect to ${socketPath}: ${n.message}`, {
        socketPath,
        errno: n.errno,
        syscall: n.syscall,
      });
    }
  }

  /** Negotiated OpenFlow version (4 = 1.3, 5 = 1.4). */
  get version(): number {
    return this.negotiated;
  }

  /** Datapath id from the features reply. */
  get datapathId(): bigint {
    return this.dpid;
  }

  /** Connects, negotiates 1.4 (else 1.3) through HELLO version bitmaps, and reads the datapath id. */
  static async connect(socketPath: string, opts: ConnectOptions = {}): Promise<OpenFlowConnection> {
    const c = new OpenFlowConnection(socketPath, opts);
    try {
      await c.handshake();
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  private async handshake(): Promise<void> {
    const hello = new Promise<DecodedMessage>((resolve, reject) => {
      this.helloWaiter = this.arm({ onMessage: (m) => (resolve(m), true), reject }, 'HELLO');
    });
    this.conn.send(encodeHello(OUR_VERSIONS, this.allocXids(1)));
    const theirs = await hello;
    const common = OUR_VERSIONS.filter((v) => (theirs.versions ?? []).includes(v));
    if (common.length === 0) {
      throw new NetpluginError('NP_OPENFLOW_ERROR', `switch offers OpenFlow versions ${theirs.versions?.join(',')}; 1.3 or 1.4 needed`, {
        versions: theirs.versions,
      });
    }
    this.negotiated = Math.max(...common);
    const xid = this.allocXids(1);
    const features = await this.request(xid, this.nat.encodeFeaturesRequest(this.version, xid), (m, done) => {
      if (m.type === OFPT_FEATURES_REPLY) done(m);
    });
    this.dpid = features.datapathId ?? 0n;
  }

  /** Sends group mods then flow mods in one pipelined write followed by ONE barrier; rejects with every failure. */
  async write(batch: { groupMods?: GroupMod[]; flowMods?: FlowMod[] }): Promise<void> {
    this.assertOpen();
    const groups = batch.groupMods ?? [];
    const flows = batch.flowMods ?? [];
    const count = groups.length + flows.length;
    if (count === 0) return;
    const firstXid = this.allocXids(count + 1);
    const b: Batch = { firstXid, count, groups: groups.length, flows: flows.length, failures: [] };
    this.batches.add(b);
    try {
      const last = this.sendChunks(firstXid, groups, flows, [], {});
      await this.request(firstXid + count, last, (m, done) => {
        if (m.type === OFPT_BARRIER_REPLY) done(m);
      });
    } finally {
      this.batches.delete(b);
    }
    if (b.failures.length) throw batchError(b, count);
  }

  /** Installs flow mods (pipelined, one barrier). */
  flowMods(mods: FlowMod[]): Promise<void> {
    return this.write({ flowMods: mods });
  }

  /** Installs group mods (pipelined, one barrier). */
  groupMods(mods: GroupMod[]): Promise<void> {
    return this.write({ groupMods: mods });
  }

  /** Whether bundle() is available: the switch negotiated OpenFlow 1.4. */
  get supportsBundles(): boolean {
    return this.version >= OFP14_VERSION;
  }

  /**
   * Applies group mods, flow mods, then final group mods atomically in one ordered OpenFlow 1.4 bundle. OVS answers a
   * bad BUNDLE_ADD at once but would still commit the others, so: OPEN, ADDs, barrier; then COMMIT if nothing failed,
   * else DISCARD.
   */
  async bundle(batch: AtomicBatch): Promise<void> {
    this.assertOpen();
    if (this.version < OFP14_VERSION) {
      throw new NetpluginError('NP_OPENFLOW_ERROR', 'bundles need OpenFlow 1.4, but the switch negotiated 1.3', { version: this.version });
    }
    const groups = batch.groupMods ?? [];
    const flows = batch.flowMods ?? [];
    const finalGroups = batch.finalGroupMods ?? [];
    const count = groups.length + flows.length + finalGroups.length;
    if (count === 0) return;
    const bundleId = this.nextBundleId++ >>> 0;
    const flags = OFPBF_ATOMIC | OFPBF_ORDERED;
    // Xids: OPEN, one per add, then the barrier.
    const firstXid = this.allocXids(count + 2);
    const b: Batch = { firstXid: firstXid + 1, count, groups: groups.length, flows: flows.length, failures: [] };
    let openError: DecodedMessage | undefined;
    this.waiters.set(firstXid, {
      onMessage: (m) => {
        if (m.type === OFPT_ERROR) openError = m;
        return m.type === OFPT_ERROR || (m.type === OFPT_BUNDLE_CONTROL && m.bundleType === OFPBCT_OPEN_REPLY);
      },
      reject: () => undefined,
    });
    this.batches.add(b);
    try {
      let last: Buffer;
      const progress = { sent: 0 };
      try {
        last = this.sendChunks(firstXid, groups, flows, finalGroups, { bundleId, bundleFlags: flags }, progress);
      } catch (e) {
        // Bad input after some chunks went out: drop the half-filled bundle on the switch.
        if (progress.sent > 0 && !this.closed) {
          try {
            this.conn.send(this.nat.encodeBundleControl(this.version, this.allocXids(1), bundleId, OFPBCT_DISCARD_REQUEST, flags));
          } catch {
            // the connection is going away; nothing left to discard
          }
        }
        throw e;
      }
      await this.request(firstXid + count + 1, last, (m, done) => {
        if (m.type === OFPT_BARRIER_REPLY) done(m);
      });
      this.waiters.delete(firstXid);
      if (openError) b.failures.unshift(failureOf(openError, -1, 'bundle', -1));
      const ctrlType = b.failures.length ? OFPBCT_DISCARD_REQUEST : OFPBCT_COMMIT_REQUEST;
      const replyType = b.failures.length ? OFPBCT_DISCARD_REPLY : OFPBCT_COMMIT_REPLY;
      const xid = this.allocXids(1);
      // Errors of a failing commit arrive first for the add that failed (xid in the batch), then for the commit.
      await this.request(
        xid,
        this.nat.encodeBundleControl(this.version, xid, bundleId, ctrlType, flags),
        (m, done) => {
          if (m.type === OFPT_BUNDLE_CONTROL && m.bundleType === replyType) done(m);
        },
        (err) => {
          if (ctrlType === OFPBCT_COMMIT_REQUEST || !openError) b.failures.push(failureOf(err, -1, 'bundle', -1));
          return true;
        },
      );
    } finally {
      this.batches.delete(b);
      this.waiters.delete(firstXid);
    }
    if (b.failures.length) throw batchError(b, count, bundleId);
  }

  /** Dumps flows (all multipart parts), optionally filtered by table and cookie/mask. */
  async dumpFlows(filter: FlowFilter = {}): Promise<FlowStats[]> {
    this.assertOpen();
    const xid = this.allocXids(1);
    const flows: FlowStats[] = [];
    await this.request(xid, this.nat.encodeFlowStatsRequest(this.version, xid, filter), (m, done) => {
      if (m.type !== OFPT_MULTIPART_REPLY) return;
      for (const f of m.flows ?? []) flows.push(f);
      if (!m.more) done(m);
    });
    return flows;
  }

  /** Dumps every group's description. */
  async dumpGroups(): Promise<GroupDesc[]> {
    this.assertOpen();
    const xid = this.allocXids(1);
    const groups: GroupDesc[] = [];
    await this.request(xid, this.nat.encodeGroupDescRequest(this.version, xid), (m, done) => {
      if (m.type !== OFPT_MULTIPART_REPLY) return;
      for (const g of m.groups ?? []) groups.push(g);
      if (!m.more) done(m);
    });
    return groups;
  }

  /**
   * The configuration (flags and bands) of meter `meterId`, or of every meter with OFPM_ALL (all multipart
   * parts). A meter that does not exist gives [] (vswitchd answers that request with OFPMMFC_UNKNOWN_METER).
   */
  dumpMeters(meterId: number = OFPM_ALL): Promise<MeterConfig[]> {
    return this.meterMultipart(OFPMP_METER_CONFIG, meterId, (m) => m.meterConfigs);
  }

  /**
   * The counters (flows, packets and bytes in, and what each band dropped) of meter `meterId`, or of every meter
   * with OFPM_ALL (all multipart parts). A meter that does not exist gives [], as in dumpMeters().
   */
  meterStats(meterId: number = OFPM_ALL): Promise<MeterStats[]> {
    return this.meterMultipart(OFPMP_METER, meterId, (m) => m.meterStats);
  }

  /** One OFPMP_METER or OFPMP_METER_CONFIG request, and the entries of every part of its reply. */
  private async meterMultipart<T>(mpType: number, meterId: number, entries: (m: DecodedMessage) => T[] | undefined): Promise<T[]> {
    this.assertOpen();
    if (!Number.isInteger(meterId) || meterId < 0 || meterId > OFPM_ALL) throw new TypeError(`meterId: ${meterId} is not a meter number (0..0xffffffff)`);
    const xid = this.allocXids(1);
    const out: T[] = [];
    await this.request(
      xid,
      this.nat.encodeMeterRequest(this.version, xid, mpType, meterId),
      (m, done) => {
        if (m.type !== OFPT_MULTIPART_REPLY || m.mpType !== mpType) return;
        for (const e of entries(m) ?? []) out.push(e);
        if (!m.more) done(m);
      },
      (err) => meterId !== OFPM_ALL && err.errorType === OFPET_METER_MOD_FAILED && err.errorCode === OFPMMFC_UNKNOWN_METER,
    );
    return out;
  }

  /** Sends an echo request and resolves with the payload the switch echoed back. */
  async echo(data: Buffer = Buffer.alloc(0)): Promise<Buffer> {
    this.assertOpen();
    const xid = this.allocXids(1);
    const reply = await this.request(xid, this.nat.encodeEchoRequest(this.version, xid, data), (m, done) => {
      if (m.type === OFPT_ECHO_REPLY) done(m);
    });
    return reply.data ?? Buffer.alloc(0);
  }

  /** Transport counters (bytes, echo requests answered by the reader thread). */
  stats(): ConnectionStats {
    return this.conn.stats();
  }

  /** Closes the socket; pending requests reject with NP_OPENFLOW_CLOSED. */
  close(): void {
    if (this.closed) return;
    this.conn.close();
    this.shutdown(new NetpluginError('NP_OPENFLOW_CLOSED', 'the OpenFlow connection was closed'), false);
  }

  /**
   * Calls `cb` with every OFPT_PACKET_IN the switch sends (e.g. for `output:CONTROLLER`). The first subscription
   * sends OFPT_SET_CONFIG with miss_send_len OFPCML_NO_BUFFER: vswitchd sends no asynchronous message to a
   * management-socket (service) connection whose miss_send_len is 0, which it is until set. Resolves once the
   * switch has taken the config (barrier).
   */
  onPacketIn(cb: (p: PacketIn) => void): Promise<void> {
    this.assertOpen();
    this.packetInListeners.push(cb);
    this.packetInsEnabled ??= (async () => {
      const xid = this.allocXids(2);
      this.conn.send(encodeSetConfig(xid, 0, OFPCML_NO_BUFFER, this.version));
      await this.request(xid + 1, this.nat.encodeBarrierRequest(this.version, xid + 1), (m, done) => {
        if (m.type === OFPT_BARRIER_REPLY) done(m);
      });
    })();
    return this.packetInsEnabled;
  }

  /** Sends meter mods (pipelined, one barrier); rejects with every failure (meters cannot go in bundles). */
  async meterMods(mods: MeterMod[]): Promise<void> {
    return this.sendOneKind('meterMod', mods, encodeMeterMod);
  }

  /** Sends packet-outs (pipelined, one barrier); rejects with every failure, the others having gone out. */
  async packetOuts(list: PacketOut[]): Promise<void> {
    return this.sendOneKind('packetOut', list, encodePacketOut);
  }

  /**
   * Sends messages of one kind back to back, then one barrier; rejects with every OFPT_ERROR among them.
   * All are encoded first, so bad input throws a TypeError naming `<kind>s[i]` before anything is sent.
   */
  private async sendOneKind<T>(kind: 'meterMod' | 'packetOut', items: T[], encode: (item: T, xid: number, version: number) => Buffer): Promise<void> {
    this.assertOpen();
    if (items.length === 0) return;
    const firstXid = this.allocXids(items.length + 1);
    const b: Batch = { firstXid, count: items.length, groups: 0, flows: 0, only: kind, failures: [] };
    const bufs = items.map((item, i) => {
      try {
        return encode(item, firstXid + i, this.version);
      } catch (e) {
        throw new TypeError(`OpenFlow encode: ${kind}s[${i}]: ${(e as Error).message.replace(/^OpenFlow encode: /, '')}`);
      }
    });
    this.batches.add(b);
    try {
      this.conn.send(Buffer.concat(bufs));
      const xid = firstXid + items.length;
      await this.request(xid, this.nat.encodeBarrierRequest(this.version, xid), (m, done) => {
        if (m.type === OFPT_BARRIER_REPLY) done(m);
      });
    } finally {
      this.batches.delete(b);
    }
    if (b.failures.length) throw batchError(b, items.length);
  }

  /** Calls `cb` once when the connection ends; `err` is set when it ended by failure, not by close(). */
  onClose(cb: (err?: Error) => void): void {
    this.closeListeners.push(cb);
  }

  /**
   * Encodes a batch in chunks and queues all but the last chunk at once, so vswitchd already applies the first
   * flows while later ones are still being encoded; returns the last chunk (ending with the barrier) for request().
   * Xids run from firstXid (the bundle OPEN, if bundled), one per message (groups, flows, final groups), to the barrier.
   * An invalid mod throws TypeError naming its batch index; chunks before it were already sent (and, outside a
   * bundle, applied): callers that need all-or-nothing on bad input use bundle(), whose adds are never committed.
   */
  private sendChunks(
    firstXid: number,
    groups: GroupMod[],
    flows: FlowMod[],
    finalGroups: GroupMod[],
    bundle: { bundleId?: number; bundleFlags?: number },
    progress: { sent: number } = { sent: 0 },
  ): Buffer {
    const bundled = bundle.bundleId !== undefined;
    const segments = [
      { kind: 'group' as const, list: groups, indexBase: 0 },
      { kind: 'flow' as const, list: flows, indexBase: 0 },
      { kind: 'group' as const, list: finalGroups, indexBase: groups.length },
    ].filter((s) => s.list.length > 0);
    let xid = firstXid;
    let first = true;
    let pending: Parameters<typeof encodeBatch>[0] | undefined;
    const flush = (isLast: boolean): Buffer => {
      const o = pending!;
      const buf = encodeBatch({ ...o, barrier: isLast, bundleOpen: bundled && first, bundleCommit: false });
      xid += (o.groupMods?.length ?? 0) + (o.flowMods?.length ?? 0) + (bundled && first ? 1 : 0);
      first = false;
      pending = undefined;
      return buf;
    };
    // A chunk holds up to CHUNK messages of one segment; the previous chunk is sent once the next one exists,
    // so the last chunk (which carries the barrier) is always returned rather than sent.
    for (const seg of segments) {
      for (let start = 0; start < seg.list.length; start += CHUNK) {
        if (pending) {
          this.conn.send(flush(false));
          progress.sent++;
        }
        const part = seg.list.slice(start, start + CHUNK);
        pending = {
          version: this.version,
          firstXid: xid,
          ...bundle,
          ...(seg.kind === 'group'
            ? { groupMods: part as GroupMod[], groupIndexBase: seg.indexBase + start }
            : { flowMods: part as FlowMod[], flowIndexBase: seg.indexBase + start }),
        };
      }
    }
    return flush(true);
  }

  private assertOpen(): void {
    if (this.closed) throw this.closeError ?? new NetpluginError('NP_OPENFLOW_CLOSED', 'the OpenFlow connection is closed');
  }

  /** Reserves `n` consecutive xids that do not wrap past 2^32-1. */
  private allocXids(n: number): number {
    if (this.nextXid + n > 0xffffffff) this.nextXid = 1;
    const x = this.nextXid;
    this.nextXid += n;
    return x;
  }

  /** Adds the connection's deadline to a waiter. */
  private arm(w: Waiter, what: string, xid?: number): Waiter {
    if (this.timeoutMs > 0) {
      w.timer = setTimeout(() => {
        if (xid !== undefined) this.waiters.delete(xid);
        if (this.helloWaiter === w) this.helloWaiter = undefined;
        w.reject(new NetpluginError('NP_OPENFLOW_TIMEOUT', `no answer to ${what} within ${this.timeoutMs} ms`, { xid, timeoutMs: this.timeoutMs }));
      }, this.timeoutMs);
    }
    return w;
  }

  /**
   * Sends `buf` and waits on `xid`: `handle` sees each message with that xid and calls done() when finished;
   * an OFPT_ERROR for that xid rejects unless `onError` accepts it (returns true = settle normally).
   */
  private request(
    xid: number,
    buf: Buffer,
    handle: (m: DecodedMessage, done: (m: DecodedMessage) => void) => void,
    onError?: (m: DecodedMessage) => boolean,
  ): Promise<DecodedMessage> {
    return new Promise<DecodedMessage>((resolve, reject) => {
      let settled: DecodedMessage | undefined;
      const w: Waiter = this.arm(
        {
          onMessage: (m) => {
            if (m.type === OFPT_ERROR) {
              if (onError?.(m)) {
                resolve(m);
                return true;
              }
              reject(new NetpluginError('NP_OPENFLOW_ERROR', `switch rejected request xid ${xid}: ${m.errorName}`, {
                xid,
                type: m.errorType,
                code: m.errorCode,
                message: m.errorName,
              }));
              return true;
            }
            handle(m, (done) => (settled = done));
            if (settled) resolve(settled);
            return settled !== undefined;
          },
          reject,
        },
        `request xid ${xid}`,
        xid,
      );
      this.waiters.set(xid, w);
      try {
        this.conn.send(buf);
      } catch (e) {
        this.waiters.delete(xid);
        clearTimeout(w.timer);
        reject(e);
      }
    });
  }

  private onEvent(frames: Buffer[] | null, err?: Error): void {
    if (frames === null) {
      const n = err as (Error & { errno?: number; syscall?: string }) | undefined;
      const e = n
        ? new NetpluginError('NP_OPENFLOW_CLOSED', n.message, { errno: n.errno, syscall: n.syscall })
        : new NetpluginError('NP_OPENFLOW_CLOSED', 'the OpenFlow connection was closed');
      this.shutdown(e, n !== undefined);
      return;
    }
    for (const f of frames) {
      let m: DecodedMessage;
      try {
        m = this.nat.decodeMessage(f);
      } catch (e) {
        // A frame we cannot parse means we no longer know the stream's state.
        this.conn.close();
        this.shutdown(new NetpluginError('NP_OPENFLOW_CLOSED', `undecodable message from switch: ${(e as Error).message}`), true);
        return;
      }
      this.dispatch(m);
    }
  }

  private dispatch(m: DecodedMessage): void {
    if (m.type === OFPT_PACKET_IN && m.packetIn) {
      // Unsolicited: it answers no request, whatever its xid.
      for (const cb of this.packetInListeners) {
        try {
          cb(m.packetIn);
        } catch (e) {
          // A subscriber's bug must not stop this reader mid-chunk; it still surfaces, as an uncaught error.
          queueMicrotask(() => {
            throw e;
          });
        }
      }
      return;
    }
    if (m.type === OFPT_HELLO && this.helloWaiter) {
      const w = this.helloWaiter;
      this.helloWaiter = undefined;
      clearTimeout(w.timer);
      w.onMessage(m);
      return;
    }
    if (m.type === OFPT_ERROR) {
      for (const b of this.batches) {
        const i = (m.xid - b.firstXid) >>> 0;
        if (i < b.count) {
          if (b.only) b.failures.push(failureOf(m, i, b.only, i));
          else if (i < b.groups) b.failures.push(failureOf(m, i, 'groupMod', i));
          else if (i < b.groups + b.flows) b.failures.push(failureOf(m, i, 'flowMod', i - b.groups));
          else b.failures.push(failureOf(m, i, 'groupMod', i - b.flows));
          return;
        }
      }
    }
    const w = this.waiters.get(m.xid);
    if (w && w.onMessage(m)) {
      this.waiters.delete(m.xid);
      clearTimeout(w.timer);
    }
  }

  private shutdown(e: NetpluginError, failed: boolean): void {
    const first = !this.closed;
    this.closed = true;
    this.closeError ??= e;
    const pending = [...this.waiters.values()];
    this.waiters.clear();
    if (this.helloWaiter) pending.push(this.helloWaiter);
    this.helloWaiter = undefined;
    for (const w of pending) {
      clearTimeout(w.timer);
      w.reject(e);
    }
    if (first || failed) {
      const listeners = this.closeListeners.splice(0);
      for (const cb of listeners) cb(failed ? e : undefined);
    }
  }
}

function failureOf(m: DecodedMessage, index: number, kind: BatchFailure['kind'], kindIndex: number): BatchFailure {
  return { index, kind, kindIndex, type: m.errorType ?? -1, code: m.errorCode ?? -1, message: m.errorName ?? 'unknown error' };
}

function batchError(b: Batch, count: number, bundleId?: number): NetpluginError {
  const first = b.failures[0];
  const what = bundleId === undefined ? 'batch' : `bundle ${bundleId}`;
  return new NetpluginError(
    'NP_OPENFLOW_ERROR',
    `${b.failures.length} of ${count} messages in the ${what} failed; first: ${first.kind}[${first.kindIndex}] ${first.message}`,
    { failures: b.failures, bundleId },
  );
}
