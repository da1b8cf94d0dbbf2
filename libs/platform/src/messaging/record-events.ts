import type { PatientRecordCreatedV1, RecordEvent } from '@app/contracts';
import type { SqsBatchContext } from '@app/crypto-messaging';

/**
 * A batch handler's records with their event ids (`context.deliveries[i]` describes
 * `records[i]`): what the consumers' batch services take.
 */
export function recordEventsOf(
  records: readonly PatientRecordCreatedV1[],
  context: SqsBatchContext,
): RecordEvent[] {
  const eventIds = context.getEventIds();
  return records.map((record, i) => ({ eventId: eventIds[i], record }));
}
