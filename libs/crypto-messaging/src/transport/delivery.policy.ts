import { DEAD_LETTER_REASON_ATTRIBUTE } from '../topology/message-attributes';
import {
  ChangeMessageVisibilityCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { Logger, type LoggerService } from '@nestjs/common';
import { MessagingError, PoisonMessageError } from '../errors/messaging.error';
import { DeadLetterException, isDeadLetterSignal, type DeadLetterSignal } from './dead-letter.exception';
import { DeleteBatcher } from './delete-batcher';

export { DEAD_LETTER_REASON_ATTRIBUTE };
/** SQS's longest visibility timeout (12 hours): the cap of a retry delay. */
const MAX_VISIBILITY_TIMEOUT_S = 43_200;

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

/** One received message and what is known of it so far. */
export interface Delivery {
  readonly message: Message;
  readonly messageId: string;
  readonly receiveCount: number;
  readonly eventId?: string;
  /** Known once the message was opened. */
  readonly pattern?: string;
}

/** Where a delivery failed: opening it (decrypt, verify) or in its handler. */
export type DeliveryStage = 'open' | 'handle';

/**
 * What the transport does with a message once its handler has run: the strategy behind
 * at-least-once. {@link SqsDeliveryPolicy} is the default; a custom one may, for example,
 * dead-letter sooner or retry on a schedule of its own.
 */
export interface DeliveryPolicy {
  /** The handler committed: remove the message for good. Throwing here means "retry". */
  ack(delivery: Delivery): Promise<MessageOutcome>;
  /** Opening or handling failed: retry it later, or dead-letter it. Never throws. */
  reject(delivery: Delivery, error: unknown, stage: DeliveryStage): Promise<MessageOutcome>;
  /** Finishes what is under way (pending deletes) when the transport closes. */
  drain(): Promise<void>;
}

/** Options of {@link SqsDeliveryPolicy}. */
export interface SqsDeliveryPolicyOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** Where messages that can never succeed go, with the reason as an attribute. */
  deadLetterQueueUrl: string;
  /** Delay before the first retry; doubles per receive. Default 2 s. */
  retryBaseDelayS?: number;
  /** Longest retry delay (at most 43,200 s, SQS's limit). Default 900 s. */
  retryMaxDelayS?: number;
  logger?: LoggerService;
}

/**
 * The default policy: ack deletes (batched), a retryable failure comes back after an exponential
 * backoff (a visibility change), a poison message is copied untouched to the dead-letter queue
 * with a reason code, then deleted.
 */
export class SqsDeliveryPolicy implements DeliveryPolicy {
  private readonly deleter: DeleteBatcher;
  private readonly logger: LoggerService;

  constructor(private readonly options: SqsDeliveryPolicyOptions) {
    this.deleter = new DeleteBatcher(options.sqs, options.queueUrl);
    this.logger = options.logger ?? new Logger(SqsDeliveryPolicy.name);
  }

  async ack(delivery: Delivery): Promise<MessageOutcome> {
    await this.deleter.delete(delivery.message.ReceiptHandle!);
    return { ...outcomeBase(delivery), outcome: 'acked' };
  }

  reject(delivery: Delivery, error: unknown, stage: DeliveryStage): Promise<MessageOutcome> {
    const code = codeOf(error);
    return isPoison(error) ? this.deadLetter(delivery, code) : this.retryLater(delivery, code, stage);
  }

  drain(): Promise<void> {
    return this.deleter.drain();
  }

  private async deadLetter(delivery: Delivery, code: string): Promise<MessageOutcome> {
    const { message } = delivery;
    try {
      await this.options.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.options.deadLetterQueueUrl,
          MessageBody: message.Body ?? '',
          MessageAttributes: {
            ...copiedAttributes(message.MessageAttributes),
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
        messageId: delivery.messageId,
        code,
        error: (error as Error).name,
      });
      return { ...outcomeBase(delivery), outcome: 'retry', code };
    }
    this.logger.warn({
      msg: 'dead-lettered',
      messageId: delivery.messageId,
      eventId: delivery.eventId,
      code,
    });
    return { ...outcomeBase(delivery), outcome: 'dead-lettered', code };
  }

  private async retryLater(delivery: Delivery, code: string, stage: DeliveryStage): Promise<MessageOutcome> {
    const delayS = retryDelayS(
      delivery.receiveCount,
      this.options.retryBaseDelayS ?? 2,
      this.options.retryMaxDelayS ?? 900,
    );
    this.logger.warn({
      msg: 'handler failed; retrying later',
      stage,
      messageId: delivery.messageId,
      eventId: delivery.eventId,
      code,
      retryInS: delayS,
    });
    await this.options.sqs
      .send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.options.queueUrl,
          ReceiptHandle: delivery.message.ReceiptHandle!,
          VisibilityTimeout: delayS,
        }),
      )
      .catch(() => undefined); // it comes back after the visibility timeout anyway
    return { ...outcomeBase(delivery), outcome: 'retry', code };
  }
}

/** The delay before the n-th receive's retry: `base * 2^(n-1)` seconds, capped. */
export function retryDelayS(receiveCount: number, baseS: number, maxS: number): number {
  const cap = Math.min(maxS, MAX_VISIBILITY_TIMEOUT_S);
  return Math.min(cap, Math.round(baseS * 2 ** Math.max(0, receiveCount - 1)));
}

/** Poison: our own checks before the handler, or a handler's {@link DeadLetterException}. */
export function isPoison(error: unknown): boolean {
  return (
    error instanceof PoisonMessageError || error instanceof DeadLetterException || isDeadLetterSignal(error)
  );
}

/** The reason code of a failure: an error code or name, never its message (it may hold PHI). */
export function codeOf(error: unknown): string {
  if (error instanceof MessagingError) return error.code;
  if (error instanceof DeadLetterException) return (error.getError() as DeadLetterSignal).code;
  if (isDeadLetterSignal(error)) return error.code;
  // Nest's exception filter turns any other handler error into { status, message }.
  if (typeof error === 'object' && error !== null && 'status' in error) return 'HANDLER_FAILED';
  if (error instanceof Error) return error.name;
  return 'UNKNOWN';
}

function outcomeBase(delivery: Delivery): Omit<MessageOutcome, 'outcome'> {
  return {
    messageId: delivery.messageId,
    receiveCount: delivery.receiveCount,
    eventId: delivery.eventId,
    pattern: delivery.pattern,
  };
}

function copiedAttributes(attributes: Message['MessageAttributes']): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    out[name] = { DataType: value.DataType, StringValue: value.StringValue, BinaryValue: value.BinaryValue };
  }
  return out;
}
