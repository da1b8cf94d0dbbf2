import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { Logger } from '@nestjs/common';
import { SQS_MAX_WAIT_TIME_S } from '../config/aws-clients';
import { wholeNumberIn } from '../config/option-range';
import type { BodyCipher } from '../crypto/envelope.cipher';
import { MessagingError } from '../errors/messaging.error';
import { contextFor } from '../events/encryption-context';
import type { EventEnvelope } from '../events/event-definition';
import type { MessagingRuntime } from '../messaging.runtime';
import { isAwsError } from '../plan/aws-errors';
import { ATTRIBUTE } from '../topology/message-attributes';
import type { MessagingTopology, QueueDeclaration } from '../topology/topology.types';
import { DEAD_LETTER_REASON_ATTRIBUTE } from '../transport/encrypted-sqs.server';
import { DeadLetterError, DeadLetterErrorCode } from './dead-letter.error';

/** The reason of a message SQS's redrive policy moved (it carries no `dead-letter-reason`). */
export const MAX_RECEIVES_REASON = 'MAX_RECEIVES';

/**
 * One dead-lettered message, from its plaintext attributes and SQS's system attributes only:
 * the body stays encrypted and unread, so nothing here is PHI.
 */
export interface DeadLetterSummary {
  /** The consumer whose queue it failed on (`billing`). */
  readonly consumer: string;
  /** The dead-letter queue it sits in. */
  readonly queue: string;
  /** The queue a redrive sends it back to. */
  readonly sourceQueue: string;
  readonly messageId: string;
  /** `null` when the attribute is missing or does not look like an id. */
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly schemaVersion: string | null;
  /** The transport's error code (`DECRYPT_FAILED`, a handler's own code), or `MAX_RECEIVES`. */
  readonly reason: string;
  /**
   * When it was sent to the queue: the dead-letter queue for a copy the transport made; the
   * source queue for a message SQS's redrive moved (SQS keeps the original timestamp).
   */
  readonly sentAt: string | null;
  /** SQS's first receive of this message (for `MAX_RECEIVES`, the consumer's first delivery). */
  readonly firstReceivedAt: string | null;
  /**
   * The latest receive: SQS records no other than the first, so this is the inspection that
   * produced this summary. Inspections count as receives (a dead-letter queue has no redrive
   * policy, so counting them never moves or drops anything).
   */
  readonly lastReceivedAt: string;
  /** SQS's receive count, inspections included. */
  readonly receiveCount: number;
  /** Size of the encrypted body. */
  readonly bodyBytes: number;
}

/** What {@link DeadLetterQueues.list} found. */
export interface DeadLetterListing {
  readonly messages: DeadLetterSummary[];
  /** Queues where more messages remained than `maxMessages` allowed to inspect. */
  readonly truncated: string[];
}

/** {@link DeadLetterQueues.show}: the summary, and with `decrypt` the event or why it failed. */
export interface DeadLetterDetail {
  readonly summary: DeadLetterSummary;
  /** The decrypted event (PHI): only with `decrypt: true`, and audited. */
  readonly event?: EventEnvelope;
  /** Error code when decryption was asked for and failed (the body stays unread). */
  readonly decryptError?: string;
  /** False when the envelope's id, type or version differ from the plaintext attributes. */
  readonly attributesMatch?: boolean;
}

/** One queue's redrive. */
export interface RedriveReport {
  readonly consumer: string;
  readonly queue: string;
  readonly sourceQueue: string;
  /** `move-task`: SQS's StartMessageMoveTask; `copy`: send to the source, then delete. */
  readonly method: 'move-task' | 'copy';
  /** Sent to the source queue and deleted from the dead-letter queue. */
  readonly moved: number;
  /**
   * Sent to the source queue, but the delete from the dead-letter queue failed: the message is
   * in both (the consumer's idempotency absorbs the second copy). Never lost.
   */
  readonly sentNotDeleted: number;
  /** Not sent (the send failed): still in the dead-letter queue, untouched. */
  readonly failed: number;
  /** `move-task` only: the task was still running when we stopped waiting for it. */
  readonly stillRunning?: boolean;
}

