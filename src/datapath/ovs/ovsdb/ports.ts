/** Ports of a bridge: list, add many and delete many, each batch in one write transaction. */
import { NetpluginError } from '../../../common/errors.js';
import type { OvsdbClient } from './client.js';
import { decodeMap, decodeOptional, decodeSet, encodeMap, encodeOptional, encodeSet, namedUuid, uuid, type WireAtom } from './codec.js';
import { countOf, deleteOp, insertOp, mutateOp, rowsOf, selectOp, updateOp } from './ops.js';

/** One port of a bridge as seen in the database (interface columns of its first interface). */
export interface PortInfo {
  name: string;
  type: string;
  /** -1 if vswitchd failed to open it (see `error`), 0 if not yet assigned. */
  ofport: number;
  ofportRequest?: number;
  externalIds: Record<string, string>;
  options: Record<string, string>;
  error?: string;
  mac?: string;
}

/** A port to add; `type` defaults to '' (a system netdev such as a veth). */
export interface PortSpec {
  name: string;
  type?: string;
  ofportRequest?: number;
  /** Written to the Interface row (where ovn/iface-id style keys live). */
  externalIds?: Record<string, string>;
  options?: Record<string, string>;
  /** Access VLAN. */
  tag?: number;
  /** Trunk VLANs; empty or omitted means all VLANs. */
  trunks?: number[];
  /** Interface `mac`: the MAC vswitchd gives an internal port (checked to hold on netdev bridges too). */
  mac?: string;
}

export const IFACE_COLUMNS = ['_uuid', 'name', 'type', 'ofport', 'ofport_request', 'external_ids', 'options', 'error', 'mac_in_use'];

/** Lists the ports of a bridge, excluding its own internal port; NP_NOT_FOUND if it does not exist. */
export async function listPorts(c: OvsdbClient, bridge: string): Promise<PortInfo[]> {
  // One round trip: the bridge, then every Port and Interface, joined here, because a
  // `where` cannot test membership in a set of uuids.
  const [b, p, i] = await c.transact([
    selectOp('Bridge', [['name', '==', bridge]], ['ports']),
    selectOp('Port', [], ['_uuid', 'name', 'interfaces']),
    selectOp('Interface', [], IFACE_COLUMNS),
  ]);
  const brow = rowsOf(b)[0];
  if (!brow) throw new NetpluginError('NP_NOT_FOUND', `bridge ${bridge} does not exist`, { bridge });
  const member = new Set(decodeSet(brow.ports).map(String));
  const ifaces = new Map(rowsOf(i).map((r) => [String(decodeOptional(r._uuid)), r]));
  const out: PortInfo[] = [];
  for (const port of rowsOf(p)) {
    const name = String(port.name);
    if (!member.has(String(decodeOptional(port._uuid))) || name === bridge) continue;
    const ifIds = decodeSet(port.interfaces).map(String);
    const iface = ifIds.map((id) => ifaces.get(id)).find((r) => r && r.name === name) ?? ifaces.get(ifIds[0]);
    out.push(portInfo(name, iface ?? {}));
  }
  return out.sort((x, y) => x.name.localeCompare(y.name));
}

/** Decodes one Interface row into a PortInfo named `name`. Pure. */
export function portInfo(name: string, iface: Record<string, unknown>): PortInfo {
  const info: PortInfo = {
    name,
    type: String(iface.type ?? ''),
    ofport: Number(iface.ofport === undefined ? 0 : (decodeOptional(iface.ofport) ?? 0)),
    externalIds: iface.external_ids ? decodeMap(iface.external_ids) : {},
    options: iface.options ? decodeMap(iface.options) : {},
  };
  const req = iface.ofport_request === undefined ? undefined : decodeOptional(iface.ofport_request);
  if (req !== undefined) info.ofportRequest = Number(req);
  const err = iface.error === undefined ? undefined : decodeOptional(iface.error);
  if (err !== undefined) info.error = String(err);
  const mac = iface.mac_in_use === undefined ? undefined : decodeOptional(iface.mac_in_use);
  if (mac !== undefined) info.mac = String(mac);
  return info;
}

/**
 * Adds every port (Port + Interface rows) to the bridge in one transaction: inserts named
 * by uuid-name and a single mutate of Bridge.ports. NP_NOT_FOUND if the bridge is missing
 * (the inserted rows are then unreferenced and the server drops them at commit).
 */
