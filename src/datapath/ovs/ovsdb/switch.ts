/** The Open_vSwitch root row and what the host's datapath can do. */
import { existsSync } from 'node:fs';
import type { OvsdbClient } from './client.js';
import { decodeMap, decodeOptional, decodeSet } from './codec.js';
import { rowsOf, selectOp } from './ops.js';

/** What the running Open vSwitch reports about itself. */
export interface SwitchInfo {
  ovsVersion?: string;
  datapathTypes: string[];
  ifaceTypes: string[];
  otherConfig: Record<string, string>;
  externalIds: Record<string, string>;
}

/** Reads the Open_vSwitch row: version, supported datapath and interface types, config maps. */
export async function getSwitchInfo(c: OvsdbClient): Promise<SwitchInfo> {
  const [sel] = await c.transact([
    selectOp('Open_vSwitch', [], ['ovs_version', 'datapath_types', 'iface_types', 'other_config', 'external_ids']),
  ]);
  const row = rowsOf(sel)[0] ?? {};
  const version = row.ovs_version === undefined ? undefined : decodeOptional(row.ovs_version);
  return {
    ...(version !== undefined ? { ovsVersion: String(version) } : {}),
    datapathTypes: row.datapath_types === undefined ? [] : decodeSet(row.datapath_types).map(String),
    ifaceTypes: row.iface_types === undefined ? [] : decodeSet(row.iface_types).map(String),
    otherConfig: row.other_config === undefined ? {} : decodeMap(row.other_config),
    externalIds: row.external_ids === undefined ? {} : decodeMap(row.external_ids),
  };
}

/**
 * True iff the openvswitch kernel module is loaded, i.e. bridges may use the `system`
 * datapath; otherwise they must be `netdev` (userspace).
 */
export function kernelDatapathAvailable(): boolean {
  return existsSync('/sys/module/openvswitch');
}