/** {@link DeadLetterQueues.redrive}'s answer. */
export interface RedriveResult {
  readonly queues: RedriveReport[];
  /** Requested ids that no dead-letter queue held. */
  readonly notFound: string[];
}

/** One queue's purge. */
export interface PurgeReport {
  readonly consumer: string;
  readonly queue: string;
  /** SQS's approximate count just before the purge (visible plus in flight). */
  readonly approximateMessages: number;
}

/**
 * The audit record of one decryption of a dead-lettered body: who, which event, which queue,
 * when, and whether it worked. Never the content.
 */
export interface DeadLetterAccessAudit {
  readonly action: 'dead-letter.decrypt';
  /** The person who asked (the caller decides who that is: a signed-in user, the OS user). */
  readonly actor: string;
  readonly eventId: string | null;
  readonly messageId: string;
  readonly queue: string;
  readonly at: string;
  readonly outcome: 'ok' | 'error';
  /** Error code when it failed. */
  readonly error?: string;
}

/** Options of {@link DeadLetterQueues}. */
export interface DeadLetterQueuesOptions {
  sqs: SQSClient;
  topology: MessagingTopology;
  /** A queue's URL by name (the runtime's look-up, which names the fix when it is missing). */
  queueUrl(name: string): Promise<string>;
  /** The envelope cipher, for `show(..., { decrypt: true })` only. */
  cipher?: () => Promise<BodyCipher>;
  /** Who is using the tool, for the audit record. */
  actor: string;
  /** Receives one record per decryption, before any content is returned. Must not throw. */
  audit(entry: DeadLetterAccessAudit): void;
  /** How long an inspected message stays hidden while a command works. Default 60 s. */
  inspectVisibilityS?: number;
  /** Visibility given back when releasing an inspected message. Default 0 (visible at once). */
  releaseVisibilityS?: number;
  /** Long-poll wait that proves a queue empty. Default 1 s. */
  waitTimeS?: number;
  /** Messages inspected per queue per command, at most. Default 1,000. */
  maxMessages?: number;
  /** `auto` tries SQS's StartMessageMoveTask for whole-queue redrives. Default `auto`. */
  moveTask?: 'auto' | 'never';
  /** How long a redrive waits for a move task to finish. Default 120,000 ms. */
  moveTaskTimeoutMs?: number;
}

const MAX_BATCH = 10;
/** The longest visibility timeout SQS allows (12 hours). */
const SQS_MAX_VISIBILITY_S = 43_200;
const DEFAULT_INSPECT_VISIBILITY_S = 60;
const DEFAULT_MAX_MESSAGES = 1_000;
const DEFAULT_MOVE_TASK_TIMEOUT_MS = 120_000;
const MOVE_TASK_POLL_MS = 1_000;

/** An id we echo (event id, message id): letters, digits and `._:-`, nothing that could be text. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
const VERSION_PATTERN = /^[0-9]{1,4}$/;

interface Target {
  readonly declaration: QueueDeclaration;
  readonly dlqUrl: string;
  readonly sourceUrl: string;
}

/** What a scan's visitor did with a message: keep it (released at the end) or it is gone. */
type Visit = 'hold' | 'gone';

/**
 * The dead-letter queues of a topology, for people: list what is there and why, show one
 * message (decrypting it only on an explicit, audited request), send messages back to their
 * source queue, purge. For a CLI or a web front end.
 *
 * Inspection never consumes: messages are received with a short visibility timeout and released
 * at the end. Redrive sends to the source queue before it deletes from the dead-letter queue,
 * so a crash in between duplicates (consumers are idempotent) and never loses.
 */
export class DeadLetterQueues {
  private readonly logger = new Logger(DeadLetterQueues.name);
  private readonly inspectVisibilityS: number;
  private readonly releaseVisibilityS: number;
  private readonly waitTimeS: number;
  private readonly maxMessages: number;
  private readonly moveTaskTimeoutMs: number;
  private readonly arns = new Map<string, Promise<string>>();

