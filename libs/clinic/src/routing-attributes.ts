import { ATTRIBUTE } from '@app/crypto-messaging';

/**
 * The clinic's routing facts, set by the EMR on every patient-record event and routed on by the
 * consumers' filter policies. Plaintext in the broker, so each is a reviewed, PHI-free flag or
 * id, never a value from the record's clinical content.
 */
export const ROUTING_ATTRIBUTE = {
  clinicId: 'clinic-id',
  hasMedications: 'has-medications',
  hasFollowUp: 'has-follow-up',
  hasLabOrders: 'has-lab-orders',
  billable: 'billable',
} as const;

/** Every attribute name of the clinic's messages: the library's envelope ones and the routing facts. */
export const CLINIC_ATTRIBUTE = { ...ATTRIBUTE, ...ROUTING_ATTRIBUTE } as const;

/** The only attribute names a clinic publisher may set; anything else is refused. */
export const ALLOWED_ATTRIBUTES: ReadonlySet<string> = new Set(Object.values(CLINIC_ATTRIBUTE));
