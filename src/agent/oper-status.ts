/**
 * Publishes this agent's endpoint statuses to the store's oper prefix, writing only
 * what changed since the last publish, in one transaction.
 */
import { KEYS, parseOperKey } from '../state/keys.js';
import type { Op, StateStore } from '../state/store.js';
import type { EndpointStatus } from './reconcile.js';

/** Remembers what is in the store so each publish writes only differences. */
export class OperStatusPublisher {
  private written = new Map<string, string>();

  /** Publisher for agent `host`. */
  constructor(
    private readonly store: StateStore,
    private readonly host: string,
  ) {}

  /** Loads what a previous run of this agent left, so stale statuses get deleted. */
  async load(): Promise<void> {
    const { items } = await this.store.list(KEYS.operEndpointsOf(this.host));
    this.written = new Map(items.map((kv) => [kv.key, kv.value]));
  }

  /** Writes the difference between `statuses` and what was last written. */
  async publish(statuses: Map<string, EndpointStatus>): Promise<number> {
    const next = new Map<string, string>();
    for (const s of statuses.values()) {
      const [t, n, c] = s.endpoint.split('/');
      next.set(KEYS.operEndpoint(this.host, t, n, c), JSON.stringify({ ...s, host: this.host }));
    }
    const ops: Op[] = [];
    for (const [k, v] of next) if (this.written.get(k) !== v) ops.push({ type: 'put', key: k, value: v });
    for (const k of this.written.keys()) if (!next.has(k) && parseOperKey(k)) ops.push({ type: 'delete', key: k });
    if (ops.length === 0) return 0;
    await this.store.txn([], ops);
    this.written = next;
    return ops.length;
  }
}
