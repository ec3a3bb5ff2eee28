/**
 * A live copy of the Bridge, Port and Interface tables, kept by one monitor for the life of
 * the connection, and a Vswitch that reads it: listing a bridge's ports is a memory read,
 * deleting ports needs no select first, and waiting for ofports needs no monitor of its
 * own, so a one-container round makes two OVSDB round trips (the add, and vswitchd's ofport
 * arriving) instead of five. Every write resolves only once the copy shows its effect, so
 * a read after a write always sees it.
 */
import { NetpluginError } from '../../../common/errors.js';
import type { OvsdbClient, TableUpdate } from './client.js';
import { decodeSet } from './codec.js';
import { addPortsOps, deletePortsOps, IFACE_COLUMNS, portInfo, type PortInfo, type PortSpec } from './ports.js';
import { OvsdbVswitch } from './vswitch.js';

interface Row {
  [column: string]: unknown;
}

/** A predicate re-checked after every update until it yields a value or throws. */
interface Waiter {
  check(): boolean;
}

/** The copy of the three tables. */
export class OvsdbReplica {
  private readonly bridges = new Map<string, Row>();
  private readonly ports = new Map<string, Row>();
  private readonly ifaces = new Map<string, Row>();
  private readonly waiters = new Set<Waiter>();
  private readonly listeners: ((changed: PortInfo[]) => void)[] = [];
  private cancel?: () => Promise<void>;

  private constructor() {}

  /** Starts the monitor on `client` and loads the current contents. */
  static async start(client: OvsdbClient): Promise<OvsdbReplica> {
    const r = new OvsdbReplica();
    const mon = await client.monitor(
      {
        Bridge: { columns: ['name', 'ports'] },
        Port: { columns: ['name', 'interfaces', 'trunks'] },
        Interface: { columns: IFACE_COLUMNS.filter((c) => c !== '_uuid') },
      },
      (u) => r.apply(u.Bridge, u.Port, u.Interface),
    );
    r.cancel = mon.cancel;
    r.apply(mon.initial.Bridge, mon.initial.Port, mon.initial.Interface);
    return r;
  }

  /**
   * Ports of `bridge` as listPorts() reports them (only those named in `only`, when given: the
   * waits below re-check a few ports on every update); NP_NOT_FOUND if the bridge is missing.
   */
  listPorts(bridge: string, only?: ReadonlySet<string>): PortInfo[] {
    const b = this.bridgeRow(bridge);
    const out: PortInfo[] = [];
    for (const id of decodeSet(b.ports).map(String)) {
      const port = this.ports.get(id);
      if (!port) continue;
      const name = String(port.name);
      if (name === bridge || (only && !only.has(name))) continue;
      const ifIds = decodeSet(port.interfaces).map(String);
      const iface = ifIds.map((i) => this.ifaces.get(i)).find((r) => r && r.name === name) ?? this.ifaces.get(ifIds[0]);
      out.push(portInfo(name, iface ?? {}));
    }
    return out.sort((x, y) => x.name.localeCompare(y.name));
  }

  /** The names of `bridge`'s ports (without decoding them); NP_NOT_FOUND if the bridge is missing. */
  portNames(bridge: string): Set<string> {
    const names = new Set<string>();
    for (const id of decodeSet(this.bridgeRow(bridge).ports).map(String)) {
      const port = this.ports.get(id);
      if (port && port.name !== bridge) names.add(String(port.name));
    }
    return names;
  }

  /** The uuids of the named ports of `bridge` (with their interfaces); names not there are skipped. */
  portRows(bridge: string, names: string[]): { port: string; interfaces: string[] }[] {
    const members = new Set(decodeSet(this.bridgeRow(bridge).ports).map(String));
    const wanted = new Set(names);
    const out: { port: string; interfaces: string[] }[] = [];
    for (const [id, row] of this.ports) {
      if (members.has(id) && wanted.has(String(row.name))) out.push({ port: id, interfaces: decodeSet(row.interfaces).map(String) });
    }
    return out;
  }

  /**
   * Resolves with `fn()`'s first defined value, re-evaluated after every update; rejects
   * with what `fn` throws, or with `onTimeout()` after `timeoutMs`.
   */
  until<T>(fn: () => T | undefined, timeoutMs: number, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        check: () => {
          let v: T | undefined;
          try {
            v = fn();
          } catch (e) {
            done();
            reject(e as Error);
            return true;
          }
          if (v === undefined) return false;
          done();
          resolve(v);
          return true;
        },
      };
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      if (waiter.check()) return;
      this.waiters.add(waiter);
      timer = setTimeout(() => {
        done();
        reject(onTimeout());
      }, timeoutMs);
    });
  }

  /** Calls `cb` after every update with the interfaces it changed (as PortInfo, named after the interface). */
  onInterfaces(cb: (changed: PortInfo[]) => void): void {
    this.listeners.push(cb);
  }

  /** Stops the monitor (the client stays open). */
  async close(): Promise<void> {
    for (const w of this.waiters) this.waiters.delete(w);
    await this.cancel?.().catch(() => undefined);
  }

  private bridgeRow(bridge: string): Row {
    for (const row of this.bridges.values()) if (row.name === bridge) return row;
    throw new NetpluginError('NP_NOT_FOUND', `bridge ${bridge} does not exist`, { bridge });
  }

  private apply(...updates: (TableUpdate | undefined)[]): void {
    const tables = [this.bridges, this.ports, this.ifaces];
    updates.forEach((u, i) => {
      for (const [id, change] of Object.entries(u ?? {})) {
        // A monitor's `new` is the whole row (RFC 7047 §4.1.6); no `new` means deleted.
        if (change.new) tables[i].set(id, change.new);
        else tables[i].delete(id);
      }
    });
    for (const w of [...this.waiters]) w.check();
    const ifaces = updates[2];
    if (this.listeners.length && ifaces) {
      const changed = Object.values(ifaces).flatMap((c) => (c.new ? [portInfo(String(c.new.name), c.new)] : []));
      if (changed.length) for (const l of this.listeners) l(changed);
    }
  }
}

