/** Builders for RFC 7047 §5.2 database operations. Pure: no I/O. */

/** A `<condition>`: [column, function, value]. */
export type Condition = [string, string, unknown];

/** A `<mutation>`: [column, mutator, value]. */
export type Mutation = [string, string, unknown];

/** An `insert` operation; `uuidName` lets later operations refer to the new row. */
export function insertOp(table: string, row: Record<string, unknown>, uuidName?: string): object {
  return uuidName ? { op: 'insert', table, row, 'uuid-name': uuidName } : { op: 'insert', table, row };
}

/** A `select` operation returning the listed columns (all when omitted). */
export function selectOp(table: string, where: Condition[], columns?: string[]): object {
  return columns ? { op: 'select', table, where, columns } : { op: 'select', table, where };
}

/** An `update` operation setting the given columns on every matching row. */
export function updateOp(table: string, where: Condition[], row: Record<string, unknown>): object {
  return { op: 'update', table, where, row };
}

/** A `mutate` operation applying the mutations to every matching row. */
export function mutateOp(table: string, where: Condition[], mutations: Mutation[]): object {
  return { op: 'mutate', table, where, mutations };
}

/** A `delete` operation on every matching row. */
export function deleteOp(table: string, where: Condition[]): object {
  return { op: 'delete', table, where };
}

/**
 * A `wait` operation with timeout 0: the transaction aborts unless the selected columns of
 * the matching rows compare (`until`) to `rows` right now. Guards a write against a race
 * with the read it was planned from.
 */
export function waitOp(table: string, where: Condition[], columns: string[], until: '==' | '!=', rows: Record<string, unknown>[]): object {
  return { op: 'wait', table, where, columns, until, rows, timeout: 0 };
}

/** The `rows` of a select result. */
export function rowsOf(result: object | undefined): Record<string, unknown>[] {
  const rows = (result as { rows?: unknown } | undefined)?.rows;
  return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
}

/** The `count` of an update/mutate/delete result. */
export function countOf(result: object | undefined): number {
  const n = (result as { count?: unknown } | undefined)?.count;
  return typeof n === 'number' ? n : 0;
}
