/**
 * Apply = parse → validate → allocate → plan → ONE store transaction. The transaction
 * compares the meta key's revision with the one the plan was computed from, so two
 * concurrent applies can never interleave: the loser recomputes from the winner's state.
 */
import { createHash } from 'node:crypto';
import { NetpluginError } from '../common/errors.js';
import { allocate } from '../intent/allocate.js';
import { parseIntent } from '../intent/parse.js';
import { nextTurn } from '../common/sliced.js';
import { diffStateSliced, formatPlan, formatPlanSliced, indexStateSliced, planIsEmpty, stateIndex } from '../intent/plan.js';
import { toClassicJson } from '../intent/normalize.js';
import type { DesiredState, EndpointState, Intent, NetworkState, Plan, Problem } from '../intent/types.js';
import { analyseIntent, type IntentAnalysis } from '../intent/validate.js';
import { KEYS } from '../state/keys.js';
import type { Op, StateStore } from '../state/store.js';
import { loadDesired, loadRuntimeHolds, networksStillInUse, planOpsSliced, rememberDesired, type StoredDesired } from './desired-io.js';

/** Result of an apply (or a dry run). */
export interface ApplyResult {
  applied: boolean;
  dryRun: boolean;
  plan: Plan;
  /** The plan as text; formatted on first read (at 100,000 objects that takes a while: servers use planTextSliced). */
  readonly planText: string;
  /** planText, formatted while letting the event loop turn. */
  planTextSliced(): Promise<string>;
  /** Store revision after the apply (the current one for dry runs and no-op applies). */
  revision: number;
  state: DesiredState;
}

const MAX_ATTEMPTS = 5;

/** What one attempt of the commit loop builds from the stored state. */
export interface BuiltIntent {
  intent: Intent;
  /** Rewrites problems found in `intent` (e.g. into a delta's paths); identity when absent. */
  explain?: (problems: Problem[]) => Problem[];
  /** The analysis of `intent`, when the builder already made it (allocation then reuses it). */
  analysis?: IntentAnalysis;
}

/** Validates and applies an intent document; throws NP_INTENT_INVALID / NP_INTENT_PARSE with every problem. */
export async function applyIntent(store: StateStore, text: string, opts: { dryRun?: boolean } = {}): Promise<ApplyResult> {
  const parsed = parseIntent(text);
  if (!parsed.ok) throw rejection(parsed.problems);
  // Analysed once: the same analysis serves validation here and allocation in every attempt.
  const analysis = analyseIntent(parsed.intent);
  if (analysis.problems.length) throw new NetpluginError('NP_INTENT_INVALID', summarize(analysis.problems.length), { problems: analysis.problems });
  return commitIntent(store, () => ({ intent: parsed.intent, analysis }), opts);
}

/** The error for problems found while reading a document: NP_INTENT_PARSE when the text is not JSON at all. */
export function rejection(problems: Problem[]): NetpluginError {
  const code = problems.length === 1 && problems[0].path === '$' && /JSON/i.test(problems[0].reason) ? 'NP_INTENT_PARSE' : 'NP_INTENT_INVALID';
  return new NetpluginError(code, summarize(problems.length), { problems });
}

/**
 * The commit loop every change goes through: build the new intent from the stored
 * state, validate, allocate (keeping previous allocations), plan, and write it all in
 * one transaction that compares the meta key's revision; on a lost race, rebuild from
 * the winner's state. `build` may throw NP_INTENT_INVALID.
 */
