import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  PublishBatchCommand,
  PublishCommand,
  type MessageAttributeValue,
  type PublishBatchRequestEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
import type { BodyCipher, EncryptionContext } from '../crypto/envelope.cipher';
import { MessagingError, MessagingErrorCode } from '../errors/messaging.error';
import type { EventDefinition, EventEnvelope } from '../events/event-definition';
import { EventRegistry } from '../events/event-definition';
import { toKmsError } from '../keys/key-provider';
import { contextFor } from '../events/encryption-context';
import { ALLOWED_ATTRIBUTES, ATTRIBUTE } from '../topology/message-attributes';
import { assertNoPhi } from './phi-guard';

/** SNS's limit for one message, body and attributes together; also for one whole batch. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/**
 * SQS takes at most 10 message attributes, and raw delivery passes SNS's through; one more is
 * kept free for the consumer's `dead-letter-reason` on a dead-lettered copy.
 */
export const MAX_ATTRIBUTES = 9;
const SNS_MAX_BATCH_ENTRIES = 10;

/** One event to publish. */
export interface PublishRequest<T = unknown> {
  readonly event: EventDefinition<T>;
  readonly data: T;
  /** The event's own id (idempotency key downstream). Default: a random UUID. */
  readonly id?: string;
  readonly occurredAt?: Date;
  /** Extra routing facts: only allowlisted names, checked by the PHI guard. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Optional SNS subject; checked by the PHI guard. Not delivered with raw delivery. */
  readonly subject?: string;
}

export interface PublishResult {
  readonly eventId: string;
  readonly messageId: string;
  /** Size SNS counts: body plus attributes. */
  readonly bytes: number;
}

export type BatchPublishOutcome =
  | ({ readonly ok: true } & PublishResult)
  | { readonly ok: false; readonly eventId: string; readonly error: MessagingError };

export interface EncryptedPublisherOptions {
  sns: SNSClient;
  topicArn: string;
  /** Topic name: part of the encryption context. */
  topicName: string;
  cipher: BodyCipher;
  /** Routing attribute names that may be sent (event type, version and id always may). Default: the clinic's. */
  allowedAttributes?: ReadonlySet<string>;
  /** Retries of batch entries SNS failed on its side (throttling, 5xx), with backoff. Default 5. */
  maxEntryAttempts?: number;
  /** First backoff delay; doubles each attempt, with jitter. Default 100 ms. */
  retryBaseDelayMs?: number;
}

interface PreparedMessage {
  readonly eventId: string;
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
  readonly subject?: string;
  readonly bytes: number;
}

/**
 * Publishes versioned events to the encrypted topic: validates the payload against its schema,
 * encrypts it with the envelope cipher (bound to a PHI-free context), guards the plaintext
 * attributes and subject, checks the size, and retries what SNS fails on its side.
 */
export class EncryptedPublisher {
  private readonly registry = new EventRegistry();
  private readonly allowed: ReadonlySet<string>;

  constructor(private readonly options: EncryptedPublisherOptions) {
    // The identity attributes are the library's own: always allowed.
    this.allowed = new Set([
      ...(options.allowedAttributes ?? ALLOWED_ATTRIBUTES),
      ATTRIBUTE.eventType,
      ATTRIBUTE.schemaVersion,
      ATTRIBUTE.eventId,
    ]);
  }

  /** The encryption context for an event type: fixed and low-cardinality, never PHI. */
  contextFor(event: EventDefinition): EncryptionContext {
    return contextFor(this.options.topicName, event);
  }

  /** Publishes one event. Throws a typed {@link MessagingError} on failure. */
  async publish<T>(request: PublishRequest<T>): Promise<PublishResult> {
    const message = await this.prepare(request);
    try {
      const out = await this.options.sns.send(
        new PublishCommand({
          TopicArn: this.options.topicArn,
          Message: message.body,
          MessageAttributes: message.attributes,
          ...(message.subject ? { Subject: message.subject } : {}),
        }),
      );
      return { eventId: message.eventId, messageId: out.MessageId ?? '', bytes: message.bytes };
    } catch (error) {
      throw this.toPublishError(error);
    }
  }

  /**
   * Publishes many events with PublishBatch (10 per call, within SNS's batch size limit).
   * Returns one outcome per request, in order; a bad request fails alone, not its batch.
   */
  async publishBatch(requests: readonly PublishRequest[]): Promise<BatchPublishOutcome[]> {
    const outcomes: BatchPublishOutcome[] = new Array<BatchPublishOutcome>(requests.length);
    const prepared: Array<{ index: number; message: PreparedMessage }> = [];
    await Promise.all(
      requests.map(async (request, index) => {
        try {
          prepared.push({ index, message: await this.prepare(request) });
        } catch (error) {
          outcomes[index] = { ok: false, eventId: request.id ?? '', error: this.toPublishError(error) };
        }
      }),
    );
    prepared.sort((a, b) => a.index - b.index);
    const chunks: Array<typeof prepared> = [];
    let current: typeof prepared = [];
    let currentBytes = 0;
    for (const item of prepared) {
      if (
        current.length === SNS_MAX_BATCH_ENTRIES ||
        currentBytes + item.message.bytes > SNS_MAX_MESSAGE_BYTES
      ) {
        chunks.push(current);
        current = [];
        currentBytes = 0;
      }
      current.push(item);
      currentBytes += item.message.bytes;
    }
    if (current.length) chunks.push(current);
    await Promise.all(chunks.map((chunk) => this.sendChunk(chunk, outcomes)));
    return outcomes;
  }

