/**
 * The etcd StateStore driver, for clusters of more than one host. Revisions are etcd's
 * own store revisions (int64 strings on the wire, numbers here: 2^53 is out of reach).
 */
import { readFileSync } from 'node:fs';
import { Etcd3, type IKeyValue, type IOptions } from 'etcd3';
import { NetpluginError } from '../common/errors.js';
import { storeError } from './etcd-errors.js';
import { EtcdLease } from './etcd-lease.js';
import { EtcdWatch } from './etcd-watch.js';
import { toEtcdCompare, toEtcdOps } from './etcd-txn.js';
import { checkLeaseTtl } from './lease.js';
import { keyBytes, prefixEnd } from './range.js';
import type { Compare, KeyValue, Lease, Op, StateStore, TxnResult, Watch, WatchHandlers } from './store.js';

/** etcd's range_end meaning "every key from `key` on". */
const RANGE_END_ALL = Buffer.from([0]);

/** Per-call deadline for unary etcd requests. */
const CALL_TIMEOUT_MS = 10_000;

/** How long watch() waits for etcd to confirm a new watch. */
const WATCH_CREATE_TIMEOUT_MS = 15_000;

/** Where and how to reach etcd. */
export interface EtcdConnectOptions {
  /** Client URLs, e.g. `http://127.0.0.1:2379` or `https://h1:2379`. */
  endpoints: string[];
  /** PEM file of the CA that signed the etcd server certificates. */
  cacert?: string;
  /** PEM file of this client's certificate (mutual TLS). */
  cert?: string;
  /** PEM file of this client's private key (mutual TLS). */
  key?: string;
}

/** Converts an etcd key-value to the public shape. */
function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value.toString('utf8'),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
}

/** A StateStore backed by an etcd v3 cluster. */
export class EtcdStore implements StateStore {
  private readonly watches = new Set<EtcdWatch>();
  private readonly leases = new Set<EtcdLease>();
  private closed = false;

  private constructor(private readonly client: Etcd3) {}

