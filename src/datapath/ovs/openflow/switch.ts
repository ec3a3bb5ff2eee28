/**
 * The OpenFlow messages the agent exchanges with one bridge. OpenFlowConnection implements
 * it; unit tests use a fake that records every message and keeps a flow table
 * (test/fakes/fake-switch.ts).
 */
import type { FlowMod, FlowStats, GroupDesc, GroupMod } from './types.js';

/** Flows and groups of one bridge: dump them, and write changes in pipelined batches. */
export interface OpenFlowSwitch {
  /** Every flow of the bridge. */
  dumpFlows(): Promise<FlowStats[]>;
  /** Every group of the bridge. */
  dumpGroups(): Promise<GroupDesc[]>;
  /** Sends group mods, then flow mods, with one barrier; rejects naming the failed messages. */
  write(batch: { groupMods?: GroupMod[]; flowMods?: FlowMod[] }): Promise<void>;
  /** Sends group mods with one barrier. */
  groupMods(mods: GroupMod[]): Promise<void>;
}
