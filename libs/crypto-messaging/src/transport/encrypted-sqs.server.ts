import { EventEmitter } from 'node:events';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { EventCodec, wireOfDelivered } from '../codec/event.codec';
import type { BodyCipher } from '../crypto/envelope.cipher';
import { MessagingErrorCode, PoisonMessageError } from '../errors/messaging.error';
import type { EventDefinition } from '../events/event-definition';
import type { DeliveryTap } from '../journey/delivery-tap';
import { ATTRIBUTE } from '../topology/message-attributes';
import { failuresOf, isBatchHandler, SqsBatchContext, type BatchFailures } from './batch-handler';
import { DeliveryObserver } from './delivery.observer';
import {
  SqsDeliveryPolicy,
  type Delivery,
  type DeliveryPolicy,
  type DeliveryStage,
  type MessageOutcome,
} from './delivery.policy';
import { runInHooks, type ProcessingHooks } from './processing-hooks';
import { SqsPoller, SqsStatus, type PollerListener } from './sqs.poller';
import { SqsContext, type SqsDeliveryInfo } from './sqs.context';
import type { Lease } from './visibility.heartbeat';

// Moved to the parts they belong to; still importable from here.
export { DEAD_LETTER_REASON_ATTRIBUTE, type MessageOutcome } from './delivery.policy';
export { SqsStatus } from './sqs.poller';

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
  /** Long polls at once, sharing the slots (the poller's `receivers`). Default: one per 10 slots. */
  receivers?: number;
  /**
   * Batching window, per receive loop (the poller's `batchWindowMs`): after a receive that
   * brought at least five messages but fewer than it asked for, the next receive waits this long.
   * Default 0 (off).
   */
  batchWindowMs?: number;
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
  /** What to do with a message after its handler: default {@link SqsDeliveryPolicy}. */
  deliveryPolicy?: DeliveryPolicy;
  /** Where to report each message's hops (received, decrypted, handled ...). Default: none. */
  tap?: DeliveryTap;
  /** The consuming app and queue name, for the tap's observations. */
  app?: string;
  queueName?: string;
}

/** Whether the transport polls its queue ({@link EncryptedSqsServer.pause}). */
export type TransportState = 'running' | 'paused';

/** The transport id handlers may name: `@EventPattern(pattern, ENCRYPTED_SQS_TRANSPORT)`. */
export const ENCRYPTED_SQS_TRANSPORT = Symbol('ENCRYPTED_SQS_TRANSPORT');

/** A message opened and its handler found: what handling it needs. */
interface Opened {
  readonly delivery: Delivery;
  readonly lease: Lease;
  readonly handler: MessageHandler;
  readonly data: unknown;
  readonly info: SqsDeliveryInfo;
}

type ServerEvents = { outcome: (outcome: MessageOutcome) => void; error: (error: Error) => void };

/**
 * A NestJS transport that consumes an encrypted SQS queue: `@EventPattern('order.placed.v1')`
 * handlers, with pipes, guards and interceptors, see only decrypted, schema-valid events.
 *
 * It composes three parts: an {@link SqsPoller} (slots, long polls, heartbeat, pause, drain), the
 * {@link EventCodec} (decrypt and verify) and a {@link DeliveryPolicy} (ack, retry, dead-letter).
 * Handlers run inside Nest's processing hooks, and `status` says whether the queue answers.
 * At-least-once: a message is deleted only after its handler succeeded; `close()` drains.
 */
export class EncryptedSqsServer extends Server<ServerEvents, SqsStatus> implements CustomTransportStrategy {
  protected override readonly logger = new Logger(EncryptedSqsServer.name);

  private readonly emitter = new EventEmitter();
  private readonly codec: EventCodec;
  private readonly poller: SqsPoller;
  private readonly policy: DeliveryPolicy;
  private readonly observer: DeliveryObserver;
  private readonly listener: PollerListener;
  private cachedHooks?: ProcessingHooks;
  /** Nest's own start hook (it only runs the handler), to know when none other was set. */
  private readonly defaultStartHook: Server['onProcessingStartHook'];