  constructor(private readonly options: DeadLetterQueuesOptions) {
    // SQS's own bounds: a visibility timeout of at most 12 hours, a long poll of at most 20 s.
    // An inspected message must stay hidden while the scan goes on (at least 1 s): visible at
    // once, the same messages would come back to every receive and the scan would never end.
    this.inspectVisibilityS = wholeNumberIn(
      'inspectVisibilityS',
      options.inspectVisibilityS ?? DEFAULT_INSPECT_VISIBILITY_S,
      1,
      SQS_MAX_VISIBILITY_S,
      'seconds',
    );
    this.releaseVisibilityS = wholeNumberIn(
      'releaseVisibilityS',
      options.releaseVisibilityS ?? 0,
      0,
      SQS_MAX_VISIBILITY_S,
      'seconds',
    );
    this.waitTimeS = wholeNumberIn('waitTimeS', options.waitTimeS ?? 1, 0, SQS_MAX_WAIT_TIME_S, 'seconds');
    this.maxMessages = wholeNumberIn(
      'maxMessages',
      options.maxMessages ?? DEFAULT_MAX_MESSAGES,
      1,
      Number.MAX_SAFE_INTEGER,
      'messages',
    );
    this.moveTaskTimeoutMs = wholeNumberIn(
      'moveTaskTimeoutMs',
      options.moveTaskTimeoutMs ?? DEFAULT_MOVE_TASK_TIMEOUT_MS,
      1,
      Number.MAX_SAFE_INTEGER,
      'milliseconds',
    );
  }

  /** Built from a process's runtime: its SQS client, topology, queue look-up and cipher. */
  static fromRuntime(
    runtime: MessagingRuntime,
    options: Pick<DeadLetterQueuesOptions, 'actor' | 'audit'> & Partial<DeadLetterQueuesOptions>,
  ): DeadLetterQueues {
    return new DeadLetterQueues({
      sqs: runtime.clients.sqs,
      topology: runtime.topology,
      queueUrl: (name) => runtime.queueUrl(name),
      cipher: () => runtime.cipher(),
      ...options,
    });
  }

  /** The consumers whose dead-letter queues this instance manages (`billing`, ...). */
  get consumers(): string[] {
    return this.options.topology.queues.map((q) => q.consumer);
  }

  /** Every dead-lettered message of one consumer's queue, or of all. Attributes only. */
  async list(consumer?: string): Promise<DeadLetterListing> {
    const targets = await this.targets(consumer);
    const results = await Promise.all(
      targets.map(async (target) => {
        const messages: DeadLetterSummary[] = [];
        const truncated = await this.scan(target, (message, receivedAt) => {
          messages.push(summarise(target, message, receivedAt));
          return Promise.resolve('hold');
        });
        return { messages, truncated: truncated ? [target.declaration.deadLetterQueueName] : [] };
      }),
    );
    return {
      messages: results.flatMap((r) => r.messages),
      truncated: results.flatMap((r) => r.truncated),
    };
  }

  /**
   * One message, found by event id (or SQS message id). With `decrypt: true` the body is
   * decrypted through the cipher and the event returned; that access is audited first.
   */
  async show(id: string, options: { consumer?: string; decrypt?: boolean } = {}): Promise<DeadLetterDetail> {
    checkId(id);
    if (options.decrypt && !this.options.cipher) {
      throw new DeadLetterError(
        DeadLetterErrorCode.NoCipher,
        'This DeadLetterQueues was built without a cipher.',
      );
    }
    for (const target of await this.targets(options.consumer)) {
      let found: DeadLetterDetail | undefined;
      await this.scan(
        target,
        async (message, receivedAt) => {
          const summary = summarise(target, message, receivedAt);
          if (found || (summary.eventId !== id && summary.messageId !== id)) return 'hold';
          found = options.decrypt ? await this.decrypt(summary, message) : { summary };
          return 'hold';
        },
        () => found !== undefined,
      );
      if (found) return found;
    }
    throw new DeadLetterError(
      DeadLetterErrorCode.NotFound,
      `No dead-lettered message has id ${id} in ${options.consumer ? `the ${options.consumer} dead-letter queue` : 'any dead-letter queue'}.`,
    );
  }

