import { EventEmitter } from 'node:events';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { EventCodec, wireOfDelivered } from '../codec/event.codec';
import type { BodyCipher } from '../crypto/envelope.cipher';
import { MessagingErrorCode, PoisonMessageError } from '../errors/messaging.error';
import type { EventDefinition } from '../events/event-definition';
import type { DeliveryTap } from '../journey/delivery-tap';
import { ATTRIBUTE } from '../topology/message-attributes';
import { DeliveryObserver } from './delivery.observer';
import {
  SqsDeliveryPolicy,
  type Delivery,
  type DeliveryPolicy,
  type DeliveryStage,
  type MessageOutcome,
} from './delivery.policy';
import { SqsPoller, SqsStatus } from './sqs.poller';
import { SqsContext } from './sqs.context';
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
    this.poller = new SqsPoller(
      { ...options, logger: this.logger },
      {
        consume: (message, lease) => this.consume(message, lease),
        status: (status) => this._status$.next(status),
        // An 'error' event with no listener would throw: report it only to those who listen.
        error: (error) => this.emitter.listenerCount('error') > 0 && this.emitter.emit('error', error),
        released: (message) =>
          this.observer.released(
            message.MessageAttributes?.[ATTRIBUTE.eventId]?.StringValue,
            message.MessageId,
          ),
      },
    );
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

  /** Handlers running right now. */
  get inFlightCount(): number {
    return this.poller.inFlightCount;
  }

  /** Decrypt, validate, handle, then ack / retry / dead-letter. Never throws. */
  private async consume(message: Message, lease: Lease): Promise<void> {
    const wire = wireOfDelivered(message.Body, message.MessageAttributes);
    const messageId = message.MessageId ?? '';
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
    let delivery: Delivery = {
      message,
      messageId,
      receiveCount,
      eventId: wire.attributes[ATTRIBUTE.eventId],
    };
    let stage: DeliveryStage = 'open';
    this.observer.received(wire, delivery.eventId, messageId, receiveCount);
    try {
      const { definition, envelope } = await this.observer.opening(messageId, () => this.codec.open(wire));
      delivery = { ...delivery, pattern: definition.pattern };
      const handler = this.handlerFor(definition.pattern);
      if (!handler) {
        throw new PoisonMessageError(
          MessagingErrorCode.InvalidEvent,
          `No handler for ${definition.pattern} in this consumer.`,
        );
      }
      stage = 'handle';
      const context = new SqsContext([
        {
          messageId,
          eventId: envelope.id,
          pattern: definition.pattern,
          receiveCount,
          occurredAt: envelope.occurredAt,
          attributes: wire.attributes,
          queueUrl: this.options.queueUrl,
        },
      ]);
      const duplicate = await this.observer.handling(() => this.runHandler(handler, envelope.data, context));
      await lease.end();
      this.settled(await this.policy.ack(delivery), duplicate);
    } catch (error) {
      // Before the policy changes the message's visibility: a late beat would undo a retry delay.
      await lease.end();
      this.settled(await this.policy.reject(delivery, error, stage));
    }
  }

  /**
   * Runs a handler inside Nest's processing hooks, as Nest's own transports do: the start hook
   * wraps the handler (a trace span, a request scope), the end hook follows it.
   */
  private async runHandler(handler: MessageHandler, data: unknown, context: SqsContext): Promise<void> {
    const transportId = this.transportId!;
    if (this.onProcessingStartHook === this.defaultStartHook) {
      // Nest's default start hook runs the handler at once: the same, without its promise and closures.
      return this.invoke(handler, data, context, transportId);
    }
    // Handlers may fail with what is not an Error (Nest's filter gives `{ status, message }`).
    const failure = await new Promise<{ error: unknown } | undefined>((resolve) => {
      let called = false;
      const done = async () => {
        called = true;
        try {
          await this.invoke(handler, data, context, transportId);
          resolve(undefined);
        } catch (error) {
          resolve({ error });
        }
      };
      // A start hook that never runs the handler must not hold the message (and its slot) for
      // ever; once it has run it, the handler's outcome decides, whatever the hook does after.
      const notRun = () => {
        if (!called)
          resolve({ error: new Error('the processing start hook returned without running the handler') });
      };
      try {
        const started: unknown = this.onProcessingStartHook(transportId, context, done);
        if (started instanceof Promise) {
          started.then(notRun, (error: unknown) => {
            if (!called) resolve({ error });
          });
        } else {
          notRun();
        }
      } catch (error) {
        if (!called) resolve({ error });
      }
    });
    if (failure) throw failure.error;
  }

  /** The handler to its end (an observable to completion), then the end hook, whatever happened. */
  private async invoke(
    handler: MessageHandler,
    data: unknown,
    context: SqsContext,
    transportId: NonNullable<Server['transportId']>,
  ): Promise<void> {
    try {
      const result: unknown = await handler(data, context);
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    } finally {
      try {
        this.onProcessingEndHook?.(transportId, context);
      } catch {
        // The handler's outcome decides; an end hook that throws changes nothing.
      }
    }
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
