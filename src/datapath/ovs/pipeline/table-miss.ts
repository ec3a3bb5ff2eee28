/** Installs each table's miss behaviour as declared in tables.ts. */
import type { FlowMod } from '../openflow/index.js';
import { FEATURE, makeCookie } from './cookie.js';
import { PIPELINE } from './tables.js';

/** One lowest-priority flow per table: drop, or continue to the declared table. */
export function tableMissFlows(round: number): FlowMod[] {
  return PIPELINE.map((t) => ({
    command: 'add',
    tableId: t.id,
    priority: 0,
    cookie: makeCookie(round, FEATURE.TABLE_MISS, t.id),
    match: {},
    instructions: t.miss.kind === 'goto' ? [{ type: 'gotoTable', tableId: t.miss.table }] : [],
  }));
}
