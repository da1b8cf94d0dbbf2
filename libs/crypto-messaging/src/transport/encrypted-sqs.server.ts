import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { BodyCipher } from '../crypto/envelope.cipher';
import { MessagingError, MessagingErrorCode, PoisonMessageError } from '../errors/messaging.error';
import { contextFor } from '../events/encryption-context';
import { EventRegistry, type EventDefinition, type EventEnvelope } from '../events/event-definition';
import {
  ciphertextHead,
  inDeliveryScope,
  type DeliveryTap,
  type HopObservation,
  type KeyOperation,
} from '../journey/delivery-tap';
import { keyOperationsDuring } from '../keys/key-use.monitor';
import { ATTRIBUTE } from '../topology/message-attributes';
import { DeadLetterException, isDeadLetterSignal, type DeadLetterSignal } from './dead-letter.exception';
import { DeleteBatcher } from './delete-batcher';
import { SqsContext, type SqsDeliveryInfo } from './sqs.context';

/** Options of {@link EncryptedSqsServer}. */
export interface EncryptedSqsServerOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** Where messages that can never succeed go, with the reason as an attribute. */
  deadLetterQueueUrl: string;
  /** Topic name: part of the expected encryption context. */
  topicName: string;
  cipher: BodyCipher;
  /** The events this consumer understands (schema-validated before any handler runs). */
  events: readonly EventDefinition[];
  /** Handlers running at once. Not capped at SQS's 10 per receive. Default 10. */
  concurrency?: number;
  /** Long-poll wait. Default 20 s. */
  waitTimeS?: number;
  /** Visibility timeout; a heartbeat extends it while a handler runs. Default 30 s. */
  visibilityTimeoutS?: number;
  /** Delay before the first retry of a failed handler; doubles per receive. Default 2 s. */
  retryBaseDelayS?: number;
  /** Longest retry delay. Default 900 s. */
  retryMaxDelayS?: number;
  /** How long close() lets long polls under way return before aborting them. Default 2,000 ms. */
  closeGraceMs?: number;
  /** Where to report each message's hops (received, decrypted, handled ...). Default: none. */
  tap?: DeliveryTap;
  /** The consuming app and queue name, for the tap's observations. */
  app?: string;
  queueName?: string;
}

/** Whether the transport polls its queue ({@link EncryptedSqsServer.pause}). */
export type TransportState = 'running' | 'paused';

/** What happened to one message; emitted as `outcome` for spies and metrics. */
export interface MessageOutcome {
  readonly outcome: 'acked' | 'retry' | 'dead-lettered';
  readonly messageId: string;
  readonly eventId?: string;
  readonly pattern?: string;
  readonly receiveCount: number;
  /** Error code for retry and dead-letter outcomes. */
  readonly code?: string;
}

type ServerEvents = { outcome: (outcome: MessageOutcome) => void; error: (error: Error) => void };

const MAX_RECEIVE_BATCH = 10;
const DEFAULT_CLOSE_GRACE_MS = 2_000;
const POLL_ERROR_BACKOFF_MS = 1000;
/** A broker or network fault is retried at most this far apart, for as long as it lasts. */
const POLL_ERROR_BACKOFF_MAX_MS = 10_000;
/** Attribute set on dead-lettered copies: an error code, never a message. */
export const DEAD_LETTER_REASON_ATTRIBUTE = 'dead-letter-reason';

/**
 * A NestJS transport that consumes an encrypted SQS queue: `@EventPattern('patient-record.created.v1')`
 * handlers, with pipes, guards and interceptors, see only decrypted, schema-valid events.
 *
 * At-least-once: a message is deleted only after its handler succeeded; a failed handler is
 * retried later with backoff; a message that can never succeed goes to the dead-letter queue
 * without running the handler; `close()` drains in-flight handlers before it resolves.
 */
export class EncryptedSqsServer extends Server<ServerEvents> implements CustomTransportStrategy {
  protected override readonly logger = new Logger(EncryptedSqsServer.name);

