/** Bridge rows: create-or-update and delete, each as one write transaction. */
import { NetpluginError } from '../../../common/errors.js';
import type { OvsdbClient } from './client.js';
import { decodeMap, decodeOptional, decodeSet, encodeMap, encodeSet, namedUuid, uuid } from './codec.js';
import { countOf, deleteOp, insertOp, mutateOp, rowsOf, selectOp, updateOp, type Mutation } from './ops.js';

/** The columns of a bridge that ensureBridge manages; omitted fields are left alone. */
export interface BridgeSpec {
  name: string;
  datapathType?: 'netdev' | 'system' | '';
  protocols?: string[];
  failMode?: 'secure' | 'standalone';
  otherConfig?: Record<string, string>;
  externalIds?: Record<string, string>;
}

const BRIDGE_COLUMNS = ['_uuid', 'datapath_type', 'protocols', 'fail_mode', 'other_config', 'external_ids'];

/**
 * Creates the bridge (with its internal port and interface of the same name, linked from
 * Open_vSwitch.bridges) or brings the listed columns of an existing one in line.
 * Maps (otherConfig, externalIds) are merged: listed keys are set, other keys are kept,
 * because other tools keep their own keys there. Nothing is written when nothing differs.
 */
export async function ensureBridge(c: OvsdbClient, spec: BridgeSpec): Promise<{ created: boolean }> {
  // A concurrent creator makes our insert fail the unique-name index, or a concurrent
  // deleter makes our update match nothing: re-read and try the other branch once.
  for (let attempt = 0; ; attempt++) {
    const [sel] = await c.transact([selectOp('Bridge', [['name', '==', spec.name]], BRIDGE_COLUMNS)]);
    const row = rowsOf(sel)[0];
    try {
      if (!row) {
        await c.transact(createBridgeOps(spec));
        return { created: true };
      }
      const ops = updateBridgeOps(spec, row);
      if (ops.length === 0) return { created: false };
      const res = await c.transact(ops);
      if (countOf(res[0]) === 1) return { created: false };
      if (attempt > 0) throw new NetpluginError('NP_NOT_FOUND', `bridge ${spec.name} vanished while being updated`, { bridge: spec.name });
    } catch (e) {
      const raced = e instanceof NetpluginError && e.code === 'NP_OVSDB_ERROR' && e.details?.error === 'constraint violation';
      if (!raced || attempt > 0) throw e;
    }
  }
}

/** The operations that insert a bridge with its own internal port. Pure. */
export function createBridgeOps(spec: BridgeSpec): object[] {
  const row: Record<string, unknown> = { name: spec.name, ports: encodeSet([namedUuid('np_port')]) };
  if (spec.datapathType !== undefined) row.datapath_type = spec.datapathType;
  if (spec.protocols !== undefined) row.protocols = encodeSet(spec.protocols);
  if (spec.failMode !== undefined) row.fail_mode = spec.failMode;
  if (spec.otherConfig !== undefined) row.other_config = encodeMap(spec.otherConfig);
  if (spec.externalIds !== undefined) row.external_ids = encodeMap(spec.externalIds);
  return [
    insertOp('Interface', { name: spec.name, type: 'internal' }, 'np_iface'),
    insertOp('Port', { name: spec.name, interfaces: encodeSet([namedUuid('np_iface')]) }, 'np_port'),
    insertOp('Bridge', row, 'np_bridge'),
    mutateOp('Open_vSwitch', [], [['bridges', 'insert', encodeSet([namedUuid('np_bridge')])]]),
  ];
}

/**
 * The operations that bring an existing bridge row (as selected with BRIDGE_COLUMNS) in
 * line with the spec; empty when it already matches. The first op's count tells whether
 * the bridge still existed. Pure.
 */
export function updateBridgeOps(spec: BridgeSpec, current: Record<string, unknown>): object[] {
  const where: [string, string, unknown][] = [['name', '==', spec.name]];
  const set: Record<string, unknown> = {};
  if (spec.datapathType !== undefined && decodeOptional(current.datapath_type) !== spec.datapathType) {
    set.datapath_type = spec.datapathType;
  }
  if (spec.protocols !== undefined && !sameSet(decodeSet(current.protocols).map(String), spec.protocols)) {
    set.protocols = encodeSet(spec.protocols);
  }
  if (spec.failMode !== undefined && decodeOptional(current.fail_mode) !== spec.failMode) {
    set.fail_mode = spec.failMode;
  }
  const mutations = [
    ...mapMergeMutations('other_config', decodeMap(current.other_config), spec.otherConfig),
    ...mapMergeMutations('external_ids', decodeMap(current.external_ids), spec.externalIds),
  ];
  const ops: object[] = [];
  if (Object.keys(set).length > 0) ops.push(updateOp('Bridge', where, set));
  if (mutations.length > 0) ops.push(mutateOp('Bridge', where, mutations));
  return ops;
}

/** Deletes the bridge; its Port and Interface rows go with it (they are not root tables). No-op if absent. */
export async function deleteBridge(c: OvsdbClient, name: string): Promise<void> {
  const [sel] = await c.transact([selectOp('Bridge', [['name', '==', name]], ['_uuid'])]);
  const row = rowsOf(sel)[0];
  if (!row) return;
  const id = String(decodeOptional(row._uuid));
  await c.transact([
    mutateOp('Open_vSwitch', [], [['bridges', 'delete', encodeSet([uuid(id)])]]),
    deleteOp('Bridge', [['_uuid', '==', uuid(id)]]),
  ]);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/** Mutations that set the changed keys of a map column without touching the others. */
function mapMergeMutations(column: string, current: Record<string, string>, want: Record<string, string> | undefined): Mutation[] {
  if (!want) return [];
  const changed = Object.fromEntries(Object.entries(want).filter(([k, v]) => current[k] !== v));
  const keys = Object.keys(changed);
  if (keys.length === 0) return [];
  // A map "insert" ignores keys that already exist, so changed keys are deleted first.
  return [
    [column, 'delete', encodeSet(keys)],
    [column, 'insert', encodeMap(changed)],
  ];
}

/** A bridge's external_ids, or undefined when the bridge does not exist. */
export async function getBridgeExternalIds(c: OvsdbClient, name: string): Promise<Record<string, string> | undefined> {
  const [sel] = await c.transact([selectOp('Bridge', [['name', '==', name]], ['external_ids'])]);
  const row = rowsOf(sel)[0];
  return row ? decodeMap(row.external_ids) : undefined;
}
