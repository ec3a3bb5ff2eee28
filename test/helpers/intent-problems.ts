/** The verdict of netmaster's whole apply pipeline on an intent document, for validation tests. */
import { allocate } from '../../src/intent/allocate.js';
import { parseIntent } from '../../src/intent/parse.js';
import { validateIntent } from '../../src/intent/validate.js';

/** Problems from parse, else validate, else allocate (none when the intent would be applied). */
export function intentProblems(doc: unknown): { path: string; reason: string }[] {
  const p = parseIntent(typeof doc === 'string' ? doc : JSON.stringify(doc));
  if (!p.ok) return p.problems;
  const v = validateIntent(p.intent);
  if (v.length > 0) return v;
  const a = allocate(p.intent, undefined);
  return a.ok ? [] : a.problems;
}
