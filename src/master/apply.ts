/**
 * Apply = parse → validate → allocate → plan → ONE store transaction. The transaction
 * compares the meta key's revision with the one the plan was computed from, so two
 * concurrent applies can never interleave: the loser recomputes from the winner's state.
 */
import { createHash } from 'node:crypto';
import { NetpluginError } from '../common/errors.js';
import { allocate } from '../intent/allocate.js';
import { parseIntent } from '../intent/parse.js';
import { diffState, formatPlan, planIsEmpty } from '../intent/plan.js';
import { toClassicJson } from '../intent/normalize.js';
import type { DesiredState, Intent, Plan, Problem } from '../intent/types.js';
import { analyseIntent, type IntentAnalysis } from '../intent/validate.js';
import { KEYS } from '../state/keys.js';
import type { Op, StateStore } from '../state/store.js';
import { loadDesired, loadRuntimeHolds, networksStillInUse, planOps, rememberDesired, type StoredDesired } from './desired-io.js';

/** Result of an apply (or a dry run). */
export interface ApplyResult {
  applied: boolean;
  dryRun: boolean;
  plan: Plan;
  planText: string;
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
    const { intent, explain = (p: Problem[]) => p, analysis } = build(prev);
    const alloc = allocate(intent, prev.state, held.claims, analysis);
    if (!alloc.ok) throw new NetpluginError('NP_INTENT_INVALID', summarize(alloc.problems.length), { problems: explain(alloc.problems) });
    const inUse = networksStillInUse(intent, held);
    if (inUse.length) throw new NetpluginError('NP_INTENT_INVALID', summarize(inUse.length), { problems: explain(inUse) });
    // Each step below takes hundreds of ms at 100,000 networks: let the event loop (health,
    // other requests) turn between them.
    await nextTurn();
    const classic = JSON.stringify(toClassicJson(intent), null, 2);
    const plan = diffState(prev.state, alloc.state);
    await nextTurn();
    const planText = formatPlan(plan, prev.state, alloc.state);
    await nextTurn();
    const unchanged = planIsEmpty(plan) && prev.intentText === classic;
    if (opts.dryRun || unchanged) {
      return { applied: false, dryRun: !!opts.dryRun, plan, planText, revision: await store.revision(), state: alloc.state };
    }
    const meta = JSON.stringify({ appliedAt: new Date().toISOString(), intentSha256: createHash('sha256').update(classic).digest('hex') });
    const ops: Op[] = [...planOps(plan, alloc.state), { type: 'put', key: KEYS.intent, value: classic }, { type: 'put', key: KEYS.meta, value: meta }];
    if (prev.legacyIntent) ops.push({ type: 'delete', key: KEYS.legacyIntent });
    // Addresses handed out now must still be unclaimed at commit: an agent may claim one meanwhile.
    const prevIps = new Map((prev.state?.endpoints ?? []).map((e) => [e.id, e.ip]));
    const fresh = alloc.state.endpoints.filter((e) => prevIps.get(e.id) !== e.ip).map((e) => ({ key: KEYS.operClaim(e.tenant, e.network, e.ip), modRevision: 0 }));
    const res = await store.txn([{ key: KEYS.meta, modRevision: prev.metaRevision }, ...fresh], ops);
    if (res.succeeded) {
      rememberDesired(store, { state: alloc.state, intentText: classic, metaRevision: res.revision, legacyIntent: false }, res.revision);
      return { applied: true, dryRun: false, plan, planText, revision: res.revision, state: alloc.state };
    }
    if (attempt >= MAX_ATTEMPTS) throw new NetpluginError('NP_STORE_CONFLICT', `intent apply lost ${MAX_ATTEMPTS} races with concurrent applies; try again`);
  }
}

/** Resolves on the next turn of the event loop. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The standard message of a rejection. */
export function summarize(n: number): string {
  return `intent rejected: ${n} problem${n === 1 ? '' : 's'}; nothing was applied`;
}
