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
import type { EventDefinition } from '../events/event-definition';
import { ciphertextHead, type DeliveryTap } from '../journey/delivery-tap';
import { toKmsError } from '../keys/key-provider';
import { wireOf } from '../codec/event.codec';
import { EventSealer, SNS_MAX_MESSAGE_BYTES, type PublishRequest, type SealedEvent } from './event.sealer';

// The sealing half lives in its own file; the package's public API takes it from here.
export * from './event.sealer';

const SNS_MAX_BATCH_ENTRIES = 10;

const noKey = () =>
  Promise.reject(
    new MessagingError(
      MessagingErrorCode.Config,
      'This publisher is send-only (EncryptedPublisher.sendOnly): it has no key and cannot seal events.',
    ),
  );
/** The cipher of a send-only publisher: every use is refused. */
const NO_KEY: BodyCipher = { keyId: 'none (send-only publisher)', encrypt: noKey, decrypt: noKey };

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
  /** Routing attribute names that may be sent (event type, version and id always may). Default: none. */
  allowedAttributes?: ReadonlySet<string>;
  /** Retries of batch entries SNS failed on its side (throttling, 5xx), with backoff. Default 5. */
  maxEntryAttempts?: number;
  /** First backoff delay; doubles each attempt, with jitter. Default 100 ms. */
  retryBaseDelayMs?: number;
  /** Where to report `sealed` and `published` hops. Default: none. */
  tap?: DeliveryTap;
  /** The publishing app, for the tap's observations. Default `publisher`. */
  app?: string;
}

/**
 * Publishes versioned events to the encrypted topic in two halves: "seal" ({@link EventSealer}:
 * schema, PHI guard, envelope encryption under a PHI-free context, size) and "send" (Publish /
 * PublishBatch, retrying what SNS fails on its side). `publish`/`publishBatch` do both;
 * `sendBatch` sends events sealed earlier (outbox rows), as they were stored.
 */
export class EncryptedPublisher {
  /** The sealing half, for callers that seal now and send later. */
  readonly sealer: EventSealer;

  constructor(private readonly options: EncryptedPublisherOptions) {
    this.sealer = new EventSealer(options);
  }

  /**
   * A publisher that only sends events sealed earlier ({@link sendBatch}): it holds no key, so
   * it needs `sns:Publish` alone and can seal nothing (`publish` fails with CONFIG).
   */
  static sendOnly(options: Omit<EncryptedPublisherOptions, 'cipher'>): EncryptedPublisher {
    return new EncryptedPublisher({ ...options, cipher: NO_KEY });
  }

  /** The encryption context for an event type: fixed and low-cardinality, never PHI. */
  contextFor(event: EventDefinition): EncryptionContext {
    return this.sealer.contextFor(event);
  }

  /** Seals and publishes one event. Throws a typed {@link MessagingError} on failure. */
  async publish<T>(request: PublishRequest<T>): Promise<PublishResult> {
    const message = prepared(await this.sealer.seal(request));
    try {
      const out = await this.options.sns.send(
        new PublishCommand({
          TopicArn: this.options.topicArn,
          Message: message.body,
          MessageAttributes: message.attributes,
          ...(message.subject ? { Subject: message.subject } : {}),
        }),
      );
      this.observePublished(message, out.MessageId ?? '');
      return { eventId: message.eventId, messageId: out.MessageId ?? '', bytes: message.bytes };
    } catch (error) {
      throw this.toPublishError(error);
    }
  }

  /**
   * Seals and publishes many events with PublishBatch (10 per call, within SNS's batch size
   * limit). Returns one outcome per request, in order; a bad request fails alone, not its batch.
   */
  async publishBatch(requests: readonly PublishRequest[]): Promise<BatchPublishOutcome[]> {
    const outcomes: BatchPublishOutcome[] = new Array<BatchPublishOutcome>(requests.length);
    const ready: Array<{ index: number; message: PreparedMessage }> = [];
    await Promise.all(
      requests.map(async (request, index) => {
        try {
          ready.push({ index, message: prepared(await this.sealer.seal(request)) });
        } catch (error) {
          outcomes[index] = { ok: false, eventId: request.id ?? '', error: this.toPublishError(error) };
        }
      }),
    );
    await this.sendPrepared(ready, outcomes);
    return outcomes;
  }