export async function commitIntent(store: StateStore, build: (prev: StoredDesired) => BuiltIntent, opts: { dryRun?: boolean } = {}): Promise<ApplyResult> {
  for (let attempt = 1; ; attempt++) {
    const [prev, held] = await Promise.all([loadDesired(store), loadRuntimeHolds(store)]);
    // Every step below is linear in the stored state (100,000 networks and more): each runs
    // in slices or yields after it, so health and other requests keep being answered.
    await nextTurn();
    const { intent, explain = (p: Problem[]) => p, analysis } = build(prev);
    await indexStateSliced(prev.state);
    const alloc = allocate(intent, previousNamedBy(intent, prev.state), held.claims, analysis);
    if (!alloc.ok) throw new NetpluginError('NP_INTENT_INVALID', summarize(alloc.problems.length), { problems: explain(alloc.problems) });
    const inUse = networksStillInUse(intent, held);
    if (inUse.length) throw new NetpluginError('NP_INTENT_INVALID', summarize(inUse.length), { problems: explain(inUse) });
    await nextTurn();
    const classic = JSON.stringify(toClassicJson(intent), null, 2);
    await nextTurn();
    const plan = await diffStateSliced(prev.state, alloc.state);
    const unchanged = planIsEmpty(plan) && prev.intentText === classic;
    if (opts.dryRun || unchanged) {
      return result(false, !!opts.dryRun, plan, prev.state, alloc.state, await store.revision());
    }
    const meta = JSON.stringify({ appliedAt: new Date().toISOString(), intentSha256: createHash('sha256').update(classic).digest('hex') });
    const ops: Op[] = await planOpsSliced(plan, alloc.state);
    ops.push({ type: 'put', key: KEYS.intent, value: classic }, { type: 'put', key: KEYS.meta, value: meta });
    if (prev.legacyIntent) ops.push({ type: 'delete', key: KEYS.legacyIntent });
    // Addresses handed out now must still be unclaimed at commit: an agent may claim one meanwhile.
    const prevEndpoints = stateIndex(prev.state).endpoint as ReadonlyMap<string, EndpointState>;
    const fresh = alloc.state.endpoints.filter((e) => prevEndpoints.get(e.id)?.ip !== e.ip).map((e) => ({ key: KEYS.operClaim(e.tenant, e.network, e.ip), modRevision: 0 }));
    await nextTurn();
    const res = await store.txn([{ key: KEYS.meta, modRevision: prev.metaRevision }, ...fresh], ops);
    if (res.succeeded) {
      rememberDesired(store, { state: alloc.state, intentText: classic, metaRevision: res.revision, legacyIntent: false }, res.revision);
      return result(true, false, plan, prev.state, alloc.state, res.revision);
    }
    if (attempt >= MAX_ATTEMPTS) throw new NetpluginError('NP_STORE_CONFLICT', `intent apply lost ${MAX_ATTEMPTS} races with concurrent applies; try again`);
  }
}

/**
 * The part of `previous` that allocation consults: the networks and endpoints the intent
 * names (allocation looks previous objects up by id only, so the result is the same), so
 * that a small apply after 100,000 networks does not key all of them in one piece.
 */
export function previousNamedBy(intent: Intent, previous: DesiredState | undefined): DesiredState | undefined {
  if (!previous) return undefined;
  const known = stateIndex(previous);
  const networks: NetworkState[] = [];
  const endpoints: EndpointState[] = [];
  for (const t of intent.tenants) {
    for (const n of t.networks) {
      const id = `${t.name}/${n.name}`;
      const net = known.network.get(id) as NetworkState | undefined;
      if (net) networks.push(net);
      for (const e of n.endpoints) {
        const ep = known.endpoint.get(`${id}/${e.container}`) as EndpointState | undefined;
        if (ep) endpoints.push(ep);
      }
    }
  }
  return { ...previous, networks, endpoints };
}

/** An ApplyResult whose plan text is formatted only when read. */
function result(applied: boolean, dryRun: boolean, plan: Plan, prev: DesiredState | undefined, state: DesiredState, revision: number): ApplyResult {
  let text: string | undefined;
  return {
    applied,
    dryRun,
    plan,
    get planText(): string {
      return (text ??= formatPlan(plan, prev, state));
    },
    async planTextSliced(): Promise<string> {
      return (text ??= await formatPlanSliced(plan, prev, state));
    },
    revision,
    state,
  };
}

/** The standard message of a rejection. */
export function summarize(n: number): string {
  return `intent rejected: ${n} problem${n === 1 ? '' : 's'}; nothing was applied`;
}
