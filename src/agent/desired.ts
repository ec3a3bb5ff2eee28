/**
 * The agent's copy of the desired state: networks and endpoints from the store's config
 * prefix, kept current by a watch. A resync (compaction, reconnect gap) re-lists, so the
 * copy is always equal to some committed store revision.
 */
import type { EndpointState, HostIntent, NetworkState } from '../intent/types.js';
import { KEYS, parseConfigKey } from '../state/keys.js';
import type { KeyValue, StateStore, Watch, WatchEvent } from '../state/store.js';

/** A consistent snapshot of desired networks and endpoints. */
export interface DesiredSnapshot {
  revision: number;
  networks: Map<string, NetworkState>;
  endpoints: Map<string, EndpointState>;
  /** `Hosts[]` of the intent, by name. */
  hosts: Map<string, HostIntent>;
}

/** Keeps a live DesiredSnapshot and calls `onChange` after every applied change. */
export class DesiredStateCache {
  private snapshot: DesiredSnapshot = { revision: 0, networks: new Map(), endpoints: new Map(), hosts: new Map() };
  private watch?: Watch;
  private closed = false;

  /** `onChange` runs after each batch of changes is applied. */
  constructor(
    private readonly store: StateStore,
    private readonly onChange: () => void,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Loads the current state and starts watching; resolves once the first load is in. */
  async start(): Promise<void> {
    const revision = await this.reload();
    await this.startWatch(revision);
  }

  /** The current snapshot (do not mutate). */
  current(): DesiredSnapshot {
    return this.snapshot;
  }

  /** Stops watching. */
  async close(): Promise<void> {
    this.closed = true;
    await this.watch?.close();
  }

  private async reload(): Promise<number> {
    const { items, revision } = await this.store.list(KEYS.configPrefix);
    const next: DesiredSnapshot = { revision, networks: new Map(), endpoints: new Map(), hosts: new Map() };
    for (const kv of items) applyPut(next, kv.key, kv.value);
    this.snapshot = next;
    this.onChange();
    return revision;
  }

  private async startWatch(fromRevision: number): Promise<void> {
    if (this.closed) return;
    this.watch = await this.store.watch(KEYS.configPrefix, fromRevision, {
      onEvents: (events) => this.applyEvents(events),
      onResync: () => {
        void this.reload().catch((err: Error) => this.onError(err));
      },
      onError: (err) => this.onError(err),
    });
  }

  private applyEvents(events: WatchEvent[]): void {
    for (const e of events) {
      if (e.type === 'put' && e.value !== undefined) applyPut(this.snapshot, e.key, e.value);
      else applyDelete(this.snapshot, e.key);
      this.snapshot.revision = Math.max(this.snapshot.revision, e.modRevision);
    }
    this.onChange();
  }
}

function applyPut(s: DesiredSnapshot, key: string, value: string): void {
  const k = parseConfigKey(key);
  if (k?.kind === 'network') {
    const n = JSON.parse(value) as NetworkState;
    s.networks.set(n.id, n);
  } else if (k?.kind === 'endpoint') {
    const e = JSON.parse(value) as EndpointState;
    s.endpoints.set(e.id, e);
  } else if (k?.kind === 'host') {
    const h = JSON.parse(value) as HostIntent;
    s.hosts.set(h.name, h);
  }
}

function applyDelete(s: DesiredSnapshot, key: string): void {
  const k = parseConfigKey(key);
  if (k?.kind === 'network') s.networks.delete(k.ids.join('/'));
  else if (k?.kind === 'endpoint') s.endpoints.delete(k.ids.join('/'));
  else if (k?.kind === 'host') s.hosts.delete(k.ids[0]);
}

export type { KeyValue };