  private async sendChunk(
    chunk: Array<{ index: number; message: PreparedMessage }>,
    outcomes: BatchPublishOutcome[],
  ): Promise<void> {
    const maxAttempts = this.options.maxEntryAttempts ?? 5;
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const entries: PublishBatchRequestEntry[] = pending.map(({ index, message }) => ({
        Id: String(index),
        Message: message.body,
        MessageAttributes: message.attributes,
        ...(message.subject ? { Subject: message.subject } : {}),
      }));
      let retry: typeof pending = [];
      try {
        const out = await this.options.sns.send(
          new PublishBatchCommand({ TopicArn: this.options.topicArn, PublishBatchRequestEntries: entries }),
        );
        const byIndex = new Map(pending.map((p) => [String(p.index), p]));
        for (const ok of out.Successful ?? []) {
          const item = byIndex.get(ok.Id!)!;
          outcomes[item.index] = {
            ok: true,
            eventId: item.message.eventId,
            messageId: ok.MessageId ?? '',
            bytes: item.message.bytes,
          };
        }
        for (const failed of out.Failed ?? []) {
          const item = byIndex.get(failed.Id!)!;
          if (!failed.SenderFault && attempt < maxAttempts) {
            retry.push(item);
          } else {
            outcomes[item.index] = {
              ok: false,
              eventId: item.message.eventId,
              error: new MessagingError(
                failed.SenderFault ? MessagingErrorCode.InvalidEvent : MessagingErrorCode.BrokerUnavailable,
                `SNS refused event ${item.message.eventId}: ${failed.Code ?? 'unknown'} (after ${attempt} attempt(s)).`,
              ),
            };
          }
        }
      } catch (error) {
        // The SDK already retried throttling and 5xx on the whole call; this is final.
        const typed = this.toPublishError(error);
        for (const item of pending)
          outcomes[item.index] = { ok: false, eventId: item.message.eventId, error: typed };
        retry = [];
      }
      pending = retry;
      if (pending.length > 0) await sleep(backoffMs(attempt, this.options.retryBaseDelayMs ?? 100));
    }
  }

  private async prepare<T>(request: PublishRequest<T>): Promise<PreparedMessage> {
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
    const sealed = await this.options.cipher.encrypt(Buffer.from(JSON.stringify(envelope)), context);
    const body = sealed.toString('base64');
    const snsAttributes: Record<string, MessageAttributeValue> = {};
    let bytes = Buffer.byteLength(body) + Buffer.byteLength(request.subject ?? '');
    for (const [name, value] of Object.entries(attributes)) {
      snsAttributes[name] = { DataType: 'String', StringValue: value };
      bytes += Buffer.byteLength(name) + Buffer.byteLength('String') + Buffer.byteLength(value);
    }
    if (bytes > SNS_MAX_MESSAGE_BYTES) {
      throw new MessagingError(
        MessagingErrorCode.MessageTooLarge,
        `Event ${eventId} (${event.pattern}) is ${bytes} bytes once encrypted and encoded, over SNS's limit of ` +
          `${SNS_MAX_MESSAGE_BYTES} bytes including attributes. Send less in the event, or store the large part and send a reference.`,
      );
    }
    return { eventId, body, attributes: snsAttributes, subject: request.subject, bytes };
  }

  private toPublishError(error: unknown): MessagingError {
    if (error instanceof MessagingError) return error;
    const name = error instanceof Error ? error.name : '';
    if (name.startsWith('KMS')) return toKmsError(error, this.options.cipher.keyId);
    if (name === 'NotFoundException' || name === 'NotFound') {
      return new MessagingError(
        MessagingErrorCode.NotProvisioned,
        `Topic ${this.options.topicArn} does not exist. Run "npm run clinic -- provision".`,
        { cause: error },
      );
    }
    return new MessagingError(
      MessagingErrorCode.BrokerUnavailable,
      `Publishing to ${this.options.topicArn} failed (${name || 'unknown error'}). Check that the broker is running and AWS_ENDPOINT_URL / AWS_REGION point at it.`,
      { cause: error },
    );
  }
}

/** Exponential backoff with full jitter, capped at 10 s. */
export function backoffMs(attempt: number, baseMs: number, capMs = 10_000): number {
  return Math.round(Math.random() * Math.min(capMs, baseMs * 2 ** (attempt - 1)));
}
