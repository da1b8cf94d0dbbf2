import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { PatientRecordCreatedV1Event } from '@app/contracts';
import {
  backoffMs,
  EventRegistry,
  MessagingError,
  MessagingRuntime,
  EncryptedPublisher,
} from '@app/crypto-messaging';
import { LegacyOutboxSealer } from './legacy-outbox.sealer';
import { OutboxSealError } from './outbox-seal.error';
import { OutboxEvent, sealedEventOf } from './outbox-event.entity';

/** Rows published per transaction (PublishBatch sends them ten at a time). */
const BATCH_SIZE = 100;
/** Safety net: the relay also looks for due rows this often, besides being nudged. */
const POLL_INTERVAL_MS = 250;
/** Retry delays grow from 200 ms to this cap while the broker or key is down. */
const RETRY_BASE_MS = 200;
const RETRY_CAP_MS = 5_000;

/** The relay's last attempt, for `/health`. */
export interface RelayStatus {
  readonly at: Date;
  readonly ok: boolean;
  readonly code?: string;
}

/**
 * Publishes outbox rows through the encrypted publisher: rows claimed with
 * `FOR UPDATE SKIP LOCKED` (several EMR instances share the work), sent in batches exactly as
 * they were sealed in the record's transaction (ADR 0007: the relay never sees plaintext and
 * never needs the key), marked published in the same transaction. A failure leaves the row for
 * a later attempt with backoff: at-least-once, nothing lost, consumers dedupe on the event id.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly events = new EventRegistry([PatientRecordCreatedV1Event]);
  private publisher?: EncryptedPublisher;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  status?: RelayStatus;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runtime: MessagingRuntime,
    private readonly legacy: LegacyOutboxSealer,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.nudge(), POLL_INTERVAL_MS);
    this.timer.unref();
    this.nudge();
  }

  /** Stops after the batch in flight: its rows are either published and marked, or left due. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Asks the relay to run now (after a record was committed). Concurrent nudges coalesce. */
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

  private async drain(): Promise<void> {
    do {
      this.again = false;
      try {
        // Sealing rows written before ADR 0007 needs the key; publishing sealed rows does not.
        // A key outage must not hold back what is already sealed: the legacy rows wait.
        await this.legacy.sealAll(this.events).catch((error: unknown) => {
          this.logger.warn({
            msg: 'rows written before ADR 0007 stay unsealed for now',
            error: codeOf(error),
          });
        });
        while (!this.stopped && (await this.publishDue()) === BATCH_SIZE);
      } catch (error) {
        this.status = { at: new Date(), ok: false, code: codeOf(error) };
        this.logger.error({ msg: 'outbox relay failed; will retry', error: codeOf(error) });
      }
    } while (this.again && !this.stopped);
  }

  /** Publishes one batch of due rows; returns how many were published. */
  private async publishDue(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager
        .createQueryBuilder(OutboxEvent, 'o')
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .where('o.published_at IS NULL AND o.next_attempt_at <= now() AND o.body IS NOT NULL')
        .orderBy('o.created_at', 'ASC')
        .limit(BATCH_SIZE)
        .getMany();
      if (rows.length === 0) return 0;
      let publisher: EncryptedPublisher;
      try {
        publisher = await this.getPublisher();
      } catch (error) {
        await this.failed(manager, rows, codeOf(error));
        return 0;
      }
      const outcomes = await publisher.sendBatch(rows.map(sealedEventOf));
      const published = rows.flatMap((row, i) => {
        const outcome = outcomes[i];
        return outcome.ok ? [{ id: row.id, messageId: outcome.messageId }] : [];
      });
      const failed = rows
        .map((row, i) => ({ row, outcome: outcomes[i] }))
        .filter(({ outcome }) => !outcome.ok);
      if (published.length > 0) {
        // The SNS message id is kept for the journey view (GET /records/:id/journey).
        await manager.query(
          `UPDATE outbox_events o SET published_at = now(), last_error = NULL, message_id = p.message_id
             FROM unnest($1::uuid[], $2::text[]) AS p(id, message_id) WHERE o.id = p.id`,
          [published.map((r) => r.id), published.map((r) => r.messageId)],
        );
      }
      for (const { row, outcome } of failed) {
        await this.failed(manager, [row], outcome.ok ? 'UNKNOWN' : outcome.error.code);
      }
      this.status = {
        at: new Date(),
        ok: failed.length === 0,
        code: failed[0]?.outcome.ok === false ? failed[0].outcome.error.code : undefined,
      };
      return published.length;
    });
  }

  private async failed(manager: EntityManager, rows: OutboxEvent[], code: string): Promise<void> {
    this.status = { at: new Date(), ok: false, code };
    for (const row of rows) {
      const delay = Math.max(RETRY_BASE_MS, backoffMs(row.attempts + 1, RETRY_BASE_MS, RETRY_CAP_MS));
      await manager.query(
        `UPDATE outbox_events SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + ($3 || ' milliseconds')::interval WHERE id = $1`,
        [row.id, code, String(delay)],
      );
    }
    this.logger.warn({ msg: 'publishing failed; events kept for retry', events: rows.length, code });
  }

  /** Send-only: the relay ships stored ciphertext and needs `sns:Publish`, never the key. */
  private async getPublisher(): Promise<EncryptedPublisher> {
    this.publisher ??= EncryptedPublisher.sendOnly({
      sns: this.runtime.clients.sns,
      topicArn: await this.runtime.topicArn(),
      topicName: this.runtime.topology.topic.name,
      tap: this.runtime.tap,
      app: this.runtime.app,
    });
    return this.publisher;
  }
}

function codeOf(error: unknown): string {
  if (error instanceof OutboxSealError) return error.code;
  return error instanceof MessagingError ? error.code : error instanceof Error ? error.name : 'UNKNOWN';
}
