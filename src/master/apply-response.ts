/**
 * The body of an apply's answer, serialised in slices: a plan of 100,000 objects is
 * megabytes of JSON, and one JSON.stringify of it held netmaster's event loop.
 */
import { runSliced, YIELD_EVERY, type Steps } from '../common/sliced.js';
import type { PlanItem } from '../intent/types.js';
import type { ApplyResult } from './apply.js';

/** The fields of an apply's answer, in the order they are sent. */
export interface ApplyResponse {
  applied: boolean;
  dryRun: boolean;
  plan: { create: PlanItem[]; update: PlanItem[]; delete: PlanItem[] };
  planText: string;
  revision: number;
}

/** The answer to an apply, as JSON.stringify would write it, built while letting the event loop turn. */
export async function applyResponseJson(result: ApplyResult): Promise<string> {
  const body: ApplyResponse = { applied: result.applied, dryRun: result.dryRun, plan: result.plan, planText: await result.planTextSliced(), revision: result.revision };
  return runSliced(responseSteps(body));
}

function* responseSteps(body: ApplyResponse): Steps<string> {
  const parts: string[] = [];
  for (const list of ['create', 'update', 'delete'] as const) parts.push(`${JSON.stringify(list)}:${yield* arraySteps(body.plan[list])}`);
  yield;
  return `{"applied":${JSON.stringify(body.applied)},"dryRun":${JSON.stringify(body.dryRun)},"plan":{${parts.join(',')}},"planText":${JSON.stringify(body.planText)},"revision":${JSON.stringify(body.revision)}}`;
}

/** JSON of an array, YIELD_EVERY items at a time. */
function* arraySteps(items: readonly unknown[]): Steps<string> {
  const blocks: string[] = [];
  for (let i = 0; i < items.length; i += YIELD_EVERY) {
    blocks.push(JSON.stringify(items.slice(i, i + YIELD_EVERY)).slice(1, -1));
    yield;
  }
  return `[${blocks.join(',')}]`;
}
