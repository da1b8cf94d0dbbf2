import type { PublishRequest } from '@app/crypto-messaging/core';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from './patient-record-created.event';

/**
 * Names of the record's plaintext routing attributes, the facts consumers' filter policies route
 * on. Part of the contract: the publisher derives them and each consumer's topology filters on
 * them. Flags and a clinic id only, never PHI (attributes are not encrypted).
 */
export const ROUTING_ATTRIBUTE = {
  clinicId: 'clinic-id',
  hasMedications: 'has-medications',
  hasFollowUp: 'has-follow-up',
  hasLabOrders: 'has-lab-orders',
  billable: 'billable',
} as const;

/**
 * The plaintext routing facts of a record: flags the filter policies route on. Derived, never
 * copied, from the record, so that no PHI can leak into an attribute.
 */
export function routingAttributesOf(record: PatientRecordCreatedV1): Record<string, string> {
  return {
    [ROUTING_ATTRIBUTE.clinicId]: record.clinicId,
    [ROUTING_ATTRIBUTE.hasMedications]: String(record.medications.length > 0),
    [ROUTING_ATTRIBUTE.hasFollowUp]: String(record.followUpDays !== undefined),
    [ROUTING_ATTRIBUTE.hasLabOrders]: String(record.labOrders.length > 0),
    [ROUTING_ATTRIBUTE.billable]: String(record.billable),
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
