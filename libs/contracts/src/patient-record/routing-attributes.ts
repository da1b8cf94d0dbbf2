import { ROUTING_ATTRIBUTE as ATTRIBUTE } from '@app/clinic';
import type { PublishRequest } from '@app/crypto-messaging';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from './patient-record-created.event';

/**
 * The plaintext routing facts of a record: flags the filter policies route on. Derived, never
 * copied, from the record, so that no PHI can leak into an attribute.
 */
export function routingAttributesOf(record: PatientRecordCreatedV1): Record<string, string> {
  return {
    [ATTRIBUTE.clinicId]: record.clinicId,
    [ATTRIBUTE.hasMedications]: String(record.medications.length > 0),
    [ATTRIBUTE.hasFollowUp]: String(record.followUpDays !== undefined),
    [ATTRIBUTE.hasLabOrders]: String(record.labOrders.length > 0),
    [ATTRIBUTE.billable]: String(record.billable),
  };
}

/**
 * What to publish for a record: the versioned event, the record as its payload, and its
 * derived routing attributes. `id` re-sends an event under its own id (a duplicate).
 */
export function recordCreated(
  record: PatientRecordCreatedV1,
  options: { id?: string } = {},
): PublishRequest<PatientRecordCreatedV1> {
  return {
    event: PatientRecordCreatedV1Event,
    data: record,
    attributes: routingAttributesOf(record),
    ...(options.id ? { id: options.id } : {}),
  };
}
