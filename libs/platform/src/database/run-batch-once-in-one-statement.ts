import { queryPrepared } from './prepared-query';
import {
  claimedOf,
  claimsSql,
  runBatchAttempts,
  type BatchEvent,
  type BatchRun,
  type EventConsumer,
} from './run-batch-once-core';

/**
 * A batch's effect as the data-modifying part of the one statement that also claims its events.
 * Its SQL reads the common table expression `claimed` (column `event_id`: the ids claimed now)
 * and must act only on those, e.g. `INSERT ... SELECT ... WHERE event_id IN (SELECT event_id
 * FROM claimed)`. Every part of one statement sees the same snapshot: the effect does not see
 * the claims' rows in `processed_events`, nor the rows its other parts write.
 */
export interface BatchStatement {
  /**
   * Comma-separated common table expressions that follow `claimed` (their names other than
   * `claimed`), e.g. `effect AS (INSERT INTO ... WHERE event_id IN (SELECT event_id FROM claimed)
   * RETURNING ...)`. Parameters `$1` to `$n`, n being `parameters.length`.
   */
  readonly with: string;
  readonly parameters: readonly unknown[];
  /** The name of one of those expressions whose rows the caller gets back (as parsed JSON objects). */
  readonly returning?: string;
}

/** A batch run whose effect was one statement: the outcomes, and the rows its committed runs returned. */
export interface OneStatementBatchRun<E extends BatchEvent, R> extends BatchRun<E> {
  /** The `returning` rows of the statements that committed, in the order they ran. */
  readonly rows: readonly R[];
}

/**
 * `runBatchOnce` without a transaction: the claims and the effect of a batch are ONE statement
 * (a data-modifying `WITH`), which PostgreSQL runs atomically on its own, so a batch costs one
 * round trip instead of four (BEGIN, claims, effect, COMMIT). `statementFor` builds the effect
 * for some events (not knowing yet which will be claimed now; the SQL keeps only those).
 *
 * Same outcomes as `runBatchOnce`: claims in event-id order (no deadlock between batches that
 * share events), copies processed before marked and logged as duplicates and not acted on, a copy
 * twice in one batch counted once, a failing statement run again event by event so that a bad
 * event fails alone, and a failure of the database itself failing every event at once.
 */
export async function runBatchOnceInOneStatement<E extends BatchEvent, R = never>(
  events: readonly E[],
  consumer: EventConsumer,
  statementFor: (events: readonly E[]) => BatchStatement,
): Promise<OneStatementBatchRun<E, R>> {
  const rows: R[] = [];
  const run = await runBatchAttempts(events, consumer, async (batch) => {
    const statement = statementFor(batch);
    const ids = `$${statement.parameters.length + 1}`;
    const pattern = `$${statement.parameters.length + 2}`;
    const returned = statement.returning
      ? `(SELECT coalesce(json_agg(r), '[]') FROM ${statement.returning} AS r)`
      : `'[]'::json`;
    const [answer] = await queryPrepared<{ claimed: string[]; rows: R[] }>(
      consumer.dataSource,
      `WITH claimed AS (${claimsSql(ids, pattern)}),
       ${statement.with}
       SELECT coalesce(array_agg(event_id), '{}')::text[] AS claimed, ${returned} AS rows FROM claimed`,
      [...statement.parameters, batch.map((event) => event.eventId).sort(), consumer.pattern],
    );
    rows.push(...answer.rows);
    return claimedOf(batch, answer.claimed);
  });
  return { ...run, rows };
}
