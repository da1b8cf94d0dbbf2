import type { LoggerService } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { claimEvent } from './claim-event';

/** Who acts on an event: its database, the event's pattern (kept with the claim), its log. */
export interface EventConsumer {
  readonly dataSource: DataSource;
  readonly pattern: string;
  readonly logger: Pick<LoggerService, 'log'>;
}

/** What {@link runOnce} did: the effect's value the first time; nothing for a copy. */
export type OnceOutcome<T> = { readonly firstTime: true; readonly value: T } | { readonly firstTime: false };

/**
 * Runs a consumer's effect at most once per event id: the claim (a `processed_events` row) and
 * the effect share one transaction, so they commit together or not at all. A redelivered or
 * re-sent copy (same event id) finds the claim and changes nothing; it is logged as a no-op.
 * An effect that throws rolls its claim back too, so the retry starts from a clean slate.
 */
export async function runOnce<T>(
  eventId: string,
  consumer: EventConsumer,
  effect: (manager: EntityManager) => Promise<T>,
): Promise<OnceOutcome<T>> {
  const outcome = await consumer.dataSource.transaction(async (manager): Promise<OnceOutcome<T>> => {
    if (!(await claimEvent(manager, eventId, consumer.pattern))) return { firstTime: false };
    return { firstTime: true, value: await effect(manager) };
  });
  if (!outcome.firstTime) consumer.logger.log({ msg: 'event already processed; nothing to do', eventId });
  return outcome;
}
