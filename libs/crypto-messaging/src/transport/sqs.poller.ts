import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { Logger, type LoggerService } from '@nestjs/common';
import { SQS_MAX_WAIT_TIME_S } from '../config/aws-clients';
import { wholeNumberIn } from '../config/option-range';
import { VisibilityHeartbeat, type Lease } from './visibility.heartbeat';

/** What the transport reports through Nest's `server.status` observable. */
export const SqsStatus = {
  /** The queue answered the last receive. */
  CONNECTED: 'connected',
  /** The last receive failed (broker or network down); polling goes on with backoff. */
  DISCONNECTED: 'disconnected',
  /** {@link SqsPoller.pause}d: no new messages are taken. */
  PAUSED: 'paused',
  /** Closed: in-flight handlers drained, polling stopped for good. */
  CLOSED: 'closed',
} as const;
export type SqsStatus = (typeof SqsStatus)[keyof typeof SqsStatus];

/** Options of {@link SqsPoller}. */
export interface SqsPollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** Handlers running at once. Not capped at SQS's 10 per receive. Default 10. */
  concurrency?: number;
  /**
   * Long polls under way at once, sharing the `concurrency` slots. Default: one per 10 slots.
   * Each long poll returns as soon as a message arrives, and polls waiting together share what
   * arrives, so fewer of them make fuller batches (and fewer empty receives); more of them help
   * when a receive's round trip, not the handler, bounds the rate.
   */
  receivers?: number;
  /**
   * A batching window, per receive loop: after a receive that brought at least five messages
   * (half of a full receive) but fewer than it asked for, a sign that messages arrive faster than
   * receives take them, the next receive waits this long, so that what arrives meanwhile comes in
   * one fuller batch: fewer requests and, with a batch handler, fewer transactions per message.
   * After a receive of fewer than five (a quiet or moderate queue) or of all it asked for (a
   * backlog), the next one goes at once. Costs up to this much latency per batch under load.
   * Default 0 (off).
   */
  batchWindowMs?: number;
  /** Long-poll wait, 0 to 20 s (SQS's range). Default 20 s. */
  waitTimeS?: number;
  /** Visibility timeout; a heartbeat extends it while a handler runs. Default 30 s. */
  visibilityTimeoutS?: number;
  /** How long close() lets long polls under way return before aborting them. Default 2,000 ms. */
  closeGraceMs?: number;
  logger?: LoggerService;
}

/** Who the poller hands messages and news to. */
export interface PollerListener {
  /** Handles one message and settles it (ack, retry, dead-letter). Must not throw. */
  consume(message: Message, lease: Lease): Promise<void>;
  /**
   * When present, each received group (up to 10) is handed over at once instead of message by
   * message (`leases[i]` holds `messages[i]`); it settles every one of them. Must not throw.
   * Read at each receive, so a listener may set it before {@link SqsPoller.start}.
   */
  consumeBatch?(messages: Message[], leases: Lease[]): Promise<void>;
  status?(status: SqsStatus): void;
  /** A receive failed; polling goes on. */
  error?(error: Error): void;
  /** A message taken while pausing was put back, unhandled. */
  released?(message: Message): void;
}

const MAX_RECEIVE_BATCH = 10;
const MAX_BATCH_WINDOW_MS = 10_000;
const DEFAULT_CLOSE_GRACE_MS = 2_000;
const POLL_ERROR_BACKOFF_MS = 1000;
/** A broker or network fault is retried at most this far apart, for as long as it lasts. */
const POLL_ERROR_BACKOFF_MAX_MS = 10_000;

/**
 * Takes messages off one queue and keeps `concurrency` of them in hand: `receivers` long-poll
 * loops filling the free slots, a visibility heartbeat for the messages in hand, pause and resume, and
 * a close that drains. What to do with each message is the listener's business.
 */
