import { EVENT_ATTRIBUTE } from '../core/event-attributes';

/**
 * Names of the plaintext SNS/SQS message attributes the library itself sets on every message
 * (the envelope's identity). SNS and SQS encrypt only the body: attributes stay readable in the
 * broker, in metrics and in logs, which is what lets filter policies route. An application's
 * routing attributes are declared in its topology (`MessagingTopology.attributes`), and only
 * routing facts that are not PHI may ever be put there (see the PHI guard).
 */
export const ATTRIBUTE = {
  ...EVENT_ATTRIBUTE,
} as const;

/** The envelope attributes: always allowed, whatever the topology declares. */
export const ENVELOPE_ATTRIBUTES: readonly string[] = Object.values(ATTRIBUTE);

/** Attribute set on dead-lettered copies: an error code, never a message. */
export const DEAD_LETTER_REASON_ATTRIBUTE = 'dead-letter-reason';

/** Names a topology may not declare as its own: the library sets them. */
export const RESERVED_ATTRIBUTES: readonly string[] = [...ENVELOPE_ATTRIBUTES, DEAD_LETTER_REASON_ATTRIBUTE];
