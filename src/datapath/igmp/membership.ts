/** What an IGMP message means for group membership, as a snooping switch without source filtering reads it. */
import {
  ALLOW_NEW_SOURCES,
  BLOCK_OLD_SOURCES,
  CHANGE_TO_EXCLUDE_MODE,
  CHANGE_TO_INCLUDE_MODE,
  MODE_IS_EXCLUDE,
  MODE_IS_INCLUDE,
  type IgmpMessage,
} from './types.js';

/** Groups a message joins and groups it leaves. */
export interface MembershipChange {
  joined: string[];
  left: string[];
}

/**
 * The groups `igmp` joins and leaves. We forward by group only, never by source (no IGMPv3 source
 * filtering), so a host that wants any source of a group gets all of it:
 * - v1/v2 report: joined; v2 leave: left.
 * - v3 MODE_IS_EXCLUDE / CHANGE_TO_EXCLUDE_MODE (with or without sources) and ALLOW_NEW_SOURCES: joined.
 * - v3 MODE_IS_INCLUDE / CHANGE_TO_INCLUDE_MODE: joined with sources, left with none (INCLUDE {} is how
 *   RFC 3376 §5.1 spells a leave).
 * - v3 BLOCK_OLD_SOURCES: no change (the host keeps other sources or the group; the querier's
 *   group-and-source query would tell, and we do not send those), and unknown record types: ignored.
 * A group both joined and left within one report (records in order) ends as its last record says.
 * Queries change nothing.
 */
export function joinedGroups(igmp: IgmpMessage): MembershipChange {
  const state = new Map<string, boolean>();
  switch (igmp.type) {
    case 'v1report':
    case 'v2report':
      if (igmp.group) state.set(igmp.group, true);
      break;
    case 'v2leave':
      if (igmp.group) state.set(igmp.group, false);
      break;
    case 'v3report':
      for (const r of igmp.records ?? []) {
        const joined = recordJoins(r.type, r.sources.length);
        if (joined !== undefined) {
          state.delete(r.group);
          state.set(r.group, joined);
        }
      }
      break;
    case 'query':
      break;
  }
  const change: MembershipChange = { joined: [], left: [] };
  for (const [group, joined] of state) (joined ? change.joined : change.left).push(group);
  return change;
}

/** true: the record joins its group; false: it leaves; undefined: no change. */
function recordJoins(type: number, nSources: number): boolean | undefined {
  switch (type) {
    case MODE_IS_EXCLUDE:
    case CHANGE_TO_EXCLUDE_MODE:
    case ALLOW_NEW_SOURCES:
      return true;
    case MODE_IS_INCLUDE:
    case CHANGE_TO_INCLUDE_MODE:
      return nSources > 0;
    case BLOCK_OLD_SOURCES:
    default:
      return undefined;
  }
}