  constructor(private readonly options: EncryptedSqsServerOptions) {
    super();
    this.transportId = ENCRYPTED_SQS_TRANSPORT;
    this.defaultStartHook = this.onProcessingStartHook;
    this.codec = new EventCodec({
      topicName: options.topicName,
      cipher: options.cipher,
      events: options.events,
    });
    this.policy = options.deliveryPolicy ?? new SqsDeliveryPolicy({ ...options, logger: this.logger });
    this.observer = new DeliveryObserver(options.tap, options.app, options.queueName);
    this.listener = {
      consume: (message, lease) => this.consume(message, lease),
      status: (status) => this._status$.next(status),
      // An 'error' event with no listener would throw: report it only to those who listen.
      error: (error) => this.emitter.listenerCount('error') > 0 && this.emitter.emit('error', error),
      released: (message) =>
        this.observer.released(
          message.MessageAttributes?.[ATTRIBUTE.eventId]?.StringValue,
          message.MessageId,
        ),
    };
    this.poller = new SqsPoller({ ...options, logger: this.logger }, this.listener);
  }

  /** Starts polling. */
  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    for (const { pattern } of this.codec.events) {
      if (!this.handlerFor(pattern)) {
        this.logger.warn({
          msg: 'no handler for a declared event; such messages will be dead-lettered',
          pattern,
        });
      }
    }
    // Groups go whole to the server only when a handler takes batches: per-message handlers
    // alone keep their per-message slots (a slow one holds no other message's slot).
    if ([...this.messageHandlers.values()].some(isBatchHandler)) {
      this.listener.consumeBatch = (messages, leases) => this.consumeBatch(messages, leases);
    }
    this.poller.start();
    callback();
  }

  /** Stops polling, lets in-flight handlers finish, flushes deletes. Nothing is lost. */
  async close(): Promise<void> {
    await this.poller.close();
    await this.policy.drain();
    this._status$.next(SqsStatus.CLOSED);
  }

  on<K extends keyof ServerEvents>(event: K, callback: ServerEvents[K]): this {
    this.emitter.on(event, callback);
    return this;
  }

  unwrap<T>(): T {
    return this.options.sqs as T;
  }

  /** Stops taking messages; handlers under way finish ({@link SqsPoller.pause}). */
  pause(): void {
    this.poller.pause();
  }

  /** Starts taking messages again after {@link pause}. */
  resume(): void {
    this.poller.resume();
  }

  get state(): TransportState {
    return this.poller.isPaused ? 'paused' : 'running';
  }

  /** Messages in hand: received and not yet settled (acked, retried or dead-lettered). */
  get inFlightCount(): number {
    return this.poller.inFlightCount;
  }

  /** Decrypt, validate, handle, then ack / retry / dead-letter. Never throws. */
  private async consume(message: Message, lease: Lease): Promise<void> {
    const opened = await this.open(message, lease);
    if (opened) await this.handleOne(opened);
  }

  /**
   * A received group: every message opened (one that fails to open is rejected on its own),
   * then one call per batch handler with its events, and per-message handlers as usual.
   */
  private async consumeBatch(messages: Message[], leases: Lease[]): Promise<void> {
    const opened = await Promise.all(messages.map((message, i) => this.open(message, leases[i])));
    const batches = new Map<MessageHandler, Opened[]>();
    const runs: Promise<void>[] = [];
    for (const item of opened) {
      if (!item) continue;
      if (!isBatchHandler(item.handler)) runs.push(this.handleOne(item));
      else if (batches.has(item.handler)) batches.get(item.handler)!.push(item);
      else batches.set(item.handler, [item]);
    }
    for (const [handler, items] of batches) runs.push(this.handleBatch(handler, items));
    await Promise.all(runs);
  }

  /** Decrypts, verifies and validates a message, and finds its handler; rejects it if it cannot. */
  private async open(message: Message, lease: Lease): Promise<Opened | undefined> {
    const wire = wireOfDelivered(message.Body, message.MessageAttributes);
    const messageId = message.MessageId ?? '';
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
    const eventId = wire.attributes[ATTRIBUTE.eventId];
    this.observer.received(wire, eventId, messageId, receiveCount);
    try {
      const { definition, envelope } = await this.observer.opening(this.codec, wire, messageId);
      const { pattern } = definition;
      const handler = this.handlerFor(pattern);
      if (!handler) {
        throw new PoisonMessageError(
          MessagingErrorCode.InvalidEvent,
          `No handler for ${pattern} in this consumer.`,
        );
      }
      return {
        delivery: { message, messageId, receiveCount, eventId, pattern },
        lease,
        handler,
        data: envelope.data,
        info: {
          messageId,
          eventId: envelope.id,
          pattern,
          receiveCount,
          occurredAt: envelope.occurredAt,
          attributes: wire.attributes,
          queueUrl: this.options.queueUrl,
        },
      };
    } catch (error) {
      await this.rejected({ message, messageId, receiveCount, eventId }, lease, error, 'open');
      return undefined;
    }
  }

  private async handleOne(item: Opened): Promise<void> {
    let duplicate: boolean;
    try {
      const context = new SqsContext([item.info]);
      duplicate = await this.observer.handling(() =>
        runInHooks(this.hooks(), item.handler, item.data, context),
      );
    } catch (error) {
      return this.rejected(item.delivery, item.lease, error, 'handle');
    }
    return this.acked(item, duplicate);
  }

  /** One call for the batch, inside the hooks; then each event acked or rejected on its own. */
  private async handleBatch(handler: MessageHandler, items: Opened[]): Promise<void> {
    let failures: BatchFailures | undefined;
    let duplicates: ReadonlySet<string>;
    try {
      const context = new SqsBatchContext([items.map((item) => item.info)]);
      const payloads = items.map((item) => item.data);
      const ran = await this.observer.handlingBatch(() =>
        runInHooks(this.hooks(), handler, payloads, context),
      );
      failures = failuresOf(ran.result);
      duplicates = ran.duplicateIds;
    } catch (error) {
      await Promise.all(items.map((item) => this.rejected(item.delivery, item.lease, error, 'handle')));
      return;
    }
    await Promise.all(
      items.map((item) => {
        const { eventId } = item.info;
        return failures?.has(eventId)
          ? this.rejected(item.delivery, item.lease, failures.get(eventId), 'handle')
          : this.acked(item, duplicates.has(eventId));
      }),
    );
  }

  private async acked(item: Opened, duplicate: boolean): Promise<void> {
    await item.lease.end();
    let outcome: MessageOutcome;
    try {
      outcome = await this.policy.ack(item.delivery);
    } catch (error) {
      // The policy could not remove it ("retry"): it comes back, and idempotency absorbs it.
      return this.rejected(item.delivery, item.lease, error, 'handle');
    }
    this.settled(outcome, duplicate);
  }

  private async rejected(
    delivery: Delivery,
    lease: Lease,
    error: unknown,
    stage: DeliveryStage,
  ): Promise<void> {
    // Before the policy changes the message's visibility: a late beat would undo a retry delay.
    await lease.end();
    this.settled(await this.policy.reject(delivery, error, stage));
  }

  /** The server's processing hooks, rebuilt only when one was set anew. */
  private hooks(): ProcessingHooks {
    const start =
      this.onProcessingStartHook === this.defaultStartHook ? undefined : this.onProcessingStartHook;
    const cached = this.cachedHooks;
    if (cached && cached.start === start && cached.end === this.onProcessingEndHook) return cached;
    return (this.cachedHooks = { transportId: this.transportId!, start, end: this.onProcessingEndHook });
  }

  /**
   * The handler for one of our patterns. Nest's `getHandlerByPattern` first tries
   * `JSON.parse(pattern)`, which throws (and builds a stack trace) for every `type.vN` pattern,
   * once per message; such a pattern is its own route, so the map is read directly.
   */
  private handlerFor(pattern: string): MessageHandler | undefined {
    return this.messageHandlers.get(pattern);
  }

  private settled(outcome: MessageOutcome, duplicate = false): void {
    this.emitter.emit('outcome', outcome);
    this.observer.settled(outcome, duplicate);
  }
}
