/**
 * A message-level fake of Open vSwitch's database for unit tests of the agent's round: it
 * records every OVSDB operation the round performs (with its exact arguments), keeps the
 * bridges and ports those operations leave behind, gives ports their requested ofports as
 * vswitchd would (a system port whose netdev is missing in the linked FakeKernel gets
 * ofport -1 and an error; an internal port gets its netdev there, with the Interface `mac`
 * it asked for), and can fail any operation on demand.
 */
import { NetpluginError } from '../../src/common/errors.js';
import type { BridgeSpec, PortInfo, PortSpec, Vswitch } from '../../src/datapath/ovs/ovsdb/index.js';
import type { FakeKernel } from './fake-kernel.js';

/** One recorded operation: the method's name and its arguments. */
export type VswitchCall =
  | { op: 'listPorts'; bridge: string }
  | { op: 'addPorts'; bridge: string; ports: PortSpec[] }
  | { op: 'deletePorts'; bridge: string; names: string[] }
  | { op: 'waitForOfports'; bridge: string; names: string[] }
  | { op: 'ensureBridge'; spec: BridgeSpec }
  | { op: 'bridgeExternalIds'; bridge: string }
  | { op: 'portTrunks'; port: string }
  | { op: 'setPortTrunks'; port: string; trunks: number[] }
  | { op: 'waitForVswitchd' };

/** A port row of the model. */
export interface FakePort extends PortInfo {
  tag?: number;
  trunks?: number[];
}

interface FakeBridge {
  spec: BridgeSpec;
  externalIds: Record<string, string>;
  ports: Map<string, FakePort>;
}

/** The fake database. `calls` holds every operation, in order. */
export class FakeVswitch implements Vswitch {
  readonly calls: VswitchCall[] = [];
  readonly bridges = new Map<string, FakeBridge>();
  private readonly failures: ((c: VswitchCall) => Error | undefined)[] = [];

  /** While true, new ports stay at ofport 0 (vswitchd has not opened them) until `openPending()`. */
  holdOfports = false;
  private readonly pending = new Map<FakePort, number>();

  /** With `kernel`, system ports get an ofport only when their netdev exists in the host namespace. */
  constructor(private readonly kernel?: FakeKernel) {}

  /** Gives held ports the ofports vswitchd would have given them. */
  openPending(): void {
    for (const [p, ofport] of this.pending) p.ofport = ofport;
    this.pending.clear();
  }

  /** Recorded operations other than reads (what would change the database or wait on vswitchd). */
  get writes(): VswitchCall[] {
    return this.calls.filter((c) => c.op !== 'listPorts' && c.op !== 'bridgeExternalIds' && c.op !== 'portTrunks');
  }

  /** Forgets the recorded operations (the model stays). */
  clearLog(): void {
    this.calls.length = 0;
  }

  /** Makes a bridge exist (as a previous agent would have left it). */
  addBridge(name: string, externalIds: Record<string, string> = {}): void {
    this.bridges.set(name, { spec: { name }, externalIds, ports: new Map() });
  }

  /** Adds a port directly, bypassing the log (state left by someone else). */
  seedPort(bridge: string, port: Partial<FakePort> & { name: string }): void {
    this.bridge(bridge).ports.set(port.name, { type: '', ofport: 0, externalIds: {}, options: {}, ...port });
  }

  /** A port of the model. */
  port(bridge: string, name: string): FakePort | undefined {
    return this.bridges.get(bridge)?.ports.get(name);
  }

  /** Port names of a bridge, sorted. */
  portNames(bridge: string): string[] {
    return [...this.bridge(bridge).ports.keys()].sort();
  }

  /** Fails every operation for which `pred` is true with `error`, until `clearFailures()`. */
  failWhen(pred: (c: VswitchCall) => boolean, error: Error = new NetpluginError('NP_OVSDB_ERROR', 'transaction failed')): void {
    this.failures.push((c) => (pred(c) ? error : undefined));
  }

  /** Stops failing operations. */
  clearFailures(): void {
    this.failures.length = 0;
  }

  async listPorts(bridge: string): Promise<PortInfo[]> {
    this.record({ op: 'listPorts', bridge });
    return [...this.bridge(bridge).ports.values()].map((p) => structuredClone(p)).sort((a, b) => a.name.localeCompare(b.name));
  }

