/**
 * IGMP snooping and the querier of one agent (docs/multicast.md). Reports and leaves from local
 * ports arrive as packet-ins; the memberships they make are published to the store
 * (`KEYS.operMulticast(host)`) and every other host's are followed, so each round replicates
 * groups to exactly the hosts and ports with members. General queries go out to every local
 * port of a snooping network each query interval (and once at start, so a restarted agent
 * hears its members again at once); memberships nobody renews expire.
 *
 * The IGMP codec and the OpenFlow transport are injected, so the decisions are unit-tested
 * against fakes.
 */
import type { Logger } from 'pino';
import type { MulticastMembers } from '../intent/multicast-types.js';
import { KEYS, parseOperKey } from '../state/keys.js';
import type { StateStore } from '../state/store.js';
import { MembershipTable, membershipMs, type QuerierTiming } from './multicast-members.js';
import { PrefixFollower } from './prefix-follower.js';

/** What a local port is, for snooping: its endpoint and network. */
export interface SnoopedPort {
  endpoint: string;
  network: string;
}

/** Where a general query goes: a local port of a snooping network, from that network's gateway. */
export interface QueryTarget {
  ofport: number;
  gatewayIp: string;
  gatewayMac: string;
}

/** The IGMP content of a frame: groups joined and left, or why it is not a valid report. */
export type IgmpReading = { ok: true; joined: string[]; left: string[] } | { ok: false; reason: string };

/** What the snooper needs from the agent. */
export interface SnooperDeps {
  store: StateStore;
  host: string;
  log: Logger;
  timing: QuerierTiming;
  /** Reads a frame a local port sent to the agent. */
  readIgmp(frame: Buffer): IgmpReading;
  /** The general query frame for one target. */
  query(target: QueryTarget, timing: QuerierTiming): Buffer;
  /** Sends frames out of ports (packet-out); rejects when the switch refused them. */
  send(frames: Array<{ ofport: number; frame: Buffer }>): Promise<void>;
  /** The local port `ofport` as of the last round, when it is an endpoint's in a snooping network. */
  portOf(ofport: number): SnoopedPort | undefined;
  /** Where queries go now. */
  queryTargets(): QueryTarget[];
  /** Whether `endpoint` of `network` still has a port here (memberships of others go). */
  present(network: string, endpoint: string): boolean;
  /** Asks for a round (the replication changed). */
  changed(): void;
  now?: () => number;
}

/** Counters an operator may ask about. */
export interface SnooperStats {
  reports: number;
  malformed: number;
  queriesSent: number;
}

/** The snooper of one agent. */
export class MulticastSnooper {
  private readonly table = new MembershipTable();
  private readonly remote = new Map<string, MulticastMembers>();
  private readonly follower: PrefixFollower;
  private lastPublished = '';
  private publishing?: Promise<void>;
  private publishAgain = false;
  private queryTimer?: NodeJS.Timeout;
  private expiryTimer?: NodeJS.Timeout;
  readonly stats: SnooperStats = { reports: 0, malformed: 0, queriesSent: 0 };