export async function addPorts(c: OvsdbClient, bridge: string, ports: PortSpec[]): Promise<void> {
  if (ports.length === 0) return;
  const res = await c.transact(addPortsOps(bridge, ports));
  if (countOf(res[res.length - 1]) !== 1) {
    throw new NetpluginError('NP_NOT_FOUND', `bridge ${bridge} does not exist`, { bridge });
  }
}

/** The operations addPorts sends; the last one is the mutate of Bridge.ports. Pure. */
export function addPortsOps(bridge: string, ports: PortSpec[]): object[] {
  const ops: object[] = [];
  const portRefs: WireAtom[] = [];
  ports.forEach((p, k) => {
    const iface: Record<string, unknown> = { name: p.name, type: p.type ?? '' };
    if (p.ofportRequest !== undefined) iface.ofport_request = p.ofportRequest;
    if (p.externalIds) iface.external_ids = encodeMap(p.externalIds);
    if (p.options) iface.options = encodeMap(p.options);
    if (p.mac !== undefined) iface.mac = encodeOptional(p.mac);
    ops.push(insertOp('Interface', iface, `np_i${k}`));
    const port: Record<string, unknown> = { name: p.name, interfaces: encodeSet([namedUuid(`np_i${k}`)]) };
    if (p.tag !== undefined) port.tag = encodeOptional(p.tag);
    if (p.trunks !== undefined) port.trunks = encodeSet(p.trunks);
    ops.push(insertOp('Port', port, `np_p${k}`));
    portRefs.push(namedUuid(`np_p${k}`));
  });
  ops.push(mutateOp('Bridge', [['name', '==', bridge]], [['ports', 'insert', encodeSet(portRefs)]]));
  return ops;
}

/**
 * Removes the named ports from the bridge in one transaction: one mutate of Bridge.ports
 * plus deletes of their Port and Interface rows. Names not on the bridge are ignored.
 */
export async function deletePorts(c: OvsdbClient, bridge: string, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const sel = await c.transact([
    selectOp('Bridge', [['name', '==', bridge]], ['ports']),
    ...names.map((n) => selectOp('Port', [['name', '==', n]], ['_uuid', 'interfaces'])),
  ]);
  const brow = rowsOf(sel[0])[0];
  if (!brow) throw new NetpluginError('NP_NOT_FOUND', `bridge ${bridge} does not exist`, { bridge });
  const member = new Set(decodeSet(brow.ports).map(String));
  const victims = sel.slice(1).flatMap((r) => rowsOf(r)).filter((r) => member.has(String(decodeOptional(r._uuid))));
  if (victims.length === 0) return;
  await c.transact(deletePortsOps(bridge, victims.map((r) => ({ port: String(decodeOptional(r._uuid)), interfaces: decodeSet(r.interfaces).map(String) }))));
}

/** The write operations of deletePorts for ports given by uuid (with their interface uuids). Pure. */
export function deletePortsOps(bridge: string, victims: { port: string; interfaces: string[] }[]): object[] {
  return [
    mutateOp('Bridge', [['name', '==', bridge]], [['ports', 'delete', encodeSet(victims.map((v) => uuid(v.port)))]]),
    ...victims.map((v) => deleteOp('Port', [['_uuid', '==', uuid(v.port)]])),
    ...victims.flatMap((v) => v.interfaces.map((i) => deleteOp('Interface', [['_uuid', '==', uuid(i)]]))),
  ];
}

/** The trunk VLANs of a port (empty: all VLANs), or undefined when no such port exists. */
export async function getPortTrunks(c: OvsdbClient, port: string): Promise<number[] | undefined> {
  const [res] = await c.transact([selectOp('Port', [['name', '==', port]], ['trunks'])]);
  const row = rowsOf(res)[0];
  if (!row) return undefined;
  return decodeSet(row.trunks).map(Number).sort((a, b) => a - b);
}

/** Sets a port's trunk VLANs in one transaction. */
export async function setPortTrunks(c: OvsdbClient, port: string, trunks: number[]): Promise<void> {
  await c.transact([setPortTrunksOp(port, trunks)]);
}

/** The operation setPortTrunks sends. Pure. */
export function setPortTrunksOp(port: string, trunks: number[]): object {
  return updateOp('Port', [['name', '==', port]], { trunks: encodeSet(trunks) });
}