  async addPorts(bridge: string, ports: PortSpec[]): Promise<void> {
    this.record({ op: 'addPorts', bridge, ports: structuredClone(ports) });
    const b = this.bridge(bridge);
    const used = new Set([...b.ports.values()].map((p) => p.ofport).filter((n) => n > 0));
    for (const spec of ports) {
      if (b.ports.has(spec.name)) throw new NetpluginError('NP_OVSDB_ERROR', `port ${spec.name} exists`, { error: 'constraint violation' });
      let ofport = spec.ofportRequest !== undefined && !used.has(spec.ofportRequest) ? spec.ofportRequest : 0;
      if (!ofport) for (ofport = 1; used.has(ofport); ofport++);
      const type = spec.type ?? '';
      const missing = type === '' && this.kernel && !this.kernel.link(spec.name);
      used.add(ofport);
      const row: FakePort = {
        name: spec.name,
        type,
        ofport: missing ? -1 : ofport,
        ...(spec.ofportRequest !== undefined ? { ofportRequest: spec.ofportRequest } : {}),
        externalIds: { ...(spec.externalIds ?? {}) },
        options: { ...(spec.options ?? {}) },
        ...(missing ? { error: `could not open network device ${spec.name} (No such device)` } : {}),
        ...(spec.tag !== undefined ? { tag: spec.tag } : {}),
        ...(spec.trunks !== undefined ? { trunks: [...spec.trunks] } : {}),
      };
      if (type === 'internal') {
        // vswitchd makes the netdev of an internal port, with the requested MAC (mac_in_use).
        const link = this.kernel?.link(spec.name) ?? this.kernel?.addLink(spec.name, { kind: 'tun', ...(spec.mac ? { mac: spec.mac } : {}) });
        row.mac = spec.mac ?? link?.mac;
      }
      if (this.holdOfports && row.ofport > 0) {
        this.pending.set(row, row.ofport);
        row.ofport = 0;
      }
      b.ports.set(spec.name, row);
    }
  }

  async deletePorts(bridge: string, names: string[]): Promise<void> {
    this.record({ op: 'deletePorts', bridge, names: [...names] });
    const b = this.bridge(bridge);
    for (const n of names) {
      if (b.ports.get(n)?.type === 'internal') this.kernel?.removeLink(n);
      b.ports.delete(n);
    }
  }

  async waitForOfports(bridge: string, names: string[]): Promise<Map<string, number>> {
    this.record({ op: 'waitForOfports', bridge, names: [...names] });
    const b = this.bridge(bridge);
    const out = new Map<string, number>();
    for (const n of names) {
      const p = b.ports.get(n);
      if (!p) throw new NetpluginError('NP_OVSDB_ERROR', `timed out waiting for ofports on ${bridge}: ${n}`);
      if (p.ofport === -1) throw new NetpluginError('NP_OVSDB_ERROR', `interface ${n} on ${bridge} failed: ${p.error}`);
      out.set(n, p.ofport);
    }
    return out;
  }

  async ensureBridge(spec: BridgeSpec): Promise<{ created: boolean }> {
    this.record({ op: 'ensureBridge', spec: structuredClone(spec) });
    const cur = this.bridges.get(spec.name);
    if (cur) {
      Object.assign(cur.externalIds, spec.externalIds ?? {});
      cur.spec = { ...cur.spec, ...spec };
      return { created: false };
    }
    this.bridges.set(spec.name, { spec: structuredClone(spec), externalIds: { ...(spec.externalIds ?? {}) }, ports: new Map() });
    this.kernel?.addLink(spec.name, { kind: 'openvswitch' });
    return { created: true };
  }

  async bridgeExternalIds(bridge: string): Promise<Record<string, string> | undefined> {
    this.record({ op: 'bridgeExternalIds', bridge });
    const b = this.bridges.get(bridge);
    return b ? { ...b.externalIds } : undefined;
  }

  async portTrunks(port: string): Promise<number[] | undefined> {
    this.record({ op: 'portTrunks', port });
    const p = this.findPort(port);
    return p ? [...(p.trunks ?? [])].sort((a, b) => a - b) : undefined;
  }

  async setPortTrunks(port: string, trunks: number[]): Promise<void> {
    this.record({ op: 'setPortTrunks', port, trunks: [...trunks] });
    const p = this.findPort(port);
    if (p) p.trunks = [...trunks];
  }

  async waitForVswitchd(): Promise<void> {
    this.record({ op: 'waitForVswitchd' });
  }

  private findPort(name: string): FakePort | undefined {
    for (const b of this.bridges.values()) {
      const p = b.ports.get(name);
      if (p) return p;
    }
    return undefined;
  }

  private bridge(name: string): FakeBridge {
    const b = this.bridges.get(name);
    if (!b) throw new NetpluginError('NP_NOT_FOUND', `bridge ${name} does not exist`, { bridge: name });
    return b;
  }

  private record(c: VswitchCall): void {
    this.calls.push(c);
    for (const f of this.failures) {
      const e = f(c);
      if (e) throw e;
    }
  }
}
