import { ATTRIBUTE } from '@app/crypto-messaging';
import { ROUTING_ATTRIBUTE } from '@app/contracts';

/**
 * The clinic's routing facts, set by the EMR on every patient-record event and routed on by the
 * consumers' filter policies: the patient-record contract declares them.
 */
export { ROUTING_ATTRIBUTE };

/** Every attribute name of the clinic's messages: the library's envelope ones and the routing facts. */
export const CLINIC_ATTRIBUTE = { ...ATTRIBUTE, ...ROUTING_ATTRIBUTE } as const;

/** The only attribute names a clinic publisher may set; anything else is refused. */
export const ALLOWED_ATTRIBUTES: ReadonlySet<string> = new Set(Object.values(CLINIC_ATTRIBUTE));
