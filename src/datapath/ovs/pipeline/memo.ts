/**
 * Flows carried over between rounds: a flow built from the same inputs as last round is the
 * same FlowMod object, so a host with 100,000 flows for remote endpoints neither rebuilds
 * them every round nor compares them field by field (the flow syncer recognises an
 * unchanged flow by reference). Entries a round does not use are forgotten at its end, so
 * the memo holds one round's flows at most.
 *
 * Flows are filed by scope (what is common to many flows: feature, round, network, fabric
 * ports) and object id, and hit only when every input (`deps`) is identical: looking up a
 * stable id string and comparing a few fields costs far less than building a key string.
 */
import type { FlowMod } from '../openflow/index.js';

interface Entry {
  deps: readonly unknown[];
  flow: FlowMod;
}

type Generation = Map<string, Map<string, Entry>>;

interface ListEntry {
  deps: readonly unknown[];
  flows: FlowMod[];
}

function same(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A per-agent cache of flows by scope, object id and inputs. */
export class FlowMemo {
  private previous: Generation = new Map();
  private current: Generation = new Map();
  /** Whole lists of flows built together (a policy rule's), by scope-qualified id. */
  private previousLists = new Map<string, ListEntry>();
  private currentLists = new Map<string, ListEntry>();

  /** The flow of object `id` in `scope` built from `deps`: last round's object if its inputs were the same, else `build()`'s. */
  get(scope: string, id: string, deps: readonly unknown[], build: () => FlowMod): FlowMod {
    let cur = this.current.get(scope);
    if (!cur) {
      cur = new Map();
      this.current.set(scope, cur);
    }
    const hit = cur.get(id) ?? this.previous.get(scope)?.get(id);
    if (hit && same(hit.deps, deps)) {
      cur.set(id, hit);
      return hit.flow;
    }
    const entry = { deps, flow: build() };
    cur.set(id, entry);
    return entry.flow;
  }

  /** The flows of object `id` in `scope`, built together from `deps`: last round's list if its inputs were the same, else `build()`'s. */
  getList(scope: string, id: string, deps: readonly unknown[], build: () => FlowMod[]): FlowMod[] {
    const key = `${scope}\u0000${id}`;
    const hit = this.currentLists.get(key) ?? this.previousLists.get(key);
    if (hit && same(hit.deps, deps)) {
      this.currentLists.set(key, hit);
      return hit.flows;
    }
    const entry = { deps, flows: build() };
    this.currentLists.set(key, entry);
    return entry.flows;
  }

  /** Ends a computation of the pipeline: what it did not use is dropped. */
  rotate(): void {
    this.previous = this.current;
    this.current = new Map();
    this.previousLists = this.currentLists;
    this.currentLists = new Map();
  }

  /** Flows held from the last computation (for tests). */
  get size(): number {
    let n = 0;
    for (const m of this.previous.values()) n += m.size;
    return n;
  }
}

/** What the pipeline's builders need of a memo. */
export type FlowCache = Pick<FlowMemo, 'get' | 'getList' | 'rotate'>;

/** A memo that remembers nothing (every flow is built afresh). */
export const NO_MEMO: FlowCache = { get: (_scope, _id, _deps, build) => build(), getList: (_scope, _id, _deps, build) => build(), rotate: () => undefined };
