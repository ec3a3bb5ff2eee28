/**
 * Makes a bridge's flows and groups equal to a desired set with the fewest changes:
 * flows that are already right are left alone (their counters and the traffic they
 * carry are undisturbed), missing ones are added, and stale flows that carry one of
 * our cookies are deleted. Flows without our cookie are never touched.
 */
import { canonicalFlow, type FlowMod, type FlowStats, type GroupDesc, type GroupMod, type OpenFlowConnection } from './openflow/index.js';
import { isOwnCookie, OWNER_MASK } from './pipeline/cookie.js';
import type { FeatureOutput } from './pipeline/model.js';

/** What a sync changed. */
export interface SyncStats {
  flowsAdded: number;
  flowsDeleted: number;
  flowsKept: number;
  groupsAdded: number;
  groupsModified: number;
  groupsDeleted: number;
}

/** Identity of a flow's content plus the owner part of its cookie (not the round). */
function flowIdentity(f: { tableId: number; priority: number; match: FlowMod['match']; instructions: FlowMod['instructions']; cookie: bigint }): string {
  return `${canonicalFlow(f)}|owner=${(f.cookie & OWNER_MASK).toString(16)}`;
}

/** Identity of a flow's position: a newer `add` with the same position replaces it. */
function flowPosition(f: { tableId: number; priority: number; match: FlowMod['match'] }): string {
  return canonicalFlow({ tableId: f.tableId, priority: f.priority, match: f.match, instructions: [] });
}

/** Compares groups by type and each bucket's actions (weights/watch ports are not used here). */
function groupIdentity(g: { type: string; buckets: GroupMod['buckets'] }): string {
  const buckets = g.buckets.map((b) => b.actions.map((a) => (a.type === 'output' ? `output:${a.port}` : JSON.stringify(a, bigintSafe))));
  return JSON.stringify({ type: g.type, buckets });
}

function bigintSafe(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** Computes the flow-mods and group-mods that turn `actual` into `desired` (pure). */
export function planSync(
  desired: FeatureOutput,
  actualFlows: FlowStats[],
  actualGroups: GroupDesc[],
): { groupAdds: GroupMod[]; flowMods: FlowMod[]; groupDeletes: GroupMod[]; stats: SyncStats } {
  const stats: SyncStats = { flowsAdded: 0, flowsDeleted: 0, flowsKept: 0, groupsAdded: 0, groupsModified: 0, groupsDeleted: 0 };
  const present = new Set(actualFlows.filter((f) => isOwnCookie(f.cookie)).map(flowIdentity));
  const desiredIds = new Set<string>();
  const desiredPositions = new Set<string>();
  const flowMods: FlowMod[] = [];
  for (const f of desired.flows) {
    const id = flowIdentity(f);
    desiredIds.add(id);
    desiredPositions.add(flowPosition(f));
    if (present.has(id)) stats.flowsKept++;
    else {
      flowMods.push(f);
      stats.flowsAdded++;
    }
  }
  for (const f of actualFlows) {
    if (!isOwnCookie(f.cookie) || desiredIds.has(flowIdentity(f))) continue;
    // A desired flow at the same position overwrites this one through its `add`.
    if (desiredPositions.has(flowPosition(f))) continue;
    flowMods.push({
      command: 'deleteStrict',
      tableId: f.tableId,
      priority: f.priority,
      cookie: f.cookie,
      cookieMask: 0xffffffffffffffffn,
      match: f.match,
      instructions: [],
    });
    stats.flowsDeleted++;
  }

  const actualById = new Map(actualGroups.map((g) => [g.groupId, g]));
  const groupAdds: GroupMod[] = [];
  for (const g of desired.groups) {
    const cur = actualById.get(g.groupId);
    if (!cur) {
      groupAdds.push({ ...g, command: 'add' });
      stats.groupsAdded++;
    } else if (groupIdentity(cur) !== groupIdentity(g)) {
      groupAdds.push({ ...g, command: 'modify' });
      stats.groupsModified++;
    }
  }
  const wanted = new Set(desired.groups.map((g) => g.groupId));
  // Deleting a group also deletes flows that point at it, so deletes go last.
  const groupDeletes: GroupMod[] = actualGroups
    .filter((g) => !wanted.has(g.groupId))
    .map((g) => ({ command: 'delete', type: g.type, groupId: g.groupId, buckets: [] }));
  stats.groupsDeleted = groupDeletes.length;
  return { groupAdds, flowMods, groupDeletes, stats };
}

/** Reads the bridge, then applies the minimal changes in pipelined batches (one barrier each). */
export async function syncFlows(conn: OpenFlowConnection, desired: FeatureOutput): Promise<SyncStats> {
  const [flows, groups] = await Promise.all([conn.dumpFlows(), conn.dumpGroups()]);
  const plan = planSync(desired, flows, groups);
  if (plan.groupAdds.length || plan.flowMods.length) await conn.write({ groupMods: plan.groupAdds, flowMods: plan.flowMods });
  if (plan.groupDeletes.length) await conn.groupMods(plan.groupDeletes);
  return plan.stats;
}