  /**
   * Sends events sealed earlier, exactly as sealed (same ciphertext, same event id), with
   * PublishBatch. Never sees plaintext: the key is not used. One outcome per event, in order.
   *
   * `signal` bounds the whole call, the SDK's retries included: once it aborts, what is not yet
   * published fails with `BROKER_UNAVAILABLE`. A caller that holds something while it publishes
   * (the outbox relay, a database transaction) gives it a deadline shorter than what it holds.
   * Such a call builds its request pipeline afresh (about 80 us), where one without reuses it.
   */
  async sendBatch(
    events: readonly SealedEvent[],
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<BatchPublishOutcome[]> {
    const outcomes: BatchPublishOutcome[] = new Array<BatchPublishOutcome>(events.length);
    await this.sendPrepared(
      events.map((event, index) => ({ index, message: prepared(event) })),
      outcomes,
      signal,
    );
    return outcomes;
  }

  private async sendPrepared(
    items: Array<{ index: number; message: PreparedMessage }>,
    outcomes: BatchPublishOutcome[],
    signal?: AbortSignal,
  ): Promise<void> {
    items.sort((a, b) => a.index - b.index);
    const chunks: Array<typeof items> = [];
    let current: typeof items = [];
    let currentBytes = 0;
    for (const item of items) {
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
    await Promise.all(chunks.map((chunk) => this.sendChunk(chunk, outcomes, signal)));
  }

  private async sendChunk(
    chunk: Array<{ index: number; message: PreparedMessage }>,
    outcomes: BatchPublishOutcome[],
    signal?: AbortSignal,
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
      let sent = false;
      try {
        signal?.throwIfAborted();
        const command = new PublishBatchCommand({
          TopicArn: this.options.topicArn,
          PublishBatchRequestEntries: entries,
        });
        // Options only when there is a signal: a send without them keeps the client's cached pipeline.
        sent = true;
        const out = await (signal
          ? this.options.sns.send(command, { abortSignal: signal })
          : this.options.sns.send(command));
        const byIndex = new Map(pending.map((p) => [String(p.index), p]));
        for (const ok of out.Successful ?? []) {
          const item = byIndex.get(ok.Id!)!;
          this.observePublished(item.message, ok.MessageId ?? '');
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
        const typed = signal?.aborted ? this.deadlineError(attempt, sent, error) : this.toPublishError(error);
        for (const item of pending)
          outcomes[item.index] = { ok: false, eventId: item.message.eventId, error: typed };
        retry = [];
      }
      pending = retry;
      if (pending.length > 0) {
        // An abort ends the wait; the next attempt then fails the entries still pending.
        await sleep(backoffMs(attempt, this.options.retryBaseDelayMs ?? 100), undefined, { signal }).catch(
          () => undefined,
        );
      }
    }
  }

  private observePublished(message: PreparedMessage, messageId: string): void {
    const tap = this.options.tap;
    if (!tap) return;
    try {
      tap.observe({
        eventId: message.eventId,
        hop: 'published',
        at: new Date().toISOString(),
        app: this.options.app ?? 'publisher',
        messageId,
        ciphertext: ciphertextHead(message.raw),
        attributes: message.plainAttributes,
      });
    } catch {
      // Observing must never change the outcome of a publish.
    }
  }

  /**
   * The caller's signal aborted (its deadline): what SNS had not answered is not published.
   * `sent`: the batch was on its way (SNS may have taken it), rather than waiting to be retried.
   */
  private deadlineError(attempt: number, sent: boolean, cause: unknown): MessagingError {
    const fate = sent
      ? `no answer from SNS in time to attempt ${attempt}; SNS may still have taken the batch (sent again, consumers recognise each event by its id)`
      : `before attempt ${attempt} could be sent`;
    return new MessagingError(
      MessagingErrorCode.BrokerUnavailable,
      `Publishing to ${this.options.topicArn} was given up at the caller's deadline, ${fate}. Check that the broker answers and AWS_ENDPOINT_URL / AWS_REGION point at it.`,
      { cause },
    );
  }

  private toPublishError(error: unknown): MessagingError {
    if (error instanceof MessagingError) return error;
    // A name, never a message (a message may quote what was sent).
    const name = errorName(error);
    if (name.startsWith('KMS')) return toKmsError(error, this.options.cipher.keyId);
    if (name === 'NotFoundException' || name === 'NotFound') {
      return new MessagingError(
        MessagingErrorCode.NotProvisioned,
        `Topic ${this.options.topicArn} does not exist.`,
        { cause: error, fix: 'Provision the topology first.' },
      );
    }
    return new MessagingError(
      MessagingErrorCode.BrokerUnavailable,
      `Publishing to ${this.options.topicArn} failed (${name || 'unknown error'}). Check that the broker is running and AWS_ENDPOINT_URL / AWS_REGION point at it.`,
      { cause: error },
    );
  }
}

interface PreparedMessage {
  readonly eventId: string;
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
  readonly subject?: string;
  readonly bytes: number;
  /** The sealed body and attributes as they were, for the tap. */
  readonly raw: Buffer;
  readonly plainAttributes: Readonly<Record<string, string>>;
}

/** A sealed event in the shape SNS takes: the codec's wire message, its attributes typed String. */
function prepared(event: SealedEvent): PreparedMessage {
  const wire = wireOf(event);
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(wire.attributes)) {
    attributes[name] = { DataType: 'String', StringValue: value };
  }
  return {
    eventId: event.eventId,
    body: wire.body,
    attributes,
    subject: event.subject,
    bytes: event.bytes,
    raw: event.body,
    plainAttributes: event.attributes,
  };
}

/** Exponential backoff with full jitter, capped at 10 s. */
export function backoffMs(attempt: number, baseMs: number, capMs = 10_000): number {
  return Math.round(Math.random() * Math.min(capMs, baseMs * 2 ** (attempt - 1)));
}

/** The class name of what was thrown (`TimeoutError`, `AbortError` ...), or '' if it has none. */
function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : '';
}
