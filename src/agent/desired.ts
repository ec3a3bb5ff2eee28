/**
 * The agent's copy of the desired state: networks, endpoints, hosts and policies from the store's
 * config prefix, kept current by a watch. A resync re-reads, so the copy is always equal
 * to some committed store revision.
 */
import type { TenantPolicyState } from '../intent/policy-types.js';
import type { EndpointState, HostIntent, NetworkState } from '../intent/types.js';
import { KEYS, parseConfigKey } from '../state/keys.js';
import type { StateStore } from '../state/store.js';
import { PrefixFollower } from './prefix-follower.js';

/** A consistent snapshot of desired networks and endpoints. */
export interface DesiredSnapshot {
  revision: number;
  networks: Map<string, NetworkState>;
  endpoints: Map<string, EndpointState>;
  /** `Hosts[]` of the intent, by name. */
  hosts: Map<string, HostIntent>;
  /** Each tenant's groups and flattened rules, by tenant name (tenants without groups or policies absent). */
  policies: Map<string, TenantPolicyState>;
  /** modRevision of the meta key (0: nothing applied): address claims compare on it. */
  metaRevision: number;
}

function emptySnapshot(revision: number): DesiredSnapshot {
  return { revision, networks: new Map(), endpoints: new Map(), hosts: new Map(), policies: new Map(), metaRevision: 0 };
}

/** Keeps a live DesiredSnapshot and calls `onChange` after every applied change. */
export class DesiredStateCache {
  private snapshot = emptySnapshot(0);
  private readonly follower: PrefixFollower;

  /** `onChange` runs after each batch of changes is applied. */
  constructor(store: StateStore, onChange: () => void, onError: (err: Error) => void) {
    this.follower = new PrefixFollower(store, KEYS.configPrefix, {
      reset: (items, revision) => {
        const next = emptySnapshot(revision);
        for (const kv of items) applyPut(next, kv.key, kv.value, kv.modRevision);
        this.snapshot = next;
        onChange();
      },
      apply: (events) => {
        for (const e of events) {
          if (e.type === 'put' && e.value !== undefined) applyPut(this.snapshot, e.key, e.value, e.modRevision);
          else applyDelete(this.snapshot, e.key);
          this.snapshot.revision = Math.max(this.snapshot.revision, e.modRevision);
        }
        onChange();
      },
      onError,
    });
  }

  /** Loads the current state and starts watching; resolves once the first load is in. */
  start(): Promise<void> {
    return this.follower.start();
  }

  /** The current snapshot (do not mutate). */
  current(): DesiredSnapshot {
    return this.snapshot;
  }

  /** Stops watching. */
  close(): Promise<void> {
    return this.follower.close();
  }
}

function applyPut(s: DesiredSnapshot, key: string, value: string, modRevision: number): void {
  const k = parseConfigKey(key);
  if (k?.kind === 'meta') s.metaRevision = modRevision;
  else if (k?.kind === 'network') {
    const n = JSON.parse(value) as NetworkState;
    s.networks.set(n.id, n);
  } else if (k?.kind === 'endpoint') {
    const e = JSON.parse(value) as EndpointState;
    s.endpoints.set(e.id, e);
  } else if (k?.kind === 'host') {
    const h = JSON.parse(value) as HostIntent;
    s.hosts.set(h.name, h);
  } else if (k?.kind === 'policy') {
    const p = JSON.parse(value) as TenantPolicyState;
    s.policies.set(p.tenant, p);
  }
}

function applyDelete(s: DesiredSnapshot, key: string): void {
  const k = parseConfigKey(key);
  if (k?.kind === 'network') s.networks.delete(k.ids.join('/'));
  else if (k?.kind === 'endpoint') s.endpoints.delete(k.ids.join('/'));
  else if (k?.kind === 'host') s.hosts.delete(k.ids[0]);
  else if (k?.kind === 'policy') s.policies.delete(k.ids[0]);
  else if (k?.kind === 'meta') s.metaRevision = 0;
}
