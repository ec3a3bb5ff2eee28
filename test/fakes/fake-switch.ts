/**
 * A message-level fake of one OpenFlow bridge for unit tests of the agent's round: it
 * records every message (flow mods, group mods, dumps) in the order the round sends them,
 * applies them to a flow table and group table with OpenFlow's rules (an add replaces the
 * flow at the same table, priority and match; a strict delete removes it when the cookie
 * matches under the mask), and can fail chosen messages the way a switch answers
 * OFPT_ERROR: the others of the batch still apply, and the batch rejects. Constructed with
 * `{ bundles: true }` it plays an OpenFlow 1.4 switch: bundle() applies a batch all or nothing
 * and is recorded as one `bundle` message.
 *
 * It also keeps a meter table as vswitchd 3.1 does (checked on a private vswitchd): meterMods() adds,
 * modifies and deletes meters, an add of an existing meter fails with OFPMMFC_METER_EXISTS and a modify
 * of a missing one with OFPMMFC_UNKNOWN_METER (the others of the batch still apply), a delete of a
 * missing meter succeeds silently, and deleting a meter removes the flows that use it. dumpMeters() and
 * meterStats() answer from it ([] for a missing meter id; a meter without OFPMF_BURST reports burstSize
 * equal to its rate, as vswitchd does); flowCount counts the flows whose instructions name the meter,
 * and tests set the other counters with setMeterCounters(). Unlike vswitchd it accepts a flow naming
 * a meter that does not exist (vswitchd: OFPMMFC_INVALID_METER).
 *
 * packetOuts() records each frame sent into the bridge (`packetOutsSent`); it forwards nothing, and fails
 * only what failWhen() selects (as OFPET_BAD_REQUEST/OFPBRC_BAD_PORT, the others still count as sent).
 */
import { NetpluginError } from '../../src/common/errors.js';
import {
  OFPBRC_BAD_PORT,
  OFPET_BAD_REQUEST,
  OFPET_METER_MOD_FAILED,
  OFPM_ALL,
  OFPMF_BURST,
  OFPMMFC_METER_EXISTS,
  OFPMMFC_UNKNOWN_METER,
  type AtomicBatch,
  type BatchFailure,
  type FlowMod,
  type FlowStats,
  type GroupDesc,
  type GroupMod,
  type Match,
  type MeterBandStats,
  type MeterConfig,
  type MeterMod,
  type MeterStats,
  type OpenFlowSwitch,
  type PacketOut,
} from '../../src/datapath/ovs/openflow/index.js';

/** One mod inside a bundle. */
export type ModMessage = { kind: 'flowMod'; mod: FlowMod } | { kind: 'groupMod'; mod: GroupMod };

/** One recorded message; a bundle is one unit holding its mods in order, and whether it was committed. */
export type SwitchMessage =
  | ModMessage
  | { kind: 'bundle'; mods: ModMessage[]; committed: boolean }
  | { kind: 'meterMod'; mod: MeterMod }
  | { kind: 'packetOut'; packetOut: PacketOut }
  | { kind: 'dumpFlows' }
  | { kind: 'dumpGroups' }
  | { kind: 'dumpMeters'; meterId: number }
  | { kind: 'meterStats'; meterId: number }
  | { kind: 'barrier' };

/** The counters of a meter that tests may set (flowCount is counted from the flow table). */
export type MeterCounters = Partial<Pick<MeterStats, 'packetInCount' | 'byteInCount' | 'durationSec' | 'durationNsec'>> & { bands?: MeterBandStats[] };

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

/** Names of the OFPMMFC_* codes the fake answers with (0 is a failure a test asked for through failWhen). */
const METER_ERRORS: Record<number, string> = { 0: 'OFPMMFC_UNKNOWN', [OFPMMFC_METER_EXISTS]: 'OFPMMFC_METER_EXISTS', [OFPMMFC_UNKNOWN_METER]: 'OFPMMFC_UNKNOWN_METER' };

/** The fake switch. `messages` holds everything sent, in order. */
export class FakeSwitch implements OpenFlowSwitch {
  readonly messages: SwitchMessage[] = [];
  private readonly table = new Map<string, FlowStats>();
  private readonly groupTable = new Map<number, GroupDesc>();
  private readonly meterTable = new Map<number, { config: MeterConfig; counters: Required<MeterCounters> }>();
  private readonly failures: ((m: SwitchMessage) => boolean)[] = [];
  /** Whether bundle() works (the switch negotiated OpenFlow 1.4). */
  readonly supportsBundles: boolean;

