import type { EntityManager } from 'typeorm';
import type { EventConsumer } from './run-once';
import {
  claimedOf,
  claimsSql,
  runBatchAttempts,
  type BatchEvent,
  type BatchRun,
} from './run-batch-once-core';

/**
 * {@link runOnce} for a batch: the claims of every event (one `processed_events` insert) and the
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
): Promise<BatchRun<E>> {
  return runBatchAttempts(events, consumer, (batch) => claimAndRun(batch, consumer, effect));
}

/** One transaction: claims `events` (distinct ids), runs the effect on those claimed now, returns them. */
async function claimAndRun<E extends BatchEvent>(
  events: readonly E[],
  consumer: EventConsumer,
  effect: (manager: EntityManager, fresh: readonly E[]) => Promise<void>,
): Promise<E[]> {
  return consumer.dataSource.transaction(async (manager) => {
    const rows = await manager.query<Array<{ event_id: string }>>(claimsSql('$1', '$2'), [
      events.map((event) => event.eventId).sort(),
      consumer.pattern,
    ]);
    const fresh = claimedOf(
      events,
      rows.map((row) => row.event_id),
    );
    if (fresh.length > 0) await effect(manager, fresh);
    return fresh;
  });
}
