import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsNull, type DataSource } from 'typeorm';
import { PatientRecordCreatedV1Event } from '@app/contracts';
import {
  backoffMs,
  EventRegistry,
  MessagingError,
  MessagingRuntime,
  EncryptedPublisher,
} from '@app/crypto-messaging';
import { withPgClient } from '@app/platform';
import { LegacyOutboxSealer } from './legacy-outbox.sealer';
import { OutboxSealError } from './outbox-seal.error';
import { OutboxEvent } from './outbox-event.entity';
import { claimDue, markFailed, markPublished, OUTBOX_BATCH_SIZE, type ClaimedRow } from './outbox.batch';
import { OutboxListener } from './outbox.listener';

/**
 * Safety net: the relay also looks for due rows this often while it listens for commits (a
 * notification lost with its connection), and {@link POLL_UNHEARD_MS} while it cannot listen.
 */
const POLL_LISTENING_MS = 2_000;
const POLL_UNHEARD_MS = 250;
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
  private publisher?: EncryptedPublisher;
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
    private readonly runtime: MessagingRuntime,
    private readonly legacy: LegacyOutboxSealer,
  ) {
    this.listener = new OutboxListener(dataSource, {
      wake: (legacy) => {
        if (legacy) this.legacyDue = true;
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
      } catch (error) {
        this.status = { at: new Date(), ok: false, code: codeOf(error) };
        this.logger.error({ msg: 'outbox relay failed; will retry', error: codeOf(error) });
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
      this.logger.warn({ msg: 'rows written before ADR 0007 stay unsealed for now', error: codeOf(error) });
    }
  }

  /** Publishes one batch of due rows; returns how many were claimed. */
  private async publishDue(): Promise<number> {
    return withPgClient(this.dataSource, async (client) => {
      const rows = await claimDue(client);
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      let publisher: EncryptedPublisher;
      try {
        publisher = await this.getPublisher();
      } catch (error) {
        await markFailed(
          client,
          this.retries(rows, () => codeOf(error)),
        );
        await client.query('COMMIT');
        return 0;
      }
      const outcomes = await publisher.sendBatch(rows.map((row) => row.event));
      const published: Array<{ id: string; messageId: string }> = [];
      const failed: ClaimedRow[] = [];
      const codes = new Map<string, string>();
      rows.forEach((row, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) published.push({ id: row.event.eventId, messageId: outcome.messageId });
        else {
          failed.push(row);
          codes.set(row.event.eventId, outcome?.ok === false ? outcome.error.code : 'UNKNOWN');
        }
      });
      await markPublished(client, published);
      await markFailed(
        client,
        this.retries(failed, (row) => codes.get(row.event.eventId) ?? 'UNKNOWN'),
      );
      await client.query('COMMIT');
      const firstCode = failed.length > 0 ? codes.get(failed[0].event.eventId) : undefined;
      this.status = { at: new Date(), ok: failed.length === 0, code: firstCode };
      return failed.length > 0 ? 0 : rows.length;
    });
  }

  /**
   * The retries of rows that could not be published, each after its own backoff; the relay
   * wakes itself when the first one falls due (no commit will).
   */
  private retries(
    rows: readonly ClaimedRow[],
    codeOfRow: (row: ClaimedRow) => string,
  ): Array<{ id: string; code: string; delayMs: number }> {
    if (rows.length === 0) return [];
    const retries = rows.map((row) => ({
      id: row.event.eventId,
      code: codeOfRow(row),
      delayMs: Math.max(RETRY_BASE_MS, backoffMs(row.attempts + 1, RETRY_BASE_MS, RETRY_CAP_MS)),
    }));
    const code = retries[0].code;
    this.status = { at: new Date(), ok: false, code };
    this.logger.warn({ msg: 'publishing failed; events kept for retry', events: rows.length, code });
    const soonest = Math.min(...retries.map((r) => r.delayMs));
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.nudge(), soonest);
    this.retryTimer.unref();
    return retries;
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