  constructor(private readonly deps: SnooperDeps) {
    this.follower = new PrefixFollower(deps.store, KEYS.operMulticastPrefix, {
      reset: (items) => {
        this.remote.clear();
        for (const kv of items) this.remember(kv.key, kv.value);
        deps.changed();
      },
      apply: (events) => {
        for (const e of events) {
          if (e.type === 'put' && e.value !== undefined) this.remember(e.key, e.value);
          else {
            const k = parseOperKey(e.key);
            if (k?.kind === 'operMulticast') this.remote.delete(k.ids[0]);
          }
        }
        deps.changed();
      },
      onError: (err) => deps.log.warn({ err: err.message }, 'multicast memberships of other hosts not followed'),
    });
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private remember(key: string, value: string): void {
    const k = parseOperKey(key);
    if (k?.kind !== 'operMulticast') return;
    try {
      this.remote.set(k.ids[0], JSON.parse(value) as MulticastMembers);
    } catch {
      this.deps.log.warn({ key }, 'unreadable multicast memberships ignored');
    }
  }

  /** Takes back what this host published before a restart, follows the other hosts, and starts the timers. */
  async start(): Promise<void> {
    const mine = await this.deps.store.get(KEYS.operMulticast(this.deps.host));
    if (mine) {
      try {
        // Members had no query to answer while this agent was down: they get a full membership time from now.
        this.table.load(JSON.parse(mine.value) as MulticastMembers, this.now() + membershipMs(this.deps.timing));
        this.lastPublished = mine.value;
      } catch {
        this.deps.log.warn('unreadable own multicast memberships ignored');
      }
    }
    await this.follower.start();
    this.queryTimer = setInterval(() => void this.sendQueries(), this.deps.timing.queryIntervalMs);
    this.expiryTimer = setInterval(() => this.expire(), Math.max(100, Math.min(1000, this.deps.timing.queryResponseMs)));
  }

  /** Stops timers and the follow. */
  async stop(): Promise<void> {
    clearInterval(this.queryTimer);
    clearInterval(this.expiryTimer);
    await this.follower.close();
    await this.publishing;
  }

  /** Local memberships of `network`: group address -> member endpoint ids. */
  localGroups(network: string): Map<string, string[]> {
    return this.table.groupsOf(network);
  }

  /** What the other hosts published, by host (this host's own entry included: callers skip it). */
  remoteMembers(): ReadonlyMap<string, MulticastMembers> {
    return this.remote;
  }

  /** Handles an IGMP packet-in from local port `ofport`; a malformed one is counted and dropped. */
  onIgmp(ofport: number, frame: Buffer): void {
    const port = this.deps.portOf(ofport);
    if (!port) return;
    const r = this.deps.readIgmp(frame);
    if (!r.ok) {
      this.stats.malformed++;
      this.deps.log.debug({ ofport, reason: r.reason }, 'malformed IGMP dropped');
      // The count is published (netdcli get multicast shows it); writes coalesce under a flood.
      void this.publish();
      return;
    }
    this.stats.reports++;
    const changed = this.table.apply(port.network, port.endpoint, r, this.now(), this.deps.timing);
    if (changed) {
      this.deps.log.info({ endpoint: port.endpoint, joined: r.joined, left: r.left }, 'multicast membership changed');
      this.deps.changed();
    }
    void this.publish();
  }

  /** Ends memberships that expired or whose endpoint left this host. */
  expire(): void {
    if (this.table.expire(this.now(), (n, ep) => this.deps.present(n, ep))) {
      this.deps.changed();
      void this.publish();
    }
  }

  /** Sends a general query out of every local port of a snooping network. */
  async sendQueries(): Promise<void> {
    const targets = this.deps.queryTargets();
    if (!targets.length) return;
    try {
      await this.deps.send(targets.map((t) => ({ ofport: t.ofport, frame: this.deps.query(t, this.deps.timing) })));
      this.stats.queriesSent += targets.length;
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'IGMP queries not sent');
    }
  }

  /** Writes this host's memberships when they changed; one write at a time, the last state wins. */
  publish(): Promise<void> {
    if (this.publishing) {
      this.publishAgain = true;
      return this.publishing;
    }
    this.publishing = (async () => {
      do {
        this.publishAgain = false;
        const value = JSON.stringify({ ...this.table.toPublished(this.deps.host), ...(this.stats.malformed ? { malformed: this.stats.malformed } : {}) });
        if (value === this.lastPublished) continue;
        try {
          await this.deps.store.txn([], [{ type: 'put', key: KEYS.operMulticast(this.deps.host), value }]);
          this.lastPublished = value;
        } catch (err) {
          this.deps.log.warn({ err: (err as Error).message }, 'multicast memberships not published; retried at the next change');
        }
      } while (this.publishAgain);
    })().finally(() => (this.publishing = undefined));
    return this.publishing;
  }

  /** How long a membership lasts without a report (for docs and tests). */
  membershipMs(): number {
    return membershipMs(this.deps.timing);
  }
}
