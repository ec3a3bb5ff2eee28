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
import type { DesiredState, Plan } from '../intent/types.js';
import { validateIntent } from '../intent/validate.js';
import { KEYS } from '../state/keys.js';
import type { StateStore } from '../state/store.js';
import { loadDesired, planOps } from './desired-io.js';

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

/** Validates and applies an intent document; throws NP_INTENT_INVALID / NP_INTENT_PARSE with every problem. */
export async function applyIntent(store: StateStore, text: string, opts: { dryRun?: boolean } = {}): Promise<ApplyResult> {
  const parsed = parseIntent(text);
  if (!parsed.ok) {
    const code = parsed.problems.length === 1 && parsed.problems[0].path === '$' && /JSON/i.test(parsed.problems[0].reason) ? 'NP_INTENT_PARSE' : 'NP_INTENT_INVALID';
    throw new NetpluginError(code, summarize(parsed.problems.length), { problems: parsed.problems });
  }
  const problems = validateIntent(parsed.intent);
  if (problems.length) throw new NetpluginError('NP_INTENT_INVALID', summarize(problems.length), { problems });
  const classic = JSON.stringify(toClassicJson(parsed.intent), null, 2);

  for (let attempt = 1; ; attempt++) {
    const prev = await loadDesired(store);
    const alloc = allocate(parsed.intent, prev.state);
    if (!alloc.ok) throw new NetpluginError('NP_INTENT_INVALID', summarize(alloc.problems.length), { problems: alloc.problems });
    const plan = diffState(prev.state, alloc.state);
    const planText = formatPlan(plan, prev.state, alloc.state);
    const unchanged = planIsEmpty(plan) && prev.intentText === classic;
    if (opts.dryRun || unchanged) {
      return { applied: false, dryRun: !!opts.dryRun, plan, planText, revision: await store.revision(), state: alloc.state };
    }
    const meta = JSON.stringify({ appliedAt: new Date().toISOString(), intentSha256: createHash('sha256').update(classic).digest('hex') });
    const ops = [...planOps(plan, alloc.state), { type: 'put' as const, key: KEYS.intent, value: classic }, { type: 'put' as const, key: KEYS.meta, value: meta }];
    const res = await store.txn([{ key: KEYS.meta, modRevision: prev.metaRevision }], ops);
    if (res.succeeded) return { applied: true, dryRun: false, plan, planText, revision: res.revision, state: alloc.state };
    if (attempt >= MAX_ATTEMPTS) throw new NetpluginError('NP_STORE_CONFLICT', `intent apply lost ${MAX_ATTEMPTS} races with concurrent applies; try again`);
  }
}

function summarize(n: number): string {
  return `intent rejected: ${n} problem${n === 1 ? '' : 's'}; nothing was applied`;
}
