import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsNull, type DataSource } from 'typeorm';
import { PatientRecordCreatedV1Event } from '@app/contracts';
import { EventRegistry } from '@app/crypto-messaging';
import { isDatabaseUnavailable } from '@app/platform';
import { LegacyOutboxSealer } from './legacy-outbox.sealer';
import { OutboxBatchPublisher, outboxErrorCode } from './outbox-batch.publisher';
import { OutboxEvent } from './outbox-event.entity';
import { OUTBOX_BATCH_SIZE } from './outbox.batch';
import { OutboxListener } from './outbox.listener';

/**
 * Safety net: the relay also looks for due rows this often while it listens for commits (a
 * notification lost with its connection), and {@link POLL_UNHEARD_MS} while it cannot listen.
 */
const POLL_LISTENING_MS = 2_000;
const POLL_UNHEARD_MS = 250;

/** The relay's last publish, or its last pass when one failed as a whole, for `/health`. */
export interface RelayStatus {
  readonly at: Date;
  readonly ok: boolean;
  readonly code?: string;
  /** The whole pass failed (not a publish): cleared by the next pass that completes. */
  readonly pass?: boolean;
}

/**
 * Publishes outbox rows through the encrypted publisher: rows claimed with
 * `FOR UPDATE SKIP LOCKED` (several EMR instances share the work), sent in batches exactly as
 * they were sealed in the record's transaction (ADR 0007: the relay never sees plaintext and
 * never needs the key), marked published in the same transaction. A failure leaves the row for
 * a later attempt with backoff: at-least-once, nothing lost, consumers dedupe on the event id.
 *
 * It runs when a commit wakes it (`LISTEN`, see {@link OutboxListener}), when a retry falls due,
 * and on a slow poll (the safety net). Rows written before ADR 0007 are looked for at start and
 * when a commit says it wrote one, not on every pass.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly events = new EventRegistry([PatientRecordCreatedV1Event]);
  private readonly listener: OutboxListener;
  private timer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  /** Unsealed rows may exist: true at start, and when a commit or a failed pass says so. */
  private legacyDue = true;
  private lastPoll = 0;
  status?: RelayStatus;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly batches: OutboxBatchPublisher,
    private readonly legacy: LegacyOutboxSealer,
  ) {
    this.listener = new OutboxListener(dataSource, {
      wake: (legacy) => {
        if (legacy) this.legacyDue = true;
        // Under load a pass is under way: the commits it did not see make one more pass, together.
        this.nudge();
      },
      listening: () => this.nudge(),
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.poll(), POLL_UNHEARD_MS);
    this.timer.unref();
    this.listener.start();
    this.nudge();
  }

  /** Stops after the batch in flight: its rows are either published and marked, or left due. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    await this.listener.stop();
    await this.running;
  }

  /** Asks the relay to run now. Concurrent nudges coalesce into one more pass. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => (this.running = undefined));
  }

  /** Events not yet published. */
  async backlog(): Promise<number> {
    return this.dataSource.getRepository(OutboxEvent).count({ where: { publishedAt: IsNull() } });
  }

  private poll(): void {
    const every = this.listener.connected ? POLL_LISTENING_MS : POLL_UNHEARD_MS;
    if (Date.now() - this.lastPoll < every) return;
    this.lastPoll = Date.now();
    this.nudge();
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      try {
        if (this.legacyDue) await this.sealLegacy();
        while (!this.stopped && (await this.publishDue()) === OUTBOX_BATCH_SIZE);
        // A pass that failed is over once one completes, even with nothing left to publish.
        if (this.status?.pass) this.status = { at: new Date(), ok: true };
      } catch (error) {
        // A database that is not answering (stopped, paused, every connection busy) is
        // `/health`'s database part to report, not a messaging failure; anything else that
        // stops the pass (a refused statement, a row that cannot be sent) keeps the outbox from
        // draining, and reads as messaging down.
        if (!isDatabaseUnavailable(error)) {
          this.status = { at: new Date(), ok: false, code: outboxErrorCode(error), pass: true };
        }
        this.logger.error({ msg: 'outbox relay failed; will retry', error: outboxErrorCode(error) });
      }
    } while (this.again && !this.stopped);
  }

  /**
   * Sealing rows written before ADR 0007 needs the key; publishing sealed rows does not. A key
   * outage must not hold back what is already sealed: the legacy rows wait for the next pass.
   */
  private async sealLegacy(): Promise<void> {
    this.legacyDue = false;
    try {
      await this.legacy.sealAll(this.events);
    } catch (error) {
      this.legacyDue = true;
      this.logger.warn({
        msg: 'rows written before ADR 0007 stay unsealed for now',
        error: outboxErrorCode(error),
      });
    }
  }

  /** Publishes one batch; returns how many rows were published. */
  private async publishDue(): Promise<number> {
    const outcome = await this.batches.publishDue();
    if (outcome.claimed === 0) return 0;
    this.status = { at: new Date(), ok: outcome.failure === undefined, code: outcome.failure };
    if (outcome.retryInMs !== undefined) {
      // No commit will wake the relay for these rows: it wakes itself when the first falls due.
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.nudge(), outcome.retryInMs);
      this.retryTimer.unref();
    }
    return outcome.published;
  }
}
