/** Interprets RFC 7047 §4.1.3 transaction results. Pure: no I/O. */
import { NetpluginError } from '../../../common/errors.js';

/**
 * Returns NP_OVSDB_ERROR for the first result carrying `error`, or undefined when all
 * succeeded. The server stops at the first failed operation and may append one extra
 * result for a commit-time failure, so the index can equal `ops.length`.
 */
export function transactionError(ops: readonly object[], results: readonly unknown[]): NetpluginError | undefined {
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as { error?: unknown; details?: unknown } | null;
    if (r && typeof r === 'object' && typeof r.error === 'string') {
      const op = i < ops.length ? (ops[i] as { op?: string; table?: string }) : undefined;
      const where = op ? `operation ${i} (${op.op ?? '?'}${op.table ? ` ${op.table}` : ''})` : `commit (after ${ops.length} operations)`;
      const details = typeof r.details === 'string' ? r.details : undefined;
      return new NetpluginError('NP_OVSDB_ERROR', `ovsdb transaction failed at ${where}: ${r.error}${details ? `: ${details}` : ''}`, {
        index: i,
        op: op?.op,
        table: op?.table,
        error: r.error,
        details,
      });
    }
  }
  return undefined;
}
