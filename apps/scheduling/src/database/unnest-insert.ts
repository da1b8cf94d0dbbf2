/**
 * A multi-row insert of parallel arrays (`INSERT ... SELECT * FROM unnest(...)`), to run alone or
 * as a part (a common table expression) of a larger statement.
 */
export interface UnnestInsert {
  /** The statement, its parameters numbered from `$first`, writing only when `guard` (SQL, boolean) holds. */
  sql(first?: number, guard?: string): string;
  /** One array per column, in order. */
  readonly parameters: readonly unknown[];
}

/** An insert into `table` of one row per index of the `columns`' arrays (each cast to its SQL type's array). */
export function unnestInsert(
  table: string,
  columns: ReadonlyArray<readonly [name: string, sqlType: string, values: readonly unknown[]]>,
): UnnestInsert {
  return {
    parameters: columns.map(([, , values]) => values),
    sql: (first = 1, guard = 'true') =>
      `INSERT INTO ${table} (${columns.map(([name]) => name).join(', ')})
       SELECT * FROM unnest(${columns.map(([, type], i) => `$${first + i}::${type}[]`).join(', ')}) WHERE ${guard}`,
  };
}
