/**
 * Add / delete deltas (`netdcli -add-cfg` / `-del-cfg`). The delta is read once; merging
 * it onto the stored intent happens inside the commit loop, so a delta that loses a race
 * is re-merged onto the winner's intent and no concurrent change is ever lost.
 */

import { NetpluginError } from '../common/errors.js';
import { parseDelta, type DeltaKind } from '../intent/delta.js';
import { mergeDelta } from '../intent/merge.js';
import { parseIntent } from '../intent/parse.js';
import { removeDelta } from '../intent/remove.js';
import type { Intent } from '../intent/types.js';
import type { StateStore } from '../state/store.js';
import { commitIntent, rejection, summarize, type ApplyResult } from './apply.js';
import type { StoredDesired } from './desired-io.js';

/** The intent the last apply stored (empty before the first). */
function storedIntent(prev: StoredDesired): Intent {
  if (prev.intentText === undefined) return { tenants: [], hosts: [], hostBindings: [] };
  const p = parseIntent(prev.intentText);
  if (!p.ok) {
    throw new NetpluginError('NP_INTENT_INVALID', 'the stored intent no longer parses; replace it whole with -cfg', {
      problems: p.problems.map((x) => ({ path: x.path, reason: `${x.reason} (in the stored intent)` })),
    });
  }
  return p.intent;
}

/** Applies an add or delete delta to the stored intent; throws NP_INTENT_INVALID / NP_INTENT_PARSE with every problem. */
export async function applyDelta(store: StateStore, text: string, kind: DeltaKind, opts: { dryRun?: boolean } = {}): Promise<ApplyResult> {
  const parsed = parseDelta(text, kind);
  if (!parsed.ok) throw rejection(parsed.problems);
  return commitIntent(
    store,
    (prev) => {
      const r = (kind === 'add' ? mergeDelta : removeDelta)(storedIntent(prev), parsed.delta);
      if (!r.ok) throw new NetpluginError('NP_INTENT_INVALID', summarize(r.problems.length), { problems: r.problems });
      return { intent: r.intent, explain: (problems) => r.origins.translate(problems, r.intent) };
    },
    opts,
  );
}