  /**
   * Sends dead-lettered messages back to their source queue: all of them, or only those whose
   * event id (or message id) is in `ids`. Send first, delete second: a crash in between leaves
   * a duplicate, never a loss.
   */
  async redrive(consumer?: string, options: { ids?: readonly string[] } = {}): Promise<RedriveResult> {
    const ids = options.ids && options.ids.length > 0 ? new Set(options.ids) : undefined;
    ids?.forEach(checkId);
    const found = new Set<string>();
    const reports: RedriveReport[] = [];
    for (const target of await this.targets(consumer)) {
      if (!ids && this.options.moveTask !== 'never') {
        const viaTask = await this.moveTask(target);
        if (viaTask) {
          reports.push(viaTask);
          continue;
        }
      }
      reports.push(await this.copyBack(target, ids, found));
    }
    return { queues: reports, notFound: ids ? [...ids].filter((id) => !found.has(id)) : [] };
  }

  /** Deletes every message of one consumer's dead-letter queue, or of all. Irreversible. */
  async purge(consumer?: string): Promise<PurgeReport[]> {
    const reports: PurgeReport[] = [];
    for (const target of await this.targets(consumer)) {
      const approximateMessages = await this.approximateCount(target.dlqUrl);
      try {
        await this.options.sqs.send(new PurgeQueueCommand({ QueueUrl: target.dlqUrl }));
      } catch (error) {
        if (isAwsError(error, 'PurgeQueueInProgress', 'AWS.SimpleQueueService.PurgeQueueInProgress')) {
          throw new DeadLetterError(
            DeadLetterErrorCode.PurgeInProgress,
            `${target.declaration.deadLetterQueueName} was purged less than 60 s ago; SQS allows one purge a minute. Try again shortly.`,
          );
        }
        throw error;
      }
      this.logger.warn({
        msg: 'dead-letter queue purged',
        queue: target.declaration.deadLetterQueueName,
        actor: this.options.actor,
        approximateMessages,
      });
      reports.push({
        consumer: target.declaration.consumer,
        queue: target.declaration.deadLetterQueueName,
        approximateMessages,
      });
    }
    return reports;
  }

  /** Approximate number of messages per dead-letter queue (visible plus in flight), no receive. */
  async counts(
    consumer?: string,
  ): Promise<Array<{ consumer: string; queue: string; approximateMessages: number }>> {
    const targets = await this.targets(consumer);
    return Promise.all(
      targets.map(async (t) => ({
        consumer: t.declaration.consumer,
        queue: t.declaration.deadLetterQueueName,
        approximateMessages: await this.approximateCount(t.dlqUrl),
      })),
    );
  }

  private async targets(consumer?: string): Promise<Target[]> {
    const { queues } = this.options.topology;
    const declarations = consumer === undefined ? queues : queues.filter((q) => q.consumer === consumer);
    if (declarations.length === 0) {
      throw new DeadLetterError(
        DeadLetterErrorCode.UnknownQueue,
        `Unknown queue "${safeName(consumer ?? '')}": one of ${this.consumers.join(', ')}.`,
      );
    }
    return Promise.all(
      declarations.map(async (declaration) => {
        const [dlqUrl, sourceUrl] = await Promise.all([
          this.options.queueUrl(declaration.deadLetterQueueName),
          this.options.queueUrl(declaration.name),
        ]);
        return { declaration, dlqUrl, sourceUrl };
      }),
    );
  }

