/**
 * What the Docker plugin must remember across agent restarts: which intent network each
 * Docker network is bound to, and the IPAM pools with their reference counts. Kept in the
 * store (keys.ts) with a write-through cache: only this host's agent writes these keys.
 */
import { NetpluginError } from '../../common/errors.js';
import type { StateStore } from '../../state/store.js';
import { DOCKER_KEYS } from './keys.js';

/** A Docker network bound to an intent network. */
export interface NetworkBinding {
  networkId: string;
  tenant: string;
  network: string;
  /** 'netplugin': addresses come from our IPAM (claims); 'docker': from another IPAM driver (Docker's own). */
  ipam: 'netplugin' | 'docker';
  /** The IPv4 pool Docker holds for the network (CIDR). */
  pool: string;
  /** Our PoolID when `ipam` is 'netplugin'. */
  poolId?: string;
  /** The network's QoS driver options as given (`netplugin.egress-rate` etc., docs/qos.md), checked; absent when none. */
  qosOptions?: Record<string, string>;
  createdAt: string;
}

/** An IPAM pool handed to Docker, reference-counted (RequestPool +1, ReleasePool -1). */
export interface PoolRecord {
  poolId: string;
  tenant: string;
  network: string;
  /** CIDR answered to Docker. */
  pool: string;
  refs: number;
  updatedAt: string;
}

const CAS_ATTEMPTS = 20;

/** Bindings and pools of one host, cached. */
export class DockerPluginState {
  private readonly bindings = new Map<string, NetworkBinding>();
  private readonly pools = new Map<string, PoolRecord>();

  /** State of host `host` in `store`; call `load()` before use. */
  constructor(
    private readonly store: StateStore,
    private readonly host: string,
  ) {}

  /** Reads every binding and pool of this host. */
  async load(): Promise<void> {
    const [nets, pools] = await Promise.all([this.store.list(DOCKER_KEYS.networksOf(this.host)), this.store.list(DOCKER_KEYS.poolsOf(this.host))]);
    this.bindings.clear();
    this.pools.clear();
    for (const kv of nets.items) {
      const b = JSON.parse(kv.value) as NetworkBinding;
      this.bindings.set(b.networkId, b);
    }
    for (const kv of pools.items) {
      const p = JSON.parse(kv.value) as PoolRecord;
      this.pools.set(p.poolId, p);
    }
  }

  /** The binding of a Docker network, or undefined. */
  binding(networkId: string): NetworkBinding | undefined {
    return this.bindings.get(networkId);
  }

  /** Every binding. */
  allBindings(): NetworkBinding[] {
    return [...this.bindings.values()];
  }

  /** Records (or replaces) a binding. */
  async putBinding(b: NetworkBinding): Promise<void> {
    await this.store.put(DOCKER_KEYS.network(this.host, b.networkId), JSON.stringify(b));
    this.bindings.set(b.networkId, b);
  }

  /** Forgets a binding; false when there was none. */
  async deleteBinding(networkId: string): Promise<boolean> {
    const had = this.bindings.has(networkId);
    await this.store.delete(DOCKER_KEYS.network(this.host, networkId));
    this.bindings.delete(networkId);
    return had;
  }

  /** A pool record, or undefined. */
  pool(poolId: string): PoolRecord | undefined {
    return this.pools.get(poolId);
  }

  /** Every pool record. */
  allPools(): PoolRecord[] {
    return [...this.pools.values()];
  }

  /** Adds one reference to a pool (creating its record); returns the record after the change. */
  async acquirePool(p: Omit<PoolRecord, 'refs' | 'updatedAt'>): Promise<PoolRecord> {
    const rec = await this.updatePool(p.poolId, (cur) => ({ ...p, refs: (cur?.refs ?? 0) + 1, updatedAt: new Date().toISOString() }));
    return rec!;
  }

  /** Drops one reference; the record goes at zero. Returns the record after the change (undefined when gone). */
  async releasePool(poolId: string): Promise<PoolRecord | undefined> {
    return this.updatePool(poolId, (cur) => (!cur || cur.refs <= 1 ? undefined : { ...cur, refs: cur.refs - 1, updatedAt: new Date().toISOString() }));
  }

  /** Sets a pool's reference count outright (clean-up after Docker lost networks); 0 removes it. */
  async setPoolRefs(poolId: string, refs: number): Promise<PoolRecord | undefined> {
    return this.updatePool(poolId, (cur) => (!cur || refs <= 0 ? undefined : { ...cur, refs, updatedAt: new Date().toISOString() }));
  }

  /** Read-modify-write of one pool key under compare-on-revision (Docker may send calls concurrently). */
  private async updatePool(poolId: string, fn: (cur: PoolRecord | undefined) => PoolRecord | undefined): Promise<PoolRecord | undefined> {
    const key = DOCKER_KEYS.pool(this.host, poolId);
    for (let i = 0; i < CAS_ATTEMPTS; i++) {
      const kv = await this.store.get(key);
      const cur = kv ? (JSON.parse(kv.value) as PoolRecord) : undefined;
      const next = fn(cur);
      if (!next && !kv) {
        this.pools.delete(poolId);
        return undefined;
      }
      const op = next ? { type: 'put' as const, key, value: JSON.stringify(next) } : { type: 'delete' as const, key };
      const r = await this.store.txn([{ key, modRevision: kv?.modRevision ?? 0 }], [op]);
      if (r.succeeded) {
        if (next) this.pools.set(poolId, next);
        else this.pools.delete(poolId);
        return next;
      }
    }
    throw new NetpluginError('NP_STORE_CONFLICT', `pool ${poolId}: ${CAS_ATTEMPTS} concurrent updates in a row, giving up`, { poolId });
  }
}
