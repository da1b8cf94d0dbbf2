import type { PublishRequest } from '../core/publish-request';
import { randomUUID } from 'node:crypto';
import type { BodyCipher, EncryptionContext } from '../crypto/envelope.cipher';
import { MessagingError, MessagingErrorCode, PoisonMessageError } from '../errors/messaging.error';
import { contextFor } from '../events/encryption-context';
import { EventRegistry, type EventDefinition, type EventEnvelope } from '../events/event-definition';
import { assertNoPhi } from '../publisher/phi-guard';
import { ATTRIBUTE, ENVELOPE_ATTRIBUTES } from '../topology/message-attributes';

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

/** A message as it travels through SNS and SQS: a base64 body and plaintext String attributes. */
export interface WireMessage {
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** What {@link EventCodec.open} gives back: the event's definition and its verified envelope. */
export interface OpenedEvent<T = unknown> {
  readonly definition: EventDefinition<T>;
  readonly envelope: EventEnvelope<T>;
}

/** Options of {@link EventCodec}. */
export interface EventCodecOptions {
  /** Topic name: part of the encryption context. */
  topicName: string;
  cipher: BodyCipher;
  /** The events this side opens (a consumer's). Sealing takes the definition from the request. */
  events?: readonly EventDefinition[];
  /** Routing attribute names that may be sent (event type, version and id always may). Default: none. */
  allowedAttributes?: ReadonlySet<string>;
}

/**
 * The wire format, both ways, in one place: `seal` turns an event into what the publisher sends
 * (an envelope encrypted under a fixed, PHI-free context, with plaintext routing attributes);
 * `open` turns what a queue delivers back into a verified event (decrypted, its context and
 * identity checked against the attributes, its payload schema-validated).
 */
export class EventCodec {
  private readonly registry: EventRegistry;
  private readonly allowed: ReadonlySet<string>;
  /** The expected context per event opened: fixed, so built once, not per message. */
  private readonly contexts = new WeakMap<EventDefinition, EncryptionContext>();

  constructor(private readonly options: EventCodecOptions) {
    this.registry = new EventRegistry(options.events);
    // The identity attributes are the library's own: always allowed.
    this.allowed = new Set([...(options.allowedAttributes ?? []), ...ENVELOPE_ATTRIBUTES]);
  }

  /** Key ARN or local key name of the cipher, for error messages. */
  get keyId(): string {
    return this.options.cipher.keyId;
  }

  /** The events this codec opens. */
  get events(): EventDefinition[] {
    return this.registry.all();
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
    // The guard first: the event id (the caller's, if given) may then appear in an error below.
    assertNoPhi({ attributes, subject: request.subject, context }, this.allowed);
    const count = Object.keys(attributes).length;
    if (count > MAX_ATTRIBUTES) {
      throw new MessagingError(
        MessagingErrorCode.InvalidEvent,
        `Event ${eventId} has ${count} message attributes; at most ${MAX_ATTRIBUTES} fit (SQS takes 10, one is kept for the dead-letter reason).`,
      );
    }
    const envelope: EventEnvelope<T> = {
      id: eventId,
      type: event.type,
      version: event.version,
      occurredAt: (request.occurredAt ?? new Date()).toISOString(),
      data,
    };
    const body = await this.options.cipher.encrypt(Buffer.from(JSON.stringify(envelope)), context);
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

  /**
   * Decrypts and verifies a delivered message. Throws {@link PoisonMessageError} for what can
   * never succeed (unknown event, undecryptable body, context or identity mismatch, invalid
   * payload); a KMS that cannot be reached raises a retryable {@link MessagingError} instead.
   */
  async open(wire: WireMessage): Promise<OpenedEvent> {
    const type = wire.attributes[ATTRIBUTE.eventType];
    const version = wire.attributes[ATTRIBUTE.schemaVersion];
    const definition = type && version ? this.registry.find(type, version) : undefined;
    if (!definition) {
      throw new PoisonMessageError(
        MessagingErrorCode.InvalidEvent,
        'Unknown or missing event-type / schema-version attributes.',
      );
    }
    const plaintext = await this.options.cipher.decrypt(
      Buffer.from(wire.body, 'base64'),
      this.expectedContext(definition),
    );
    const envelope = parseEnvelope(plaintext);
    if (
      envelope.id !== wire.attributes[ATTRIBUTE.eventId] ||
      envelope.type !== type ||
      String(envelope.version) !== version
    ) {
      throw new PoisonMessageError(
        MessagingErrorCode.ContextMismatch,
        'The event-id, event-type or schema-version attribute differs from the encrypted envelope.',
      );
    }
    // The envelope was parsed just now and is ours alone: the validated payload replaces the raw one in place.
    envelope.data = this.registry.validate(definition, envelope.data);
    return { definition, envelope };
  }

  private expectedContext(definition: EventDefinition): EncryptionContext {
    let context = this.contexts.get(definition);
    if (!context) {
      context = Object.freeze(this.contextFor(definition));
      this.contexts.set(definition, context);
    }
    return context;
  }
}

/** A sealed event as it goes on the wire: the body base64-encoded. */
export function wireOf(event: Pick<SealedEvent, 'body' | 'attributes'>): WireMessage {
  return { body: event.body.toString('base64'), attributes: event.attributes };
}

/**
 * A delivered message (an SQS `Message`'s body and attributes) as a wire message: its String
 * attributes only, as the publisher sent them.
 */
export function wireOfDelivered(
  body: string | undefined,
  attributes:
    Readonly<Record<string, { readonly DataType?: string; readonly StringValue?: string }>> | undefined,
): WireMessage {
  const plain: Record<string, string> = {};
  for (const name in attributes) {
    const value = attributes[name]?.StringValue;
    if (value !== undefined) plain[name] = value;
  }
  return { body: body ?? '', attributes: plain };
}

/** The size SNS counts for a sealed body sent as base64 with its String attributes. */
export function sizeOf(body: Buffer, attributes: Readonly<Record<string, string>>, subject?: string): number {
  let bytes = 4 * Math.ceil(body.length / 3) + Buffer.byteLength(subject ?? '');
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength('String') + Buffer.byteLength(value);
  }
  return bytes;
}

/** An envelope just parsed, before its payload is validated. */
type ParsedEnvelope = { -readonly [K in keyof EventEnvelope]: EventEnvelope[K] };

function parseEnvelope(plaintext: Buffer): ParsedEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext.toString('utf8'));
  } catch {
    throw new PoisonMessageError(MessagingErrorCode.InvalidEvent, 'Decrypted body is not JSON.');
  }
  // JSON that is not an object (`null`, a number, a list) once threw a TypeError, which counts as
  // "retry later": a message that can never succeed was retried until redrive.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new PoisonMessageError(MessagingErrorCode.InvalidEvent, 'Decrypted body is not an event envelope.');
  }
  return parsed as ParsedEnvelope;
}