  /**
   * Receives every visible message of a dead-letter queue in bounded pages, hands each to
   * `visit` once, and releases the held ones at the end (also on error), so the queue is left
   * as it was. Returns true when it stopped at `maxMessages` with more to see.
   */
  private async scan(
    target: Target,
    visit: (message: Message, receivedAt: Date) => Promise<Visit>,
    stop: () => boolean = () => false,
  ): Promise<boolean> {
    const held: Message[] = [];
    const seen = new Set<string>();
    try {
      while (!stop()) {
        if (seen.size >= this.maxMessages) return true;
        const out = await this.options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: target.dlqUrl,
            MaxNumberOfMessages: Math.min(MAX_BATCH, this.maxMessages - seen.size),
            VisibilityTimeout: this.inspectVisibilityS,
            WaitTimeSeconds: this.waitTimeS,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: [
              'SentTimestamp',
              'ApproximateFirstReceiveTimestamp',
              'ApproximateReceiveCount',
            ],
          }),
        );
        const receivedAt = new Date();
        const messages = out.Messages ?? [];
        if (messages.length === 0) return false;
        for (const message of messages) {
          // SQS may deliver a message twice (at-least-once): hold the extra handle, visit once.
          if (seen.has(message.MessageId!)) {
            held.push(message);
            continue;
          }
          seen.add(message.MessageId!);
          if ((await visit(message, receivedAt)) === 'hold') held.push(message);
        }
      }
      return false;
    } finally {
      await this.release(target.dlqUrl, held);
    }
  }

  /** Makes held messages visible again. A failed release only delays them (their timeout ends). */
  private async release(queueUrl: string, messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += MAX_BATCH) {
      const chunk = messages.slice(i, i + MAX_BATCH);
      const out = await this.options.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((m, n) => ({
              Id: String(n),
              ReceiptHandle: m.ReceiptHandle!,
              VisibilityTimeout: this.releaseVisibilityS,
            })),
          }),
        )
        .catch((error: Error) => ({ Failed: chunk.map(() => ({ Code: error.name })) }));
      if (out.Failed && out.Failed.length > 0) {
        this.logger.warn({
          msg: 'could not release inspected messages; they reappear when their visibility timeout ends',
          count: out.Failed.length,
          visibleInS: this.inspectVisibilityS,
          error: out.Failed[0]?.Code,
        });
      }
    }
  }

  private async copyBack(
    target: Target,
    ids: Set<string> | undefined,
    found: Set<string>,
  ): Promise<RedriveReport> {
    let moved = 0;
    let sentNotDeleted = 0;
    let failed = 0;
    // A redriven message the consumer still cannot process (poison) is dead-lettered again as a
    // new message while this scan runs: sent back once per run, the copy is then left alone.
    const redriven = new Set<string>();
    await this.scan(target, async (message) => {
      const eventId = message.MessageAttributes?.[ATTRIBUTE.eventId]?.StringValue;
      const identity =
        eventId ??
        createHash('sha256')
          .update(message.Body ?? '')
          .digest('hex');
      if (redriven.has(identity)) return 'hold';
      const matched = !ids
        ? 'all'
        : eventId && ids.has(eventId)
          ? eventId
          : ids.has(message.MessageId!)
            ? message.MessageId!
            : undefined;
      if (!matched) return 'hold';
      if (matched !== 'all') found.add(matched);
      const log = {
        queue: target.declaration.deadLetterQueueName,
        messageId: message.MessageId,
        eventId: safeId(eventId),
      };
      try {
        await this.options.sqs.send(
          new SendMessageCommand({
            QueueUrl: target.sourceUrl,
            MessageBody: message.Body ?? '',
            MessageAttributes: withoutReason(message.MessageAttributes),
          }),
        );
      } catch (error) {
        failed++;
        this.logger.error({
          msg: 'redrive send failed; left in the dead-letter queue',
          ...log,
          error: (error as Error).name,
        });
        return 'hold';
      }
      try {
        await this.options.sqs.send(
          new DeleteMessageCommand({ QueueUrl: target.dlqUrl, ReceiptHandle: message.ReceiptHandle! }),
        );
      } catch (error) {
        sentNotDeleted++;
        this.logger.error({
          msg: 'redriven but not deleted from the dead-letter queue; it is in both queues (the consumer is idempotent)',
          ...log,
          error: (error as Error).name,
        });
        return 'hold';
      }
      moved++;
      redriven.add(identity);
      this.logger.log({ msg: 'redriven', ...log, actor: this.options.actor });
      return 'gone';
    });
    return {
      consumer: target.declaration.consumer,
      queue: target.declaration.deadLetterQueueName,
      sourceQueue: target.declaration.name,
      method: 'copy',
      moved,
      sentNotDeleted,
      failed,
    };
  }

  /**
   * SQS's own redrive (StartMessageMoveTask), where the endpoint has it: AWS does; moto 5.2.1
   * and fauxqs 2.4.1 do not, and the caller then copies. Undefined means "not supported here".
   */
  private async moveTask(target: Target): Promise<RedriveReport | undefined> {
    const [sourceArn, destinationArn] = await Promise.all([
      this.arnOf(target.dlqUrl),
      this.arnOf(target.sourceUrl),
    ]);
    const startedAt = Date.now();
    try {
      await this.options.sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }),
      );
    } catch (error) {
      if (isUnsupported(error)) return undefined;
      throw error;
    }
    const base = {
      consumer: target.declaration.consumer,
      queue: target.declaration.deadLetterQueueName,
      sourceQueue: target.declaration.name,
      method: 'move-task' as const,
      sentNotDeleted: 0,
      failed: 0,
    };
    const deadline = startedAt + this.moveTaskTimeoutMs;
    for (;;) {
      const out = await this.options.sqs.send(
        new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }),
      );
      // The most recent task comes first; only running tasks carry a handle, so match by status.
      const task = out.Results?.[0];
      const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
      if (task?.Status === 'COMPLETED') return { ...base, moved };
      if (task?.Status === 'FAILED' || task?.Status === 'CANCELLED') {
        throw new DeadLetterError(
          DeadLetterErrorCode.MoveTaskFailed,
          `SQS's move task from ${base.queue} to ${base.sourceQueue} ended ${task.Status} after ${moved} message(s): ${task.FailureReason ?? 'no reason given'}. Run the redrive again; what was not moved is still in the dead-letter queue.`,
        );
      }
      if (Date.now() > deadline) return { ...base, moved, stillRunning: true };
      await sleep(MOVE_TASK_POLL_MS);
    }
  }

  private async decrypt(summary: DeadLetterSummary, message: Message): Promise<DeadLetterDetail> {
    const record = (outcome: 'ok' | 'error', error?: string) =>
      this.options.audit({
        action: 'dead-letter.decrypt',
        actor: this.options.actor,
        eventId: summary.eventId,
        messageId: summary.messageId,
        queue: summary.queue,
        at: new Date().toISOString(),
        outcome,
        ...(error ? { error } : {}),
      });
    if (!summary.eventType || !summary.schemaVersion) {
      record('error', 'MISSING_EVENT_ATTRIBUTES');
      return { summary, decryptError: 'MISSING_EVENT_ATTRIBUTES' };
    }
    let event: EventEnvelope;
    try {
      const cipher = await this.options.cipher!();
      const plaintext = await cipher.decrypt(
        Buffer.from(message.Body ?? '', 'base64'),
        contextFor(this.options.topology.topic.name, {
          type: summary.eventType,
          version: Number(summary.schemaVersion),
        }),
      );
      event = JSON.parse(plaintext.toString('utf8')) as EventEnvelope;
    } catch (error) {
      const code =
        error instanceof MessagingError
          ? error.code
          : error instanceof SyntaxError
            ? 'NOT_JSON'
            : 'DECRYPT_FAILED';
      record('error', code);
      return { summary, decryptError: code };
    }
    // Audited before the content leaves this method: no record, no content.
    record('ok');
    const attributesMatch =
      event.id === summary.eventId &&
      event.type === summary.eventType &&
      String(event.version) === summary.schemaVersion;
    return { summary, event, attributesMatch };
  }

  private arnOf(queueUrl: string): Promise<string> {
    let arn = this.arns.get(queueUrl);
    if (!arn) {
      arn = this.options.sqs
        .send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
        .then((out) => out.Attributes!.QueueArn!);
      arn.catch(() => this.arns.delete(queueUrl));
      this.arns.set(queueUrl, arn);
    }
    return arn;
  }

  private async approximateCount(queueUrl: string): Promise<number> {
    const out = await this.options.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }
}