  private readonly emitter = new EventEmitter();
  private readonly registry: EventRegistry;
  private readonly deleter: DeleteBatcher;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private pollers: Promise<void>[] = [];
  private freeSlots: number;
  private slotWaiters: Array<() => void> = [];
  private closing = false;
  private paused = false;
  private resumeWaiters: Array<() => void> = [];
  private readonly concurrency: number;
  private readonly waitTimeS: number;
  private readonly visibilityTimeoutS: number;

  constructor(private readonly options: EncryptedSqsServerOptions) {
    super();
    this.registry = new EventRegistry(options.events);
    this.deleter = new DeleteBatcher(options.sqs, options.queueUrl);
    this.concurrency = options.concurrency ?? 10;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new TypeError(`concurrency must be a positive integer, got ${this.concurrency}`);
    }
    this.freeSlots = this.concurrency;
    this.waitTimeS = options.waitTimeS ?? 20;
    this.visibilityTimeoutS = options.visibilityTimeoutS ?? 30;
  }

  /** Starts the long-poll loops: enough of them to keep `concurrency` handlers busy. */
  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    for (const { pattern } of this.registry.all()) {
      if (!this.getHandlerByPattern(pattern)) {
        this.logger.warn({
          msg: 'no handler for a declared event; such messages will be dead-lettered',
          pattern,
        });
      }
    }
    const loops = Math.ceil(this.concurrency / MAX_RECEIVE_BATCH);
    this.pollers = Array.from({ length: loops }, () => this.pollLoop());
    callback();
  }

  /**
   * Stops polling, lets in-flight handlers finish, flushes deletes. Nothing is lost. Long polls
   * under way get `closeGraceMs` to return; then they are aborted, and any message an aborted
   * poll had taken reappears after its visibility timeout (delayed, never lost).
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.slotWaiters.splice(0).forEach((wake) => wake());
    this.resumeWaiters.splice(0).forEach((wake) => wake());
    const polled = Promise.all(this.pollers);
    const graceMs = this.options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
    const inTime = await Promise.race([polled.then(() => true), sleep(graceMs).then(() => false)]);
    if (!inTime) this.abort.abort();
    await polled;
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    await this.deleter.drain();
  }

  on<K extends keyof ServerEvents>(event: K, callback: ServerEvents[K]): this {
    this.emitter.on(event, callback);
    return this;
  }

  unwrap<T>(): T {
    return this.options.sqs as T;
  }

  /**
   * Stops taking messages: handlers under way finish, new messages wait in the queue. A long
   * poll under way may still return messages; they are made visible again at once, unhandled
   * (each such return counts as one receive towards the redrive policy).
   */
  pause(): void {
    this.paused = true;
  }

  /** Starts taking messages again after {@link pause}. */
  resume(): void {
    this.paused = false;
    this.resumeWaiters.splice(0).forEach((wake) => wake());
  }

  get state(): TransportState {
    return this.paused ? 'paused' : 'running';
  }

  /** Handlers running right now. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  private async pollLoop(): Promise<void> {
    let errorBackoffMs = POLL_ERROR_BACKOFF_MS;
    while (!this.closing) {
      while (this.paused && !this.closing) {
        await new Promise<void>((resolve) => this.resumeWaiters.push(resolve));
      }
      const reserved = await this.reserveSlots();
      if (this.closing) {
        this.releaseSlots(reserved);
        break;
      }
      let messages: Message[];
      try {
        const out = await this.options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.options.queueUrl,
            MaxNumberOfMessages: reserved,
            WaitTimeSeconds: this.waitTimeS,
            VisibilityTimeout: this.visibilityTimeoutS,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
          // Aborted only after close()'s grace period: a long poll aborted mid-flight can
          // still take messages off the queue, hiding them for one visibility timeout.
          { abortSignal: this.abort.signal },
        );
        messages = out.Messages ?? [];
        errorBackoffMs = POLL_ERROR_BACKOFF_MS;
      } catch (error) {
        this.releaseSlots(reserved);
        if (this.closing) break;
        this.logger.error({
          msg: 'receive failed; retrying',
          queueUrl: this.options.queueUrl,
          error: (error as Error).name,
          retryInMs: errorBackoffMs,
        });
        // An 'error' event with no listener would throw here and end this loop (and, unhandled,
        // the process): report it only to those who listen, and keep polling.
        if (this.emitter.listenerCount('error') > 0) this.emitter.emit('error', error);
        await sleep(errorBackoffMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
        errorBackoffMs = Math.min(errorBackoffMs * 2, POLL_ERROR_BACKOFF_MAX_MS);
        continue;
      }
      this.releaseSlots(reserved - messages.length);
      if (this.paused) {
        await this.release(messages);
        this.releaseSlots(messages.length);
        continue;
      }
      for (const message of messages) {
        const done: Promise<void> = this.process(message).finally(() => {
          this.inFlight.delete(done);
          this.releaseSlots(1);
        });
        this.inFlight.add(done);
      }
    }
  }

  private async reserveSlots(): Promise<number> {
    while (this.freeSlots === 0 && !this.closing) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    const n = Math.min(this.freeSlots, MAX_RECEIVE_BATCH);
    this.freeSlots -= n;
    return n;
  }

  private releaseSlots(n: number): void {
    if (n <= 0) return;
    this.freeSlots += n;
    this.slotWaiters.splice(0).forEach((wake) => wake());
  }

  /** Puts messages received while pausing back on the queue, visible at once. */
  private async release(messages: Message[]): Promise<void> {
    await Promise.all(
      messages.map(async (message) => {
        await this.options.sqs
          .send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: this.options.queueUrl,
              ReceiptHandle: message.ReceiptHandle!,
              VisibilityTimeout: 0,
            }),
          )
          .catch(() => undefined); // visible again after the visibility timeout anyway
        const eventId = message.MessageAttributes?.[ATTRIBUTE.eventId]?.StringValue;
        if (eventId) this.observe({ eventId, hop: 'released', messageId: message.MessageId });
      }),
    );
  }

  /** Reports a hop to the tap, if there is one. */
  private observe(observation: Omit<HopObservation, 'at' | 'app' | 'queue'>): void {
    if (!this.options.tap) return;
    try {
      this.options.tap.observe({
        ...observation,
        at: new Date().toISOString(),
        app: this.options.app ?? 'consumer',
        queue: this.options.queueName,
      });
    } catch {
      // Observing must never change what happens to a message.
    }
  }

  /** Decrypt, validate, handle, then ack / retry / dead-letter. Never throws. */
  private async process(message: Message): Promise<void> {
    const attributes = plainAttributes(message.MessageAttributes);
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
    const base = { messageId: message.MessageId ?? '', receiveCount, eventId: attributes[ATTRIBUTE.eventId] };
    let stage: 'open' | 'handle' = 'open';
    let info: SqsDeliveryInfo | undefined;
    const heartbeat = this.startHeartbeat(message);
    const tapped = this.options.tap !== undefined;
    if (tapped && base.eventId) {
      this.observe({
        eventId: base.eventId,
        hop: 'received',
        messageId: base.messageId,
        receiveCount,
        ciphertext: ciphertextHead(Buffer.from(message.Body ?? '', 'base64')),
        attributes,
      });
    }
    try {
      let opened: { definition: EventDefinition; envelope: EventEnvelope };
      if (tapped) {
        const { result, operations } = await keyOperationsDuring(() => this.open(message, attributes));
        opened = result;
        const keyOp: KeyOperation = operations.includes('Decrypt')
          ? 'data-key-decrypted'
          : 'data-key-cache-hit';
        this.observe({ eventId: result.envelope.id, hop: 'decrypted', messageId: base.messageId, keyOp });
      } else {
        opened = await this.open(message, attributes);
      }
      const { definition, envelope } = opened;
      info = {
        messageId: base.messageId,
        eventId: envelope.id,
        pattern: definition.pattern,
        receiveCount,
        occurredAt: envelope.occurredAt,
        attributes,
        queueUrl: this.options.queueUrl,
      };
      const handler = this.getHandlerByPattern(definition.pattern);
      if (!handler) {
        throw new PoisonMessageError(
          MessagingErrorCode.InvalidEvent,
          `No handler for ${definition.pattern} in this consumer.`,
        );
      }
      stage = 'handle';
      const context = new SqsContext([info]);
      const run = async () => {
        const result: unknown = await handler(envelope.data, context);
        if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      };
      const duplicate = tapped ? (await inDeliveryScope(run)).duplicate : (await run(), false);
      clearInterval(heartbeat);
      await this.deleter.delete(message.ReceiptHandle!);
      this.report({ ...base, outcome: 'acked', pattern: info.pattern });
      this.observe({
        eventId: info.eventId,
        hop: duplicate ? 'duplicate' : 'handled',
        messageId: base.messageId,
      });
    } catch (error) {
      // Before the message's visibility is changed below: a late beat would undo a retry delay.
      clearInterval(heartbeat);
      const pattern = info?.pattern;
      if (isPoison(error)) {
        await this.deadLetter(message, codeOf(error), { ...base, pattern });
      } else {
        await this.retryLater(message, error, { ...base, pattern }, stage);
      }
    }
  }

  /** Decrypts and validates. Throws {@link PoisonMessageError} for what can never succeed. */
  private async open(
    message: Message,
    attributes: Record<string, string>,
  ): Promise<{ definition: EventDefinition; envelope: EventEnvelope }> {
    const type = attributes[ATTRIBUTE.eventType];
    const version = attributes[ATTRIBUTE.schemaVersion];
    const definition = type && version ? this.registry.find(type, version) : undefined;
    if (!definition) {
      throw new PoisonMessageError(
        MessagingErrorCode.InvalidEvent,
        'Unknown or missing event-type / schema-version attributes.',
      );
    }
    const plaintext = await this.options.cipher.decrypt(
      Buffer.from(message.Body ?? '', 'base64'),
      contextFor(this.options.topicName, definition),
    );
    let parsed: unknown;
    try {
      parsed = JSON.parse(plaintext.toString('utf8'));
    } catch {
      throw new PoisonMessageError(MessagingErrorCode.InvalidEvent, 'Decrypted body is not JSON.');
    }
    // JSON that is not an object (`null`, a number, a list) once threw a TypeError below, which
    // counts as "retry later": a message that can never succeed was retried until redrive.
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new PoisonMessageError(
        MessagingErrorCode.InvalidEvent,
        'Decrypted body is not an event envelope.',
      );
    }
    const envelope = parsed as EventEnvelope;
    if (
      envelope.id !== attributes[ATTRIBUTE.eventId] ||
      envelope.type !== type ||
      String(envelope.version) !== version
    ) {
      throw new PoisonMessageError(
        MessagingErrorCode.ContextMismatch,
        'The event-id, event-type or schema-version attribute differs from the encrypted envelope.',
      );
    }
    return { definition, envelope: { ...envelope, data: this.registry.validate(definition, envelope.data) } };
  }

  /** Keeps the message invisible while a long handler runs. */
  private startHeartbeat(message: Message): NodeJS.Timeout {
    const timer = setInterval(
      () => {
        this.options.sqs
          .send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: this.options.queueUrl,
              ReceiptHandle: message.ReceiptHandle!,
              VisibilityTimeout: this.visibilityTimeoutS,
            }),
          )
          .catch((error: Error) =>
            this.logger.warn({
              msg: 'visibility heartbeat failed',
              messageId: message.MessageId,
              error: error.name,
            }),
          );
      },
      (this.visibilityTimeoutS * 1000) / 2,
    );
    timer.unref();
    return timer;
  }

  /** Copies the message, untouched, to the dead-letter queue with a reason, then deletes it. */
  private async deadLetter(
    message: Message,
    code: string,
    base: Omit<MessageOutcome, 'outcome'>,
  ): Promise<void> {
    try {
      await this.options.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.options.deadLetterQueueUrl,
          MessageBody: message.Body ?? '',
          MessageAttributes: {
            ...sqsAttributes(message.MessageAttributes),
            [DEAD_LETTER_REASON_ATTRIBUTE]: { DataType: 'String', StringValue: code },
          },
        }),
      );
      await this.deleter.delete(message.ReceiptHandle!);
    } catch (error) {
      // Not copied, or copied but not deleted: SQS redelivers, and its redrive policy still
      // moves it to the dead-letter queue after maxReceiveCount. Nothing is lost.
      this.logger.error({
        msg: 'dead-lettering failed; the message will be redelivered',
        messageId: base.messageId,
        code,
        error: (error as Error).name,
      });
      this.report({ ...base, outcome: 'retry', code });
      return;
    }
    this.logger.warn({ msg: 'dead-lettered', messageId: base.messageId, eventId: base.eventId, code });
    this.report({ ...base, outcome: 'dead-lettered', code });
    if (base.eventId) {
      this.observe({ eventId: base.eventId, hop: 'dead-lettered', messageId: base.messageId, reason: code });
    }
  }

  /** Leaves the message on the queue, visible again after an exponential backoff. */
  private async retryLater(
    message: Message,
    error: unknown,
    base: Omit<MessageOutcome, 'outcome'>,
    stage: 'open' | 'handle',
  ): Promise<void> {
    const firstS = this.options.retryBaseDelayS ?? 2;
    const maxS = Math.min(this.options.retryMaxDelayS ?? 900, 43_200);
    const delayS = Math.min(maxS, Math.round(firstS * 2 ** Math.max(0, base.receiveCount - 1)));
    const code = codeOf(error);
    this.logger.warn({
      msg: 'handler failed; retrying later',
      stage,
      messageId: base.messageId,
      eventId: base.eventId,
      code,
      retryInS: delayS,
    });
    await this.options.sqs
      .send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.options.queueUrl,
          ReceiptHandle: message.ReceiptHandle!,
          VisibilityTimeout: delayS,
        }),
      )
      .catch(() => undefined); // it comes back after the visibility timeout anyway
    this.report({ ...base, outcome: 'retry', code });
    if (base.eventId) {
      this.observe({
        eventId: base.eventId,
        hop: 'failed',
        messageId: base.messageId,
        receiveCount: base.receiveCount,
        reason: code,
      });
    }
  }

  private report(outcome: MessageOutcome): void {
    this.emitter.emit('outcome', outcome);
  }
}

/** Poison: our own checks before the handler, or a handler's {@link DeadLetterException}. */
function isPoison(error: unknown): boolean {
  return (
    error instanceof PoisonMessageError || error instanceof DeadLetterException || isDeadLetterSignal(error)
  );
}

function codeOf(error: unknown): string {
  if (error instanceof MessagingError) return error.code;
  if (error instanceof DeadLetterException) return (error.getError() as DeadLetterSignal).code;
  if (isDeadLetterSignal(error)) return error.code;
  // Nest's exception filter turns any other handler error into { status, message }.
  if (typeof error === 'object' && error !== null && 'status' in error) return 'HANDLER_FAILED';
  if (error instanceof Error) return error.name;
  return 'UNKNOWN';
}

function plainAttributes(attributes: Message['MessageAttributes']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value.StringValue !== undefined) out[name] = value.StringValue;
  }
  return out;
}

function sqsAttributes(attributes: Message['MessageAttributes']): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    out[name] = { DataType: value.DataType, StringValue: value.StringValue, BinaryValue: value.BinaryValue };
  }
  return out;
}