  constructor(opts: { bundles?: boolean } = {}) {
    this.supportsBundles = opts.bundles ?? false;
  }

  /** Every mod sent so far, also those inside bundles. */
  private get mods(): ModMessage[] {
    return this.messages.flatMap((m) => (m.kind === 'bundle' ? m.mods : m.kind === 'flowMod' || m.kind === 'groupMod' ? [m] : []));
  }

  /** Flow mods sent so far (also inside bundles). */
  get flowMods(): FlowMod[] {
    return this.mods.flatMap((m) => (m.kind === 'flowMod' ? [m.mod] : []));
  }

  /** Group mods sent so far (also inside bundles). */
  get groupModsSent(): GroupMod[] {
    return this.mods.flatMap((m) => (m.kind === 'groupMod' ? [m.mod] : []));
  }

  /** The bundles sent so far, in order. */
  get bundles(): Extract<SwitchMessage, { kind: 'bundle' }>[] {
    return this.messages.flatMap((m) => (m.kind === 'bundle' ? [m] : []));
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

  /** The meters on the bridge now, by meter id. */
  meters(): MeterConfig[] {
    return [...this.meterTable.values()].map((m) => m.config).sort((a, b) => a.meterId - b.meterId);
  }

  /** Meter mods sent so far. */
  get meterModsSent(): MeterMod[] {
    return this.messages.flatMap((m) => (m.kind === 'meterMod' ? [m.mod] : []));
  }

  /** Packet-outs sent so far, in order (also those a failWhen() refused). */
  get packetOutsSent(): PacketOut[] {
    return this.messages.flatMap((m) => (m.kind === 'packetOut' ? [m.packetOut] : []));
  }

  /** Sets counters of an existing meter, as traffic through it would (fields left out keep their value). */
  setMeterCounters(meterId: number, counters: MeterCounters): void {
    const m = this.meterTable.get(meterId);
    if (!m) throw new Error(`FakeSwitch: no meter ${meterId}`);
    if (counters.bands && counters.bands.length !== m.config.bands.length) throw new Error(`FakeSwitch: meter ${meterId} has ${m.config.bands.length} bands, not ${counters.bands.length}`);
    Object.assign(m.counters, structuredClone(counters));
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

  /** Applies meter mods in order with one barrier; refused ones (as vswitchd refuses them) reject naming their index. */
  async meterMods(mods: MeterMod[]): Promise<void> {
    const failures: BatchFailure[] = [];
    mods.forEach((mod, i) => {
      const m: SwitchMessage = { kind: 'meterMod', mod: structuredClone(mod) };
      this.messages.push(m);
      const code = this.failures.some((f) => f(m)) ? 0 : this.applyMeter(mod);
      if (code !== undefined) failures.push({ index: i, kind: 'meterMod', kindIndex: i, type: OFPET_METER_MOD_FAILED, code, message: METER_ERRORS[code] ?? 'OFPMMFC_UNKNOWN' });
    });
    this.messages.push({ kind: 'barrier' });
    if (failures.length) {
      const first = failures[0];
      throw new NetpluginError('NP_OPENFLOW_ERROR', `${failures.length} of ${mods.length} messages in the batch failed; first: meterMod[${first.kindIndex}] ${first.message}`, { failures });
    }
  }

  /** Records the packet-outs with one barrier; those failWhen() selects reject naming their index (OFPET_BAD_REQUEST). */
  async packetOuts(list: PacketOut[]): Promise<void> {
    const failures: BatchFailure[] = [];
    list.forEach((p, i) => {
      const m: SwitchMessage = { kind: 'packetOut', packetOut: { ...p, actions: structuredClone(p.actions), data: Buffer.from(p.data) } };
      this.messages.push(m);
      if (this.failures.some((f) => f(m))) failures.push({ index: i, kind: 'packetOut', kindIndex: i, type: OFPET_BAD_REQUEST, code: OFPBRC_BAD_PORT, message: 'OFPBRC_BAD_PORT' });
    });
    this.messages.push({ kind: 'barrier' });
    if (failures.length) {
      const first = failures[0];
      throw new NetpluginError('NP_OPENFLOW_ERROR', `${failures.length} of ${list.length} messages in the batch failed; first: packetOut[${first.kindIndex}] ${first.message}`, { failures });
    }
  }

  async dumpMeters(meterId: number = OFPM_ALL): Promise<MeterConfig[]> {
    this.messages.push({ kind: 'dumpMeters', meterId });
    // vswitchd reports a meter without OFPMF_BURST with burst_size equal to each band's rate.
    return this.selectMeters(meterId).map(({ config }) => ({
      ...structuredClone(config),
      bands: config.bands.map((b) => (b.type === 'drop' && !(config.flags & OFPMF_BURST) ? { ...b, burstSize: b.rate } : structuredClone(b))),
    }));
  }

  async meterStats(meterId: number = OFPM_ALL): Promise<MeterStats[]> {
    this.messages.push({ kind: 'meterStats', meterId });
    return this.selectMeters(meterId).map(({ config, counters }) => ({
      meterId: config.meterId,
      flowCount: this.flows().filter((f) => f.instructions.some((i) => i.type === 'meter' && i.meterId === config.meterId)).length,
      ...structuredClone(counters),
    }));
  }

  /** One atomic bundle: every mod applies in order, or (one failing) none does and it rejects. */
  async bundle(batch: AtomicBatch): Promise<void> {
    if (!this.supportsBundles) throw new NetpluginError('NP_OPENFLOW_ERROR', 'bundles need OpenFlow 1.4, but the switch negotiated 1.3', { version: 4 });
    const group = (mod: GroupMod): ModMessage => ({ kind: 'groupMod', mod: structuredClone(mod) });
    const mods: ModMessage[] = [
      ...(batch.groupMods ?? []).map(group),
      ...(batch.flowMods ?? []).map((mod): ModMessage => ({ kind: 'flowMod', mod: structuredClone(mod) })),
      ...(batch.finalGroupMods ?? []).map(group),
    ];
    if (mods.length === 0) return;
    const unit = { kind: 'bundle' as const, mods, committed: false };
    this.messages.push(unit);
    const failed = mods.flatMap((m, index) => (this.failures.some((f) => f(m)) ? [{ index }] : []));
    if (failed.length) throw new NetpluginError('NP_OPENFLOW_ERROR', `${failed.length} of ${mods.length} messages in the bundle failed`, { failures: failed });
    const flows = new Map(this.table);
    const groups = new Map(this.groupTable);
    try {
      for (const m of mods) this.apply(m);
    } catch (e) {
      // A mod the switch refuses while committing (a group that exists): the whole bundle is discarded.
      this.table.clear();
      for (const [k, v] of flows) this.table.set(k, v);
      this.groupTable.clear();
      for (const [k, v] of groups) this.groupTable.set(k, v);
      throw new NetpluginError('NP_OPENFLOW_ERROR', `bundle failed: ${(e as Error).message}`, { failures: [] });
    }
    unit.committed = true;
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

  private selectMeters(meterId: number): { config: MeterConfig; counters: Required<MeterCounters> }[] {
    if (meterId !== OFPM_ALL) return this.meterTable.has(meterId) ? [this.meterTable.get(meterId)!] : [];
    return [...this.meterTable.values()].sort((a, b) => a.config.meterId - b.config.meterId);
  }

  /** Applies one meter mod; returns the OFPMMFC_* code vswitchd would refuse it with, or undefined. */
  private applyMeter(mod: MeterMod): number | undefined {
    const cur = this.meterTable.get(mod.meterId);
    const config: MeterConfig = { meterId: mod.meterId, flags: mod.flags, bands: structuredClone(mod.bands) };
    const zeroBands = () => mod.bands.map(() => ({ packets: 0n, bytes: 0n }));
    switch (mod.command) {
      case 'add':
        if (cur) return OFPMMFC_METER_EXISTS;
        this.meterTable.set(mod.meterId, { config, counters: { packetInCount: 0n, byteInCount: 0n, durationSec: 0, durationNsec: 0, bands: zeroBands() } });
        return undefined;
      case 'modify':
        if (!cur) return OFPMMFC_UNKNOWN_METER;
        cur.config = config;
        cur.counters.bands = mod.bands.map((_, i) => cur.counters.bands[i] ?? { packets: 0n, bytes: 0n });
        return undefined;
      case 'delete': {
        const gone = mod.meterId === OFPM_ALL ? [...this.meterTable.keys()] : cur ? [mod.meterId] : [];
        for (const id of gone) {
          this.meterTable.delete(id);
          for (const [k, f] of this.table) if (f.instructions.some((i) => i.type === 'meter' && i.meterId === id)) this.table.delete(k);
        }
        return undefined;
      }
    }
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
