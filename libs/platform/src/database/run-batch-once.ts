import type { EntityManager } from 'typeorm';
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
 * Runs a consumer's effect at most once per event id, for a batch: the claims of every event (one `processed_events` insert) and the
 * effect for those claimed now share one transaction, so ten events cost one commit and a few
 * round trips instead of ten transactions. The effect gets only the events not processed before
 * (a copy appearing twice in one batch counts once).
 *
 * Per-event outcomes: if the batch's transaction fails (one bad event, a deadlock), nothing of
 * it stays, and each event is run again in a transaction of its own, so one failing event fails
 * alone and the others commit. Claims are inserted in event-id order, so two batches that share
 * events wait on each other in one order and do not deadlock. Copies found processed before are
 * marked for the transport (`markDuplicateDelivery` with their id) and logged as no-ops.
 * A failure no event can cause (the database unreachable, out of resources) fails every event at
 * once, without a transaction each. An effect that is one statement can skip the transaction:
 * see `runBatchOnceInOneStatement`.
 */
export async function runBatchOnce<E extends BatchEvent>(
  events: readonly E[],
  consumer: EventConsumer,
  effect: (manager: EntityManager, fresh: readonly E[]) => Promise<void>,
  options: BatchOnceOptions<E> = {},
): Promise<BatchRun<E>> {
  return runBatchAttempts(events, consumer, (batch) => claimAndRun(batch, consumer, effect, options));
}

/** How {@link runBatchOnce} opens a batch's transaction. */
export interface BatchOnceOptions<E extends BatchEvent> {
  /**
   * Keys of the advisory locks the effect needs (`pg_advisory_xact_lock(hashtextextended(key,
   * 0))`), held until the transaction ends: taken in the order given by the claims' statement,
   * once every claim is in, so they cost no round trip of their own and every batch takes its
   * claims, then its locks, in one order. Keys for the events given (some may turn out to have
   * been processed before: their locks are taken too, harmlessly).
   */
  readonly locks?: (events: readonly E[]) => readonly string[];
}

/**
 * The claims, then the locks: the locks' sub-select reads every claim (the cross join) and is
 * sorted before any lock is taken, so no lock is taken before the claims are all in.
 */
const CLAIMS_THEN_LOCKS = `WITH claimed AS (${claimsSql('$1', '$2')})
SELECT (SELECT coalesce(array_agg(event_id), '{}') FROM claimed)::text[] AS claimed,
       (SELECT count(pg_advisory_xact_lock(hashtextextended(key, 0)))::int
          FROM (SELECT k.key FROM unnest($3::text[]) WITH ORDINALITY AS k(key, n),
                       (SELECT count(*) FROM claimed) AS c
                 ORDER BY k.n) AS ordered) AS locked`;

/** One transaction: claims `events` (distinct ids), runs the effect on those claimed now, returns them. */
async function claimAndRun<E extends BatchEvent>(
  events: readonly E[],
  consumer: EventConsumer,
  effect: (manager: EntityManager, fresh: readonly E[]) => Promise<void>,
  options: BatchOnceOptions<E>,
): Promise<E[]> {
  return consumer.dataSource.transaction(async (manager) => {
    const [answer] = await queryPrepared<{ claimed: string[] }>(manager, CLAIMS_THEN_LOCKS, [
      events.map((event) => event.eventId).sort(),
      consumer.pattern,
      options.locks?.(events) ?? [],
    ]);
    const fresh = claimedOf(events, answer.claimed);
    if (fresh.length > 0) await effect(manager, fresh);
    return fresh;
  });
}
