/**
 * A message-level fake of one OpenFlow bridge for unit tests of the agent's round: it
 * records every message (flow mods, group mods, dumps) in the order the round sends them,
 * applies them to a flow table and group table with OpenFlow's rules (an add replaces the
 * flow at the same table, priority and match; a strict delete removes it when the cookie
 * matches under the mask), and can fail chosen messages the way a switch answers
 * OFPT_ERROR: the others of the batch still apply, and the batch rejects.
 */
import { NetpluginError } from '../../src/common/errors.js';
import type { FlowMod, FlowStats, GroupDesc, GroupMod, Match, OpenFlowSwitch } from '../../src/datapath/ovs/openflow/index.js';

/** One recorded message. */
export type SwitchMessage = { kind: 'flowMod'; mod: FlowMod } | { kind: 'groupMod'; mod: GroupMod } | { kind: 'dumpFlows' } | { kind: 'dumpGroups' } | { kind: 'barrier' };

function matchKey(m: Match): string {
  const rec = m as Record<string, unknown>;
  return Object.keys(rec)
    .filter((k) => rec[k] !== undefined)
    .sort()
    .map((k) => `${k}=${String(rec[k])}`)
    .join(',');
}

/** Position of a flow in the table: what an add replaces and a strict delete names. */
function position(f: { tableId: number; priority: number; match: Match }): string {
  return `${f.tableId}/${f.priority}/${matchKey(f.match)}`;
}

/** The fake switch. `messages` holds everything sent, in order. */
export class FakeSwitch implements OpenFlowSwitch {
  readonly messages: SwitchMessage[] = [];
  private readonly table = new Map<string, FlowStats>();
  private readonly groupTable = new Map<number, GroupDesc>();
  private readonly failures: ((m: SwitchMessage) => boolean)[] = [];

  /** Flow mods sent so far. */
  get flowMods(): FlowMod[] {
    return this.messages.flatMap((m) => (m.kind === 'flowMod' ? [m.mod] : []));
  }

  /** Group mods sent so far. */
  get groupModsSent(): GroupMod[] {
    return this.messages.flatMap((m) => (m.kind === 'groupMod' ? [m.mod] : []));
  }

  /** Forgets the recorded messages (the tables stay). */
  clearLog(): void {
    this.messages.length = 0;
  }

  /** The flows on the bridge now. */
  flows(): FlowStats[] {
    return [...this.table.values()];
  }

  /** The groups on the bridge now. */
  groups(): GroupDesc[] {
    return [...this.groupTable.values()].sort((a, b) => a.groupId - b.groupId);
  }

  /** Puts flows on the bridge directly (left by an earlier agent, or by another controller). */
  seedFlows(mods: FlowMod[]): void {
    for (const f of mods) this.table.set(position(f), this.stats(f));
  }

  /** Fails every message for which `pred` is true (OFPT_ERROR), until `clearFailures()`. */
  failWhen(pred: (m: SwitchMessage) => boolean): void {
    this.failures.push(pred);
  }

  /** Stops failing messages. */
  clearFailures(): void {
    this.failures.length = 0;
  }

  async dumpFlows(): Promise<FlowStats[]> {
    this.messages.push({ kind: 'dumpFlows' });
    return this.flows().map((f) => structuredClone(f));
  }

  async dumpGroups(): Promise<GroupDesc[]> {
    this.messages.push({ kind: 'dumpGroups' });
    return this.groups().map((g) => structuredClone(g));
  }

  async write(batch: { groupMods?: GroupMod[]; flowMods?: FlowMod[] }): Promise<void> {
    const sent: SwitchMessage[] = [...(batch.groupMods ?? []).map((mod): SwitchMessage => ({ kind: 'groupMod', mod: structuredClone(mod) })), ...(batch.flowMods ?? []).map((mod): SwitchMessage => ({ kind: 'flowMod', mod: structuredClone(mod) }))];
    this.deliver(sent);
  }

  async groupMods(mods: GroupMod[]): Promise<void> {
    this.deliver(mods.map((mod): SwitchMessage => ({ kind: 'groupMod', mod: structuredClone(mod) })));
  }

  private deliver(sent: SwitchMessage[]): void {
    const failed: number[] = [];
    sent.forEach((m, i) => {
      this.messages.push(m);
      if (this.failures.some((f) => f(m))) failed.push(i);
      else this.apply(m);
    });
    this.messages.push({ kind: 'barrier' });
    if (failed.length) throw new NetpluginError('NP_OPENFLOW_ERROR', `${failed.length} of ${sent.length} messages failed`, { failures: failed.map((index) => ({ index })) });
  }

  private stats(f: FlowMod): FlowStats {
    return { tableId: f.tableId, priority: f.priority, cookie: f.cookie, idleTimeout: f.idleTimeout ?? 0, hardTimeout: f.hardTimeout ?? 0, flags: f.flags ?? 0, packetCount: 0n, byteCount: 0n, durationSec: 0, match: structuredClone(f.match), instructions: structuredClone(f.instructions) };
  }

  private apply(m: SwitchMessage): void {
    if (m.kind === 'groupMod') {
      const g = m.mod;
      if (g.command === 'delete') this.groupTable.delete(g.groupId);
      else {
        if (g.command === 'add' && this.groupTable.has(g.groupId)) throw new Error(`group ${g.groupId} exists (OFPGMFC_GROUP_EXISTS)`);
        this.groupTable.set(g.groupId, { type: g.type, groupId: g.groupId, buckets: structuredClone(g.buckets) });
      }
      return;
    }
    if (m.kind !== 'flowMod') return;
    const f = m.mod;
    const mask = f.cookieMask ?? 0n;
    switch (f.command) {
      case 'add':
        this.table.set(position(f), this.stats(f));
        return;
      case 'deleteStrict': {
        const cur = this.table.get(position(f));
        if (cur && (cur.cookie & mask) === (f.cookie & mask)) this.table.delete(position(f));
        return;
      }
      case 'delete':
        for (const [k, cur] of this.table) {
          if ((f.tableId === 0xff || cur.tableId === f.tableId) && (cur.cookie & mask) === (f.cookie & mask)) this.table.delete(k);
        }
        return;
      default:
        throw new Error(`FakeSwitch: ${f.command} is not modelled`);
    }
  }
}