function summarise(target: Target, message: Message, receivedAt: Date): DeadLetterSummary {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  const reason = attribute(DEAD_LETTER_REASON_ATTRIBUTE);
  const system = message.Attributes ?? {};
  return {
    consumer: target.declaration.consumer,
    queue: target.declaration.deadLetterQueueName,
    sourceQueue: target.declaration.name,
    messageId: message.MessageId ?? '',
    eventId: safeId(attribute(ATTRIBUTE.eventId)),
    eventType: matching(attribute(ATTRIBUTE.eventType), EVENT_TYPE_PATTERN),
    schemaVersion: matching(attribute(ATTRIBUTE.schemaVersion), VERSION_PATTERN),
    reason:
      reason === undefined ? MAX_RECEIVES_REASON : (matching(reason, CODE_PATTERN) ?? 'UNREADABLE_REASON'),
    sentAt: timestamp(system.SentTimestamp),
    firstReceivedAt: timestamp(system.ApproximateFirstReceiveTimestamp),
    lastReceivedAt: receivedAt.toISOString(),
    receiveCount: Number(system.ApproximateReceiveCount ?? 0),
    bodyBytes: Buffer.byteLength(message.Body ?? ''),
  };
}

/**
 * Attribute values are plaintext and PHI-guarded by the publisher, but anyone with SendMessage
 * can put anything there: only values shaped like what we expect are ever shown.
 */