/** A Vswitch whose reads come from a replica; writes go to the server and wait for the copy. */
export class ReplicaVswitch extends OvsdbVswitch {
  /** `replica` must be monitoring `client`. */
  constructor(
    client: OvsdbClient,
    readonly replica: OvsdbReplica,
    private readonly writeTimeoutMs = 10_000,
  ) {
    super(client);
  }

  /** Starts a replica on `client` and returns the Vswitch reading it. */
  static async start(client: OvsdbClient): Promise<ReplicaVswitch> {
    return new ReplicaVswitch(client, await OvsdbReplica.start(client));
  }

  override async listPorts(bridge: string): Promise<PortInfo[]> {
    await this.caughtUp();
    return this.replica.listPorts(bridge);
  }

  /**
   * Resolves once the server committed the ports; the replica catching up with them (the
   * monitor's update) is awaited by the next read, not here, so an attach is not held by
   * ovsdb-server's other work.
   */
  override async addPorts(bridge: string, ports: PortSpec[]): Promise<void> {
    if (ports.length === 0) return;
    await this.caughtUp();
    this.replica.listPorts(bridge); // NP_NOT_FOUND before writing anything
    await this.client.transact(addPortsOps(bridge, ports));
    const names = new Set(ports.map((p) => p.name));
    this.expect(this.settled(bridge, (have) => [...names].every((n) => have.has(n))));
  }

  override async deletePorts(bridge: string, names: string[]): Promise<void> {
    if (names.length === 0) return;
    await this.caughtUp();
    const victims = this.replica.portRows(bridge, names);
    if (victims.length === 0) return;
    await this.client.transact(deletePortsOps(bridge, victims));
    this.expect(this.settled(bridge, (have) => names.every((n) => !have.has(n))));
  }

  /** Writes whose effect the replica has not shown yet; reads wait for them (read-your-writes). */
  private behind: Promise<void> = Promise.resolve();

  private expect(settle: Promise<void>): void {
    const before = this.behind;
    this.behind = Promise.all([before, settle]).then(() => undefined);
    // A failure is reported by the next read; until then it must not count as unhandled.
    this.behind.catch(() => undefined);
  }

  /** Waits until the replica shows every write made so far; rethrows (once) a write it never showed. */
  private async caughtUp(): Promise<void> {
    const b = this.behind;
    try {
      await b;
    } finally {
      if (this.behind === b) this.behind = Promise.resolve();
    }
  }

  override waitForOfports(bridge: string, names: string[], timeoutMs: number): Promise<Map<string, number>> {
    const wanted = new Set(names);
    const want = [...wanted];
    return this.replica.until(
      () => {
        const byName = new Map(this.replica.listPorts(bridge, wanted).map((p) => [p.name, p]));
        const out = new Map<string, number>();
        for (const n of want) {
          const p = byName.get(n);
          if (p?.ofport === -1) throw new NetpluginError('NP_OVSDB_ERROR', `interface ${n} on ${bridge} failed: ${p.error ?? 'ofport -1'}`, { bridge, name: n, error: p.error });
          if (p && p.ofport > 0) out.set(n, p.ofport);
        }
        return out.size === want.length ? out : undefined;
      },
      timeoutMs,
      () => {
        const ok = new Set(this.replica.listPorts(bridge, wanted).filter((p) => p.ofport > 0).map((p) => p.name));
        const missing = want.filter((n) => !ok.has(n));
        return new NetpluginError('NP_OVSDB_ERROR', `timed out after ${timeoutMs} ms waiting for ofports on ${bridge}: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`, { bridge, missing, timeoutMs });
      },
    );
  }

  /** Resolves once the replica's port names of `bridge` satisfy `ok`. */
  private async settled(bridge: string, ok: (names: Set<string>) => boolean): Promise<void> {
    await this.replica.until(
      () => (ok(this.replica.portNames(bridge)) ? true : undefined),
      this.writeTimeoutMs,
      () => new NetpluginError('NP_OVSDB_ERROR', `the monitor of ${bridge} did not show a committed change within ${this.writeTimeoutMs} ms`, { bridge }),
    );
  }
}
