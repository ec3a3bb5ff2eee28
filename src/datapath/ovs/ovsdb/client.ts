/**
 * RFC 7047 JSON-RPC transport over a unix socket: request/reply matching by id, answers
 * the server's `echo` keepalives, dispatches monitor `update` notifications.
 */
import { createConnection, type Socket } from 'node:net';
import { NetpluginError } from '../../../common/errors.js';
import { JsonStreamFramer } from './framing.js';
import { transactionError } from './result.js';

/** Rows changed in one table, keyed by row uuid (RFC 7047 §4.1.6 `<table-update>`). */
export type TableUpdate = Record<string, { old?: Record<string, unknown>; new?: Record<string, unknown> }>;

/** Changes to several tables, keyed by table name (`<table-updates>`). */
export type TableUpdates = Record<string, TableUpdate>;

/** One table's `<monitor-request>`. */
export interface MonitorRequest {
  columns?: string[];
  select?: { initial?: boolean; insert?: boolean; delete?: boolean; modify?: boolean };
}

/** A live monitor: its initial contents and a way to stop it. */
export interface Monitor {
  initial: TableUpdates;
  cancel(): Promise<void>;
}

interface Pending {
  method: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer?: NodeJS.Timeout;
}

interface RpcMessage {
  id?: unknown;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: unknown;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** A connection to an ovsdb-server speaking RFC 7047 JSON-RPC. */
export class OvsdbClient {
  private readonly framer = new JsonStreamFramer();
  private readonly pending = new Map<number, Pending>();
  private readonly monitors = new Map<string, (u: TableUpdates) => void>();
  private nextId = 1;
  private closedError?: NetpluginError;

  private constructor(
    private readonly sock: Socket,
    /** The db socket this client is connected to. */
    readonly socketPath: string,
    private readonly timeoutMs: number,
  ) {
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('error', (err: NodeJS.ErrnoException) => this.shutdown(closed(socketPath, `socket error: ${err.message}`, err.code)));
    sock.on('close', () => this.shutdown(closed(socketPath, 'connection closed by the server')));
  }

  /** Connects to the db socket; rejects with NP_OVSDB_CLOSED if it cannot be reached in time. */
  static connect(socketPath: string, opts: { timeoutMs?: number } = {}): Promise<OvsdbClient> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const sock = createConnection({ path: socketPath });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(closed(socketPath, `connect timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const onError = (err: NodeJS.ErrnoException): void => {
        clearTimeout(timer);
        reject(closed(socketPath, `cannot connect: ${err.message}`, err.code));
      };
      sock.once('error', onError);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.off('error', onError);
        resolve(new OvsdbClient(sock, socketPath, timeoutMs));
      });
    });
  }

  /** True once the connection is gone; every later call rejects with NP_OVSDB_CLOSED. */
  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** Sends one JSON-RPC request and resolves with its `result`; an RPC-level `error` rejects. */
  request(method: string, params: unknown[]): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const p: Pending = { method, resolve, reject };
      if (this.timeoutMs > 0) {
        p.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new NetpluginError('NP_OVSDB_ERROR', `ovsdb ${method} got no reply within ${this.timeoutMs} ms`, { method, socketPath: this.socketPath, timeoutMs: this.timeoutMs }));
        }, this.timeoutMs);
      }
      this.pending.set(id, p);
      this.sock.write(JSON.stringify({ id, method, params }));
    });
  }

  /**
   * Runs one transaction (RFC 7047 §4.1.3) and resolves with the per-operation results.
   * Rejects with NP_OVSDB_ERROR naming the first failed operation (an index past the last
   * operation means the commit itself failed, e.g. a constraint or referential violation).
   */
  async transact(ops: object[], db = 'Open_vSwitch'): Promise<object[]> {
    const result = await this.request('transact', [db, ...ops]);
    if (!Array.isArray(result)) {
      throw new NetpluginError('NP_OVSDB_ERROR', 'ovsdb transact reply is not an array', { result });
    }
    const err = transactionError(ops, result);
    if (err) throw err;
    return result as object[];
  }

  /**
   * Starts a monitor (RFC 7047 §4.1.5). `onUpdate` sees every later change; the initial
   * contents are returned. Replies and notifications share one ordered stream, so no
   * update can be missed between the reply and the first notification.
   */
  async monitor(requests: Record<string, MonitorRequest>, onUpdate: (u: TableUpdates) => void, db = 'Open_vSwitch'): Promise<Monitor> {
    const monitorId = `np-mon-${this.nextId}`;
    this.monitors.set(monitorId, onUpdate);
    let initial: unknown;
    try {
      initial = await this.request('monitor', [db, monitorId, requests]);
    } catch (e) {
      this.monitors.delete(monitorId);
      throw e;
    }
    return {
      initial: (initial ?? {}) as TableUpdates,
      cancel: async () => {
        if (!this.monitors.delete(monitorId) || this.closed) return;
        await this.request('monitor_cancel', [monitorId]);
      },
    };
  }

  /** Closes the connection; pending requests reject with NP_OVSDB_CLOSED. */
  close(): void {
    this.shutdown(closed(this.socketPath, 'connection closed by the client'));
  }

  private shutdown(err: NetpluginError): void {
    if (this.closedError) return;
    this.closedError = err;
    this.sock.destroy();
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.monitors.clear();
  }

  private onData(chunk: Buffer): void {
    let msgs: unknown[];
    try {
      msgs = this.framer.push(chunk);
    } catch (e) {
      this.shutdown(closed(this.socketPath, `malformed JSON from server: ${(e as Error).message}`));
      return;
    }
    for (const m of msgs) this.dispatch(m as RpcMessage);
  }

  private dispatch(m: RpcMessage): void {
    if (typeof m.method === 'string') {
      if (m.method === 'echo' && m.id !== undefined && m.id !== null) {
        // The server drops idle clients that do not answer its inactivity probe.
        this.sock.write(JSON.stringify({ id: m.id, result: m.params ?? [], error: null }));
      } else if (m.method === 'update' && Array.isArray(m.params)) {
        const cb = this.monitors.get(String(m.params[0]));
        if (cb) cb((m.params[1] ?? {}) as TableUpdates);
      }
      return;
    }
    if (typeof m.id !== 'number') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (p.timer) clearTimeout(p.timer);
    if (m.error !== null && m.error !== undefined) {
      const e = m.error as { error?: string; details?: string } | string;
      const text = typeof e === 'string' ? e : (e.error ?? JSON.stringify(e));
      const details = typeof e === 'object' ? e.details : undefined;
      p.reject(new NetpluginError('NP_OVSDB_ERROR', `ovsdb ${p.method} failed: ${text}${details ? ` (${details})` : ''}`, { method: p.method, error: text, details }));
    } else {
      p.resolve(m.result);
    }
  }
}

function closed(socketPath: string, why: string, errno?: string): NetpluginError {
  return new NetpluginError('NP_OVSDB_CLOSED', `ovsdb ${socketPath}: ${why}`, { socketPath, ...(errno ? { errno } : {}) });
}
