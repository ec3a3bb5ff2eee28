/**
 * The OVSDB operations the agent performs, as one interface: its reconcile round takes a
 * Vswitch, so its decisions are tested against a fake that records each operation
 * (test/fakes/fake-vswitch.ts). OvsdbVswitch is the real one, over an OvsdbClient.
 */
import type { OvsdbClient } from './client.js';
import { ensureBridge, getBridgeExternalIds, type BridgeSpec } from './bridge.js';
import { addPorts, deletePorts, getPortTrunks, listPorts, setPortTrunks, type PortInfo, type PortSpec } from './ports.js';
import { waitForOfports } from './ofports.js';
import { waitForVswitchd } from './sync.js';

/** Bridges and ports of one Open vSwitch database. */
export interface Vswitch {
  /** Ports of `bridge` (without its internal port), sorted by name; NP_NOT_FOUND if the bridge is missing. */
  listPorts(bridge: string): Promise<PortInfo[]>;
  /** Adds ports in one transaction. */
  addPorts(bridge: string, ports: PortSpec[]): Promise<void>;
  /** Removes ports by name in one transaction; names not on the bridge are ignored. */
  deletePorts(bridge: string, names: string[]): Promise<void>;
  /** Resolves with name -> ofport once vswitchd has opened every named interface. */
  waitForOfports(bridge: string, names: string[], timeoutMs: number): Promise<Map<string, number>>;
  /** Creates the bridge or brings the listed columns in line. */
  ensureBridge(spec: BridgeSpec): Promise<{ created: boolean }>;
  /** A bridge's external_ids; undefined when it does not exist. */
  bridgeExternalIds(bridge: string): Promise<Record<string, string> | undefined>;
  /** A port's trunk VLANs, sorted; undefined when it does not exist. */
  portTrunks(port: string): Promise<number[] | undefined>;
  /** Sets a port's trunk VLANs. */
  setPortTrunks(port: string, trunks: number[]): Promise<void>;
  /** Resolves once vswitchd has applied every change committed before the call. */
  waitForVswitchd(timeoutMs: number): Promise<void>;
}

/** The Vswitch of a live ovsdb-server connection. */
export class OvsdbVswitch implements Vswitch {
  /** Wraps a connected client (which the caller keeps and closes). */
  constructor(readonly client: OvsdbClient) {}

  listPorts(bridge: string): Promise<PortInfo[]> {
    return listPorts(this.client, bridge);
  }

  addPorts(bridge: string, ports: PortSpec[]): Promise<void> {
    return addPorts(this.client, bridge, ports);
  }

  deletePorts(bridge: string, names: string[]): Promise<void> {
    return deletePorts(this.client, bridge, names);
  }

  waitForOfports(bridge: string, names: string[], timeoutMs: number): Promise<Map<string, number>> {
    return waitForOfports(this.client, bridge, names, timeoutMs);
  }

  ensureBridge(spec: BridgeSpec): Promise<{ created: boolean }> {
    return ensureBridge(this.client, spec);
  }

  bridgeExternalIds(bridge: string): Promise<Record<string, string> | undefined> {
    return getBridgeExternalIds(this.client, bridge);
  }

  portTrunks(port: string): Promise<number[] | undefined> {
    return getPortTrunks(this.client, port);
  }

  setPortTrunks(port: string, trunks: number[]): Promise<void> {
    return setPortTrunks(this.client, port, trunks);
  }

  waitForVswitchd(timeoutMs: number): Promise<void> {
    return waitForVswitchd(this.client, timeoutMs);
  }
}
