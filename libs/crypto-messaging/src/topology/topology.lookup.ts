import { MessagingError, MessagingErrorCode } from '../errors/messaging.error';
import { ENVELOPE_ATTRIBUTES } from './message-attributes';
import type { KeyDeclaration, MessagingTopology, QueueDeclaration } from './topology.types';

/** The queue declaration of one consumer, or a clear error naming the known consumers. */
export function queueOf(topology: MessagingTopology, consumer: string): QueueDeclaration {
  const found = topology.queues.find((q) => q.consumer === consumer);
  if (!found) {
    const known = topology.queues.map((q) => q.consumer).join(', ');
    throw new TypeError(`Unknown consumer "${consumer}": the topology declares ${known}`);
  }
  return found;
}

/** The key declaration behind a `keyRef`, or a CONFIG error with the fix. */
export function keyOf(topology: MessagingTopology, keyRef: string): KeyDeclaration {
  const found = topology.keys.find((k) => k.ref === keyRef);
  if (!found) {
    throw new MessagingError(
      MessagingErrorCode.Config,
      `The topology references undeclared key "${keyRef}"`,
      {
        fix: 'declare the key in topology.keys',
      },
    );
  }
  return found;
}

/**
 * Every attribute name a publisher of this topology may set: the envelope's own ones plus the
 * routing attributes the topology declares.
 */
export function allowedAttributesOf(topology: Pick<MessagingTopology, 'attributes'>): ReadonlySet<string> {
  return new Set([...ENVELOPE_ATTRIBUTES, ...(topology.attributes ?? [])]);
}