  /** Connects and checks that etcd answers; throws NP_STORE_UNAVAILABLE otherwise. */
  static async connect(opts: EtcdConnectOptions): Promise<EtcdStore> {
    if (opts.endpoints.length === 0) {
      throw new NetpluginError('NP_STORE_UNAVAILABLE', 'no etcd endpoints given', { driver: 'etcd' });
    }
    const options: IOptions = {
      hosts: opts.endpoints,
      dialTimeout: 5000,
      // One apply is one txn; its watch response can exceed gRPC's 4 MiB default.
      grpcOptions: { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + CALL_TIMEOUT_MS }),
    };
    try {
      if (opts.cacert || opts.cert || opts.key) {
        options.credentials = {
          rootCertificate: readFileSync(opts.cacert ?? '/etc/ssl/certs/ca-certificates.crt'),
          privateKey: opts.key ? readFileSync(opts.key) : undefined,
          certChain: opts.cert ? readFileSync(opts.cert) : undefined,
        };
      }
    } catch (err) {
      throw new NetpluginError('NP_STORE_UNAVAILABLE', `cannot read etcd TLS files: ${(err as Error).message}`, {
        driver: 'etcd',
      });
    }
    let client: Etcd3;
    try {
      client = new Etcd3(options);
    } catch (err) {
      // grpc-js vets the TLS material here: a cert without its key (or the reverse), a
      // key it cannot parse, a key that does not match the cert.
      throw new NetpluginError(
        'NP_STORE_UNAVAILABLE',
        `etcd TLS files are not usable (cacert ${opts.cacert ?? '-'}, cert ${opts.cert ?? '-'}, key ${opts.key ?? '-'}): ${(err as Error).message}`,
        { driver: 'etcd', cacert: opts.cacert, cert: opts.cert, key: opts.key },
      );
    }
    const store = new EtcdStore(client);
    try {
      await store.revision();
    } catch (err) {
      client.close();
      throw new NetpluginError(
        'NP_STORE_UNAVAILABLE',
        `etcd at ${opts.endpoints.join(',')} is not reachable: ${(err as Error).message}`,
        { driver: 'etcd', endpoints: opts.endpoints },
      );
    }
    return store;
  }

  private ensureOpen(): void {
    if (this.closed) throw new NetpluginError('NP_STORE_UNAVAILABLE', 'etcd store is closed', { driver: 'etcd' });
  }

  /** Reads one key, or undefined. */
  async get(key: string): Promise<KeyValue | undefined> {
    this.ensureOpen();
    try {
      const res = await this.client.kv.range({ key: keyBytes(key) });
      return res.kvs.length > 0 ? toKeyValue(res.kvs[0]) : undefined;
    } catch (err) {
      throw storeError('get', err);
    }
  }

  /** The key's modRevision (0 when absent); etcd sends no value (keys_only). */
  async modRevision(key: string): Promise<number> {
    this.ensureOpen();
    try {
      const res = await this.client.kv.range({ key: keyBytes(key), keys_only: true });
      return res.kvs.length > 0 ? Number(res.kvs[0].mod_revision) : 0;
    } catch (err) {
      throw storeError('modRevision', err);
    }
  }

  /** Lists every key under `prefix` in byte order, with the revision of the read. */
  async list(prefix: string): Promise<{ items: KeyValue[]; revision: number }> {
    this.ensureOpen();
    try {
      const res = await this.client.kv.range({
        key: prefix === '' ? RANGE_END_ALL : keyBytes(prefix),
        range_end: prefixEnd(prefix) ?? RANGE_END_ALL,
        sort_order: 'Ascend',
        sort_target: 'Key',
      });
      return { items: res.kvs.map(toKeyValue), revision: Number(res.header.revision) };
    } catch (err) {
      throw storeError('list', err);
    }
  }

  /** Writes one key (attached to `opts.lease` if given); returns the new store revision. */
  async put(key: string, value: string, opts: { lease?: Lease } = {}): Promise<number> {
    this.ensureOpen();
    const lease = opts.lease?.id;
    try {
      const req = { key: keyBytes(key), value: Buffer.from(value, 'utf8') };
      const res = await this.client.kv.put(lease === undefined ? req : { ...req, lease });
      return Number(res.header.revision);
    } catch (err) {
      throw storeError('put', err, lease);
    }
  }

  /** Deletes one key; returns the store revision (unchanged when the key was absent). */
  async delete(key: string): Promise<number> {
    this.ensureOpen();
    try {
      const res = await this.client.kv.deleteRange({ key: keyBytes(key) });
      return Number(res.header.revision);
    } catch (err) {
      throw storeError('delete', err);
    }
  }

  /** One etcd txn: compares → `ops`, else `orElse`, each reduced to its net effect. */
  async txn(compares: Compare[], ops: Op[], orElse: Op[] = []): Promise<TxnResult> {
    this.ensureOpen();
    try {
      const res = await this.client.kv.txn({
        compare: compares.map(toEtcdCompare),
        success: toEtcdOps(ops),
        failure: toEtcdOps(orElse),
      });
      return { succeeded: res.succeeded, revision: Number(res.header.revision) };
    } catch (err) {
      const leases = [...ops, ...orElse].flatMap((op) => (op.type === 'put' && op.lease !== undefined ? [op.lease] : []));
      throw storeError('txn', err, leases.length > 0 ? [...new Set(leases)].join(',') : undefined);
    }
  }

  /** Watches `prefix` for changes after `fromRevision`; resolves once etcd confirmed it. */
  async watch(prefix: string, fromRevision: number, handlers: WatchHandlers): Promise<Watch> {
    this.ensureOpen();
    const w = new EtcdWatch(this.client, prefix, fromRevision, handlers);
    this.watches.add(w);
    try {
      await w.start(WATCH_CREATE_TIMEOUT_MS);
    } catch (err) {
      this.watches.delete(w);
      throw storeError('watch', err);
    }
    return {
      close: async () => {
        this.watches.delete(w);
        await w.close();
      },
    };
  }

  /** Grants an etcd lease of `ttlSeconds` and keeps it alive every TTL/3 until revoked or closed. */
  async grantLease(ttlSeconds: number): Promise<Lease> {
    this.ensureOpen();
    checkLeaseTtl(ttlSeconds, 'etcd');
    const sentAt = Date.now();
    let id: string;
    let ttl: number;
    try {
      const res = await this.client.leaseClient.leaseGrant({ TTL: ttlSeconds });
      id = String(res.ID);
      ttl = Number(res.TTL);
    } catch (err) {
      throw storeError('lease grant', err);
    }
    // The store may have closed while the grant was in flight: let the lease expire.
    if (this.closed) throw new NetpluginError('NP_STORE_UNAVAILABLE', 'etcd store is closed', { driver: 'etcd' });
    const lease = new EtcdLease(this.client, id, ttl, sentAt, (l) => this.leases.delete(l));
    this.leases.add(lease);
    return lease;
  }

  /** Current store revision (a linearizable read). */
  async revision(): Promise<number> {
    this.ensureOpen();
    try {
      const res = await this.client.kv.range({ key: RANGE_END_ALL, count_only: true });
      return Number(res.header.revision);
    } catch (err) {
      throw storeError('revision', err);
    }
  }

  /**
   * Compacts etcd's history up to `revision`; watches behind it get onResync. etcd
   * clusters normally compact on their own (--auto-compaction-*); exposed for operators
   * and tests.
   */
  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    try {
      await this.client.kv.compact({ revision, physical: true });
    } catch (err) {
      throw storeError('compact', err);
    }
  }

  /**
   * Stops every watch and lease keep-alive and closes the client. Leases are NOT revoked:
   * a stopped process then looks exactly like a crashed one, and its leased keys go
   * after the TTL.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const l of [...this.leases]) l.stop();
    await Promise.all([...this.watches].map((w) => w.close()));
    this.watches.clear();
    this.client.close();
  }
}
