import type { LoggerService } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { markDuplicateDelivery } from '@app/crypto-messaging';
import { isAboutEvents } from './run-batch-once-failure';

/** Who acts on events: its database, the events' pattern (kept with each claim), its log. */
export interface EventConsumer {
  readonly dataSource: DataSource;
  readonly pattern: string;
  readonly logger: Pick<LoggerService, 'log'>;
}

/** One event of a batch: its id is the idempotency key. */
export interface BatchEvent {
  readonly eventId: string;
}

/** What a batch run did with each event of a batch, by event id. */
export interface BatchRun<E extends BatchEvent> {
  /** Events whose effect committed now, in the batch's order. */
  readonly done: readonly E[];
  /** Event ids already processed before (re-sent or redelivered copies): nothing was done. */
  readonly duplicates: readonly string[];
  /** Events whose effect failed, with the error: the caller retries or dead-letters them. */
  readonly failures: ReadonlyMap<string, unknown>;
}

/**
 * One atomic attempt at some distinct events: claims them and runs the effect on those claimed
 * now, all or nothing; resolves the events claimed now.
 */
export type BatchAttempt<E extends BatchEvent> = (events: readonly E[]) => Promise<E[]>;

/**
 * The per-event outcomes of a batch, whatever the attempt's shape (a transaction, one statement):
 * the whole batch in one attempt; if it fails for a reason an event may cause, each event in an
 * attempt of its own, so the failing one(s) fail alone and the others commit; a failure no event
 * can cause (the database unreachable, out of resources) fails every event at once. Copies found
 * processed before are marked for the transport and logged as no-ops.
 */
export async function runBatchAttempts<E extends BatchEvent>(
  events: readonly E[],
  consumer: EventConsumer,
  attempt: BatchAttempt<E>,
): Promise<BatchRun<E>> {
  const distinct = firstOfEach(events);
  if (distinct.length === 0) return { done: [], duplicates: [], failures: new Map() };
  try {
    return reported(events, await attempt(distinct), new Map(), consumer);
  } catch (error) {
    if (distinct.length === 1 || !isAboutEvents(error))
      return reported(events, [], new Map(distinct.map((event) => [event.eventId, error])), consumer);
  }
  // Each event on its own: the failing one(s) fail alone.
  const done: E[] = [];
  const failures = new Map<string, unknown>();
  for (const event of distinct) {
    try {
      done.push(...(await attempt([event])));
    } catch (error) {
      failures.set(event.eventId, error);
    }
  }
  return reported(events, done, failures, consumer);
}

/**
 * The claims of a batch: one `processed_events` insert of the ids (parameter `ids`, a uuid
 * array) in ascending order, so two batches sharing events wait on each other in one order and
 * do not deadlock; returns the ids claimed now (PostgreSQL answers uuids in lower case).
 */
export function claimsSql(ids: string, pattern: string): string {
  return `INSERT INTO processed_events (event_id, pattern)
       SELECT id, ${pattern} FROM unnest(${ids}::uuid[]) AS id ORDER BY id
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`;
}

/** The events whose (lower-case) id is among `claimed`, in their order. */
export function claimedOf<E extends BatchEvent>(events: readonly E[], claimed: Iterable<string>): E[] {
  const ids = new Set(claimed);
  return events.filter((event) => ids.has(event.eventId.toLowerCase()));
}

/** The first event of each id (ids compared as PostgreSQL does uuids: whatever their case). */
function firstOfEach<E extends BatchEvent>(events: readonly E[]): E[] {
  const seen = new Set<string>();
  return events.filter((event) => {
    const id = event.eventId.toLowerCase();
    return !seen.has(id) && seen.add(id);
  });
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
