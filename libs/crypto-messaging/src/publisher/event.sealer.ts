import { randomUUID } from 'node:crypto';
import type { BodyCipher, EncryptionContext } from '../crypto/envelope.cipher';
import { MessagingError, MessagingErrorCode } from '../errors/messaging.error';
import type { PublishRequest } from '../core/publish-request';
import type { EventDefinition, EventEnvelope } from '../events/event-definition';
import { EventRegistry } from '../events/event-definition';
import { contextFor } from '../events/encryption-context';
import { ciphertextHead, type DeliveryTap } from '../journey/delivery-tap';
import { keyOperationsDuring } from '../keys/key-use.monitor';
import { ALLOWED_ATTRIBUTES, ATTRIBUTE } from '../topology/message-attributes';
import { assertNoPhi } from './phi-guard';

/** SNS's limit for one message, body and attributes together; also for one whole batch. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/**
 * SQS takes at most 10 message attributes, and raw delivery passes SNS's through; one more is
 * kept free for the consumer's `dead-letter-reason` on a dead-lettered copy.
 */
export const MAX_ATTRIBUTES = 9;

/** One event to seal (and publish): declared in the core, where contracts build it. */
export type { PublishRequest };

/**
 * An event ready to send: the envelope encrypted, the plaintext attributes checked. It holds no
 * plaintext payload, so it may wait anywhere (an outbox row) and be sent again later as is:
 * a re-send is the same ciphertext with the same event id.
 */
export interface SealedEvent {
  readonly eventId: string;
  readonly eventType: string;
  readonly schemaVersion: number;
  /** The Encryption SDK message (raw bytes; base64 on the wire). */
  readonly body: Buffer;
  /** Every plaintext message attribute, the identity ones included. PHI-free (guarded). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly subject?: string;
  /** Size SNS counts: base64 body plus attributes and subject. */
  readonly bytes: number;
}

export interface EventSealerOptions {
  /** Topic name: part of the encryption context. */
  topicName: string;
  cipher: BodyCipher;
  /** Routing attribute names that may be sent (event type, version and id always may). Default: the clinic's. */
  allowedAttributes?: ReadonlySet<string>;
  /** Where to report the `sealed` hop, with the data-key operation. Default: none. */
  tap?: DeliveryTap;
  /** The sealing app, for the tap's observations. Default `publisher`. */
  app?: string;
}

/**
 * The publisher's first half, "seal": validates the payload against its schema, guards the
 * plaintext attributes and subject, encrypts the envelope under the fixed context, and checks
 * the size SNS will count. It needs the key, not the broker: the EMR seals an event in the
 * record's transaction and the relay sends it later ({@link EncryptedPublisher.sendBatch}).
 */
export class EventSealer {
  private readonly registry = new EventRegistry();
  private readonly allowed: ReadonlySet<string>;

  constructor(private readonly options: EventSealerOptions) {
    // The identity attributes are the library's own: always allowed.
    this.allowed = new Set([
      ...(options.allowedAttributes ?? ALLOWED_ATTRIBUTES),
      ATTRIBUTE.eventType,
      ATTRIBUTE.schemaVersion,
      ATTRIBUTE.eventId,
    ]);
  }

  /** Key ARN or local key name of the cipher, for error messages. */
  get keyId(): string {
    return this.options.cipher.keyId;
  }

  /** The encryption context for an event type: fixed and low-cardinality, never PHI. */
  contextFor(event: Pick<EventDefinition, 'type' | 'version'>): EncryptionContext {
    return contextFor(this.options.topicName, event);
  }

  /**
   * Seals one event. Throws a typed {@link MessagingError}: INVALID_EVENT, PHI_REFUSED,
   * MESSAGE_TOO_LARGE, or a KMS_* code when the key cannot be used.
   */
  async seal<T>(request: PublishRequest<T>): Promise<SealedEvent> {
    const { event } = request;
    const data = this.registry.validate(event, request.data);
    const eventId = request.id ?? randomUUID();
    const context = this.contextFor(event);
    const attributes: Record<string, string> = {
      ...request.attributes,
      [ATTRIBUTE.eventType]: event.type,
      [ATTRIBUTE.schemaVersion]: String(event.version),
      [ATTRIBUTE.eventId]: eventId,
    };
    if (Object.keys(attributes).length > MAX_ATTRIBUTES) {
      throw new MessagingError(
        MessagingErrorCode.InvalidEvent,
        `Event ${eventId} has ${Object.keys(attributes).length} message attributes; at most ${MAX_ATTRIBUTES} fit (SQS takes 10, one is kept for the dead-letter reason).`,
      );
    }
    assertNoPhi({ attributes, subject: request.subject, context }, this.allowed);

    const envelope: EventEnvelope<T> = {
      id: eventId,
      type: event.type,
      version: event.version,
      occurredAt: (request.occurredAt ?? new Date()).toISOString(),
      data,
    };
    const plaintext = Buffer.from(JSON.stringify(envelope));
    let body: Buffer;
    const tap = this.options.tap;
    if (tap) {
      const { result, operations } = await keyOperationsDuring(() =>
        this.options.cipher.encrypt(plaintext, context),
      );
      body = result;
      try {
        tap.observe({
          eventId,
          hop: 'sealed',
          at: new Date().toISOString(),
          app: this.options.app ?? 'publisher',
          keyOp: operations.includes('GenerateDataKey') ? 'data-key-generated' : 'data-key-cache-hit',
          ciphertext: ciphertextHead(body),
          attributes,
        });
      } catch {
        // Observing must never change the outcome of sealing.
      }
    } else {
      body = await this.options.cipher.encrypt(plaintext, context);
    }
    const bytes = sizeOf(body, attributes, request.subject);
    if (bytes > SNS_MAX_MESSAGE_BYTES) {
      throw new MessagingError(
        MessagingErrorCode.MessageTooLarge,
        `Event ${eventId} (${event.pattern}) is ${bytes} bytes once encrypted and encoded, over SNS's limit of ` +
          `${SNS_MAX_MESSAGE_BYTES} bytes including attributes. Send less in the event, or store the large part and send a reference.`,
      );
    }
    return {
      eventId,
      eventType: event.type,
      schemaVersion: event.version,
      body,
      attributes,
      ...(request.subject ? { subject: request.subject } : {}),
      bytes,
    };
  }
}

/** The size SNS counts for a sealed body sent as base64 with its String attributes. */
export function sizeOf(body: Buffer, attributes: Readonly<Record<string, string>>, subject?: string): number {
  let bytes = 4 * Math.ceil(body.length / 3) + Buffer.byteLength(subject ?? '');
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength('String') + Buffer.byteLength(value);
  }
  return bytes;
}