function matching(value: string | undefined, pattern: RegExp): string | null {
  return value !== undefined && pattern.test(value) ? value : null;
}

function safeId(value: string | undefined): string | null {
  return matching(value, ID_PATTERN);
}

/** Echoes a queue name only when it is name-shaped. */
function safeName(value: string): string {
  return /^[a-z0-9-]{1,40}$/.test(value) ? value : '(not a queue name)';
}

function checkId(id: string): void {
  if (!ID_PATTERN.test(id)) {
    throw new DeadLetterError(
      DeadLetterErrorCode.InvalidId,
      'An id must be an event id or SQS message id: 1-128 letters, digits, dots, colons, dashes or underscores.',
    );
  }
}

function timestamp(epochMs: string | undefined): string | null {
  const n = Number(epochMs);
  return epochMs && Number.isFinite(n) ? new Date(n).toISOString() : null;
}

/** The message's attributes for the source queue: as published, without the dead-letter reason. */
function withoutReason(attributes: Message['MessageAttributes']): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (name === DEAD_LETTER_REASON_ATTRIBUTE) continue;
    out[name] = { DataType: value.DataType, StringValue: value.StringValue, BinaryValue: value.BinaryValue };
  }
  return out;
}

/**
 * The endpoint has no StartMessageMoveTask: an unknown action (fauxqs, LocalStack), or an HTML
 * error page the SDK cannot parse (moto 5.2.1 answers 500). Any AWS-modelled error is real.
 */
export function isUnsupported(error: unknown): boolean {
  if (
    isAwsError(
      error,
      'InvalidAction',
      'UnsupportedOperation',
      'UnknownOperationException',
      'AWS.SimpleQueueService.UnsupportedOperation',
      'NotImplemented',
    )
  ) {
    return true;
  }
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status === 404 || status === 501) return true;
  return (
    error instanceof SyntaxError ||
    (error instanceof Error && error.message.includes('Deserialization error'))
  );
}
