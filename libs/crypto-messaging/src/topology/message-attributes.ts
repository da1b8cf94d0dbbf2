import { EVENT_ATTRIBUTE } from '../core/event-attributes';

/**
 * Names of the plaintext SNS/SQS message attributes. SNS and SQS encrypt only the body: these
 * stay readable in the broker, in metrics and in logs, which is what lets filter policies route.
 * So only routing facts that are not PHI may ever be put here (see the PHI guard).
 */
export const ATTRIBUTE = {
  ...EVENT_ATTRIBUTE,
  clinicId: 'clinic-id',
  hasMedications: 'has-medications',
  hasFollowUp: 'has-follow-up',
  hasLabOrders: 'has-lab-orders',
  billable: 'billable',
} as const;

/** The only attribute names a publisher may set; anything else is refused. */
export const ALLOWED_ATTRIBUTES: ReadonlySet<string> = new Set(Object.values(ATTRIBUTE));
