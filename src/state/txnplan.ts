/**
 * Reduces a transaction's op list to its net effect. Both drivers need this: etcd
 * rejects a txn that touches one key twice or puts a key inside a range it deletes,
 * and the embedded driver wants one change (and one watch event) per key.
 */
import { runToEnd, YIELD_EVERY, type Steps } from '../common/sliced.js';
import type { Op } from './store.js';

/** The net effect of an op list applied in order. */
export interface TxnPlan {
  /** Keys whose last op is a put, with their final value (insertion order kept). */
  puts: Map<string, string>;
  /** Lease id of each key in `puts` whose last put named one (others are put without a lease). */
  leases: Map<string, string>;
  /** Keys deleted one by one and not put again afterwards. */
  deletes: Set<string>;
  /** Prefixes deleted whole; keys in `puts` are exempt. No prefix lies under another. */
  prefixes: string[];
}

/** Folds `ops` (applied in order) into a plan with at most one change per key. */
export function planTxn(ops: readonly Op[]): TxnPlan {
  return runToEnd(planTxnSteps(ops));
}

/** planTxn as steps (see common/sliced.ts): the same plan, with pauses allowed every few hundred ops. */
export function* planTxnSteps(ops: readonly Op[]): Steps<TxnPlan> {
  const puts = new Map<string, string>();
  const leases = new Map<string, string>();
  const deletes = new Set<string>();
  let prefixes: string[] = [];
  let n = 0;
  for (const op of ops) {
    if (++n % YIELD_EVERY === 0) yield;
    if (op.type === 'put') {
      puts.delete(op.key); // re-insert so the final order follows the last write
      puts.set(op.key, op.value);
      if (op.lease !== undefined) leases.set(op.key, op.lease);
      else leases.delete(op.key);
      deletes.delete(op.key);
    } else if (op.type === 'delete') {
      puts.delete(op.key);
      leases.delete(op.key);
      deletes.add(op.key);
    } else {
      const p = op.prefix;
      for (const k of [...puts.keys()]) {
        if (k.startsWith(p)) {
          puts.delete(k);
          leases.delete(k);
        }
      }
      for (const k of [...deletes]) if (k.startsWith(p)) deletes.delete(k);
      if (prefixes.some((q) => p.startsWith(q))) continue;
      prefixes = prefixes.filter((q) => !q.startsWith(p));
      prefixes.push(p);
    }
  }
  return { puts, leases, deletes, prefixes };
}

/** True when the plan changes nothing whatever the store holds. */
export function planIsEmpty(plan: TxnPlan): boolean {
  return plan.puts.size === 0 && plan.deletes.size === 0 && plan.prefixes.length === 0;
}
