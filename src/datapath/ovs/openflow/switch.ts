/**
 * The OpenFlow messages the agent exchanges with one bridge. OpenFlowConnection implements
 * it; unit tests use a fake that records every message and keeps a flow table
 * (test/fakes/fake-switch.ts).
 */
import type { FlowMod, FlowStats, GroupDesc, GroupMod, MeterConfig, MeterMod, MeterStats, PacketOut } from './types.js';

/** One all-or-nothing change: group mods, then flow mods, then `finalGroupMods` (deletes of groups the flows stopped using). */
export interface AtomicBatch {
  groupMods?: GroupMod[];
  flowMods?: FlowMod[];
  finalGroupMods?: GroupMod[];
}

/** Flows, groups and meters of one bridge: dump them, and write changes in pipelined batches or atomic bundles. */
export interface OpenFlowSwitch {
  /** Whether bundle() is available: the switch negotiated OpenFlow 1.4. */
  readonly supportsBundles: boolean;
  /** Every flow of the bridge. */
  dumpFlows(): Promise<FlowStats[]>;
  /** Every group of the bridge. */
  dumpGroups(): Promise<GroupDesc[]>;
  /** Sends group mods, then flow mods, with one barrier; rejects naming the failed messages. */
  write(batch: { groupMods?: GroupMod[]; flowMods?: FlowMod[] }): Promise<void>;
  /** Sends group mods with one barrier. */
  groupMods(mods: GroupMod[]): Promise<void>;
  /**
   * Applies the batch as ONE atomic, ordered OpenFlow 1.4 bundle: no packet sees part of it, and a
   * rejected message discards all of it; rejects naming the failed messages (OpenFlow 1.3: rejects).
   */
  bundle(batch: AtomicBatch): Promise<void>;
  /**
   * Sends meter mods with one barrier (meters cannot go in bundles); the others still apply when one is
   * refused (OFPMMFC_METER_EXISTS for an add, OFPMMFC_UNKNOWN_METER for a modify), and it rejects naming them.
   */
  meterMods(mods: MeterMod[]): Promise<void>;
  /** Sends frames into the bridge (OFPT_PACKET_OUT) with one barrier; the others still go when one is refused, and it rejects naming them. */
  packetOuts(list: PacketOut[]): Promise<void>;
  /** The flags and bands of meter `meterId`, or of every meter (OFPM_ALL, the default); [] for a meter that does not exist. */
  dumpMeters(meterId?: number): Promise<MeterConfig[]>;
  /** The counters of meter `meterId`, or of every meter (OFPM_ALL, the default); [] for a meter that does not exist. */
  meterStats(meterId?: number): Promise<MeterStats[]>;
}