export class SqsPoller {
  private readonly heartbeat: VisibilityHeartbeat;
  private readonly inFlight = new Set<Promise<void>>();
  /** Messages in hand (received, not yet settled): a group counts as its messages. */
  private inHand = 0;
  private readonly abort = new AbortController();
  /** Aborted as close() begins: ends a batching window's or a failed receive's wait at once. */
  private readonly stopping = new AbortController();
  private readonly logger: LoggerService;
  private readonly concurrency: number;
  private readonly receivers: number;
  private readonly batchWindowMs: number;
  private readonly waitTimeS: number;
  private readonly visibilityTimeoutS: number;
  private loops: Promise<void>[] = [];
  private freeSlots: number;
  private slotWaiters: Array<() => void> = [];
  /** A message's slot is free once its lease ends: its handler is done, its ack may be under way. */
  private readonly freeSlot = () => this.releaseSlots(1);
  private resumeWaiters: Array<() => void> = [];
  private closed = false;
  private closing?: Promise<void>;
  private paused = false;
  /** Until the queue has answered (at start, after a failure, after resume), polls are short. */
  private answered = false;

  constructor(
    private readonly options: SqsPollerOptions,
    private readonly listener: PollerListener,
  ) {
    this.concurrency = options.concurrency ?? 10;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new TypeError(`concurrency must be a positive integer, got ${this.concurrency}`);
    }
    this.receivers = options.receivers ?? Math.ceil(this.concurrency / MAX_RECEIVE_BATCH);
    if (!Number.isInteger(this.receivers) || this.receivers < 1 || this.receivers > this.concurrency) {
      throw new TypeError(
        `receivers must be an integer from 1 to concurrency (${this.concurrency}), got ${this.receivers}`,
      );
    }
    this.batchWindowMs = options.batchWindowMs ?? 0;
    if (
      !Number.isFinite(this.batchWindowMs) ||
      this.batchWindowMs < 0 ||
      this.batchWindowMs > MAX_BATCH_WINDOW_MS
    ) {
      throw new TypeError(
        `batchWindowMs must be a number of milliseconds from 0 to ${MAX_BATCH_WINDOW_MS}, got ${this.batchWindowMs}`,
      );
    }
    this.freeSlots = this.concurrency;
    // SQS refuses a longer poll, and the SQS client gives up on a request silent for longer.
    this.waitTimeS = wholeNumberIn(
      'waitTimeS',
      options.waitTimeS ?? SQS_MAX_WAIT_TIME_S,
      0,
      SQS_MAX_WAIT_TIME_S,
      'seconds',
    );
    this.visibilityTimeoutS = options.visibilityTimeoutS ?? 30;
    this.logger = options.logger ?? new Logger(SqsPoller.name);
    this.heartbeat = new VisibilityHeartbeat(
      options.sqs,
      options.queueUrl,
      this.visibilityTimeoutS,
      this.logger,
    );
  }

  /** Starts the long-poll loops (`receivers` of them), sharing the `concurrency` slots. */
  start(): void {
    this.loops = Array.from({ length: this.receivers }, () => this.loop());
  }

  /**
   * Stops taking messages: handlers under way finish, new messages wait in the queue. A long
   * poll under way may still return messages; they are made visible again at once, unhandled
   * (each such return counts as one receive towards the redrive policy).
   */
  pause(): void {
    if (this.paused || this.closed) return;
    this.paused = true;
    this.listener.status?.(SqsStatus.PAUSED);
  }

  /** Starts taking messages again after {@link pause}. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.answered = false;
    this.resumeWaiters.splice(0).forEach((wake) => wake());
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Messages in hand: received and not yet settled (acked, retried or dead-lettered). */
  get inFlightCount(): number {
    return this.inHand;
  }

  /**
   * Stops polling and lets in-flight handlers finish. Long polls under way get `closeGraceMs` to
   * return; then they are aborted, and any message an aborted poll had taken reappears after its
   * visibility timeout (delayed, never lost).
   */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      this.closing = this.drain();
    }
    return this.closing;
  }

  private async drain(): Promise<void> {
    this.stopping.abort();
    this.slotWaiters.splice(0).forEach((wake) => wake());
    this.resumeWaiters.splice(0).forEach((wake) => wake());
    const polled = Promise.all(this.loops);
    const graceMs = this.options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
    const grace = new AbortController();
    const inTime = await Promise.race([
      polled.then(() => true),
      sleep(graceMs, false, { signal: grace.signal }).catch(() => false),
    ]);
    grace.abort(); // no grace timer left behind to hold the process open
    if (!inTime) this.abort.abort();
    await polled;
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    this.heartbeat.stop();
  }

  private async loop(): Promise<void> {
    let errorBackoffMs = POLL_ERROR_BACKOFF_MS;
    while (!this.closed) {
      while (this.paused && !this.closed) {
        await new Promise<void>((resolve) => this.resumeWaiters.push(resolve));
      }
      const reserved = await this.reserveSlots();
      if (this.closed) {
        this.releaseSlots(reserved);
        break;
      }
      let messages: Message[];
      try {
        messages = await this.receive(reserved);
        errorBackoffMs = POLL_ERROR_BACKOFF_MS;
      } catch (error) {
        this.releaseSlots(reserved);
        if (this.closed) break;
        this.failed(error as Error, errorBackoffMs);
        await this.rest(errorBackoffMs);
        errorBackoffMs = Math.min(errorBackoffMs * 2, POLL_ERROR_BACKOFF_MAX_MS);
        continue;
      }
      this.releaseSlots(reserved - messages.length);
      if (this.paused) {
        await this.putBack(messages);
        this.releaseSlots(messages.length);
        continue;
      }
      if (messages.length === 0) continue;
      if (this.listener.consumeBatch) this.dispatchGroup(messages);
      else for (const message of messages) this.dispatch(message);
      if (this.batchWindowMs > 0 && opensWindow(messages.length, reserved)) {
        await this.rest(this.batchWindowMs);
      }
    }
  }

  /** Waits `ms` between receives (a backoff, a batching window), or less if close() begins. */
  private async rest(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }

  private async receive(max: number): Promise<Message[]> {
    const out = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: max,
        // A short poll first, so that the status is known at once, not after a long poll's wait.
        WaitTimeSeconds: this.answered ? this.waitTimeS : 0,
        VisibilityTimeout: this.visibilityTimeoutS,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
      // Aborted only after close()'s grace period: a long poll aborted mid-flight can still take
      // messages off the queue, hiding them for one visibility timeout.
      { abortSignal: this.abort.signal },
    );
    this.answered = true;
    if (!this.paused && !this.closed) this.listener.status?.(SqsStatus.CONNECTED);
    return out.Messages ?? [];
  }

  private failed(error: Error, retryInMs: number): void {
    this.answered = false;
    this.logger.error({
      msg: 'receive failed; retrying',
      queueUrl: this.options.queueUrl,
      error: error.name,
      retryInMs,
    });
    this.listener.status?.(SqsStatus.DISCONNECTED);
    this.listener.error?.(error);
  }

  private dispatch(message: Message): void {
    const lease = this.heartbeat.hold(message, this.freeSlot);
    this.track(this.listener.consume(message, lease), [lease]);
  }

  /** A received group, whole, to the listener: one promise, its slots freed when it settles. */
  private dispatchGroup(messages: Message[]): void {
    const leases = messages.map((message) => this.heartbeat.hold(message, this.freeSlot));
    this.track(this.listener.consumeBatch!(messages, leases), leases);
  }

  /**
   * Keeps a consume under way for drain; once settled, ends the leases it left (freeing their
   * slots). A lease the listener ended already freed its slot then: the next receive need not
   * wait for the ack's round trip.
   */
  private track(consumed: Promise<void>, leases: Lease[]): void {
    const n = leases.length;
    this.inHand += n;
    const settle = () => {
      for (const lease of leases) void lease.end();
      this.inFlight.delete(done);
      this.inHand -= n;
    };
    const done: Promise<void> = consumed.then(settle, (error: Error) => {
      try {
        this.logger.error({ msg: 'consume threw', error: error.name });
      } finally {
        settle();
      }
    });
    this.inFlight.add(done);
  }

  private async reserveSlots(): Promise<number> {
    while (this.freeSlots === 0 && !this.closed) {
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
  private async putBack(messages: Message[]): Promise<void> {
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
        this.listener.released?.(message);
      }),
    );
  }
}

/**
 * Whether a receive of `received` messages, of `asked`, opens a batching window: at least half of
 * a full receive (five), and fewer than it asked for. Counted against ten, not against `asked`:
 * with few slots free a receive asks for less, and two of three is no sign of load.
 */
function opensWindow(received: number, asked: number): boolean {
  return received * 2 >= MAX_RECEIVE_BATCH && received < asked;
}
