import type { EncryptionContext } from './body-cipher';
import { EVENT_ATTRIBUTE } from './event-attributes';
import type { EventDefinition } from './event-definition';

/**
 * The encryption context of an event on a topic: topic, event type and schema version. Fixed
 * and low-cardinality on purpose: it is the materials cache key, it is stored in plaintext in
 * the envelope header, and KMS writes it to CloudTrail. Never an id, never PHI.
 */
export function contextFor(
  topicName: string,
  event: Pick<EventDefinition, 'type' | 'version'>,
): EncryptionContext {
  return {
    topic: topicName,
    [EVENT_ATTRIBUTE.eventType]: event.type,
    [EVENT_ATTRIBUTE.schemaVersion]: String(event.version),
  };
}
