import type { EntityManager } from 'typeorm';
import { markDuplicateDelivery } from '@app/crypto-messaging';
import type { EventConsumer } from './run-once';
import { isAboutEvents } from './run-batch-once-failure';

/** One event of a batch: its id is the idempotency key. */
export interface BatchEvent {
  readonly eventId: string;
}

/** What {@link runBatchOnce} did with each event of a batch, by event id. */
export interface BatchRun<E extends BatchEvent> {
  /** Events whose effect committed now, in the batch's order. */
  readonly done: readonly E[];
  /** Event ids already processed before (re-sent or redelivered copies): nothing was done. */
  readonly duplicates: readonly string[];
  /** Events whose effect failed, with the error: the caller retries or dead-letters them. */
  readonly failures: ReadonlyMap<string, unknown>;
}

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
 * marked for the transport ({@link markDuplicateDelivery} with their id) and logged as no-ops.
 * A failure no event can cause (the database unreachable, out of resources) fails every event at
 * once, without a transaction each.
 */
export async function runBatchOnce<E extends BatchEvent>(
  events: readonly E[],
  consumer: EventConsumer,
  effect: (manager: EntityManager, fresh: readonly E[]) => Promise<void>,
): Promise<BatchRun<E>> {
  const distinct = firstOfEach(events);
  if (distinct.length === 0) return { done: [], duplicates: [], failures: new Map() };
  try {
    return reported(events, await claimAndRun(distinct, consumer, effect), new Map(), consumer);
  } catch (error) {
    if (distinct.length === 1 || !isAboutEvents(error))
      return reported(events, [], new Map(distinct.map((event) => [event.eventId, error])), consumer);
  }
  // Each event on its own: the failing one(s) fail alone.
  const done: E[] = [];
  const failures = new Map<string, unknown>();
  for (const event of distinct) {
    try {
      done.push(...(await claimAndRun([event], consumer, effect)));
    } catch (error) {
      failures.set(event.eventId, error);
    }
  }
  return reported(events, done, failures, consumer);
}

/** One transaction: claims `events` (distinct ids), runs the effect on those claimed now, returns them. */
async function claimAndRun<E extends BatchEvent>(
  events: readonly E[],
  consumer: EventConsumer,
  effect: (manager: EntityManager, fresh: readonly E[]) => Promise<void>,
): Promise<E[]> {
  return consumer.dataSource.transaction(async (manager) => {
    const claimed = await claimEvents(manager, events, consumer.pattern);
    // PostgreSQL answers uuids in lower case, whatever case the event carried.
    const fresh = events.filter((event) => claimed.has(event.eventId.toLowerCase()));
    if (fresh.length > 0) await effect(manager, fresh);
    return fresh;
  });
}

/** Claims the batch's event ids; returns those claimed now (not processed before). */
async function claimEvents(
  manager: EntityManager,
  events: readonly BatchEvent[],
  pattern: string,
): Promise<Set<string>> {
  const ids = events.map((event) => event.eventId).sort();
  const rows = await manager.query<Array<{ event_id: string }>>(
    `INSERT INTO processed_events (event_id, pattern)
       SELECT id, $2 FROM unnest($1::uuid[]) AS id ORDER BY id
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [ids, pattern],
  );
  return new Set(rows.map((row) => row.event_id));
}

function firstOfEach<E extends BatchEvent>(events: readonly E[]): E[] {
  const seen = new Set<string>();
  return events.filter((event) => !seen.has(event.eventId) && seen.add(event.eventId));
}

/** The outcome, with every copy found processed before marked and logged as a no-op. */
function reported<E extends BatchEvent>(
  events: readonly E[],
  done: readonly E[],
  failures: ReadonlyMap<string, unknown>,
  consumer: EventConsumer,
): BatchRun<E> {
  const doneIds = new Set(done.map((event) => event.eventId));
  const duplicates = [...new Set(events.map((event) => event.eventId))].filter(
    (id) => !doneIds.has(id) && !failures.has(id),
  );
  for (const eventId of duplicates) {
    markDuplicateDelivery(eventId);
    consumer.logger.log({ msg: 'event already processed; nothing to do', eventId });
  }
  return { done, duplicates, failures };
}
