import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  backoffMs,
  EncryptedPublisher,
  MessagingError,
  MessagingErrorCode,
  MessagingRuntime,
} from '@app/crypto-messaging';
import { DB_IDLE_IN_TRANSACTION_TIMEOUT_MS, serverSqlStateOf, withPgClient } from '@app/platform';
import { OutboxSealError } from './outbox-seal.error';
import { claimDue, markFailed, markPublished, type ClaimedRow } from './outbox.batch';

/** Retry delays grow from 200 ms to this cap while the broker or key is down. */
const RETRY_BASE_MS = 200;
const RETRY_CAP_MS = 5_000;
/**
 * The broker's part of a pass (the topic's lookup, if not done yet, and the batch's publish, the
 * SDK's retries included) is given up after this long. The relay holds its claim transaction
 * meanwhile, and PostgreSQL ends a session idle in a transaction for
 * {@link DB_IDLE_IN_TRANSACTION_TIMEOUT_MS}. Given up in time, the rows are put back with
 * backoff in a transaction that commits, rather than freed by a killed session (and published
 * again on the next pass without a retry delay or a count of their attempts). A broker
 * connection gone silent is what this bounds; a working broker answers a batch in milliseconds.
 */
export const RELAY_PUBLISH_DEADLINE_MS = DB_IDLE_IN_TRANSACTION_TIMEOUT_MS - 3_000;

/** What one pass over the due rows did. */
export interface BatchOutcome {
  /** Rows claimed (0: none were due). */
  readonly claimed: number;
  /** Rows published and marked. */
  readonly published: number;
  /** The first failure's code, when some rows were put back for a retry. */
  readonly failure?: string;
  /** Ms until the first of those rows is due again. */
  readonly retryInMs?: number;
}

/**
 * One transaction of the relay: claims due sealed rows (`FOR UPDATE SKIP LOCKED`), sends them
 * with PublishBatch exactly as stored, marks the published ones with their SNS message ids and
 * puts the others back with backoff, then commits: three round trips for a batch that publishes.
 */
@Injectable()
export class OutboxBatchPublisher {
  private readonly logger = new Logger('OutboxRelay');
  private publisher?: EncryptedPublisher;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runtime: MessagingRuntime,
  ) {}

  async publishDue(): Promise<BatchOutcome> {
    return withPgClient(this.dataSource, async (client) => {
      const rows = await claimDue(client);
      if (rows.length === 0) {
        await client.query('COMMIT');
        return { claimed: 0, published: 0 };
      }
      // The claim's transaction is open: the broker's part of the pass, the topic's lookup
      // included, shares one deadline.
      const deadline = AbortSignal.timeout(RELAY_PUBLISH_DEADLINE_MS);
      let publisher: EncryptedPublisher;
      try {
        publisher = await beforeAbort(this.getPublisher(), deadline);
      } catch (error) {
        const code = outboxErrorCode(error);
        const retries = this.retries(rows.map((row) => ({ row, code })));
        await markFailed(client, retries);
        await client.query('COMMIT');
        return this.outcome(rows.length, 0, retries);
      }
      const outcomes = await publisher.sendBatch(
        rows.map((row) => row.event),
        { signal: deadline },
      );
      const published: Array<{ id: string; messageId: string }> = [];
      const failed: Array<{ row: ClaimedRow; code: string }> = [];
      rows.forEach((row, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) published.push({ id: row.event.eventId, messageId: outcome.messageId });
        else failed.push({ row, code: outcome?.ok === false ? outcome.error.code : 'UNKNOWN' });
      });
      const retries = this.retries(failed);
      // The SNS message id is kept for the journey view (GET /records/:id/journey).
      await markPublished(client, published);
      await markFailed(client, retries);
      await client.query('COMMIT');
      return this.outcome(rows.length, published.length, retries);
    });
  }

  private outcome(
    claimed: number,
    published: number,
    retries: ReadonlyArray<{ code: string; delayMs: number }>,
  ): BatchOutcome {
    if (retries.length === 0) return { claimed, published };
    this.logger.warn({
      msg: 'publishing failed; events kept for retry',
      events: retries.length,
      code: retries[0].code,
    });
    return {
      claimed,
      published,
      failure: retries[0].code,
      retryInMs: Math.min(...retries.map((r) => r.delayMs)),
    };
  }

  /** Each failed row's retry, with its failure's code, after its own backoff. */
  private retries(
    failed: ReadonlyArray<{ row: ClaimedRow; code: string }>,
  ): Array<{ id: string; code: string; delayMs: number }> {
    return failed.map(({ row, code }) => ({
      id: row.event.eventId,
      code,
      delayMs: Math.max(RETRY_BASE_MS, backoffMs(row.attempts + 1, RETRY_BASE_MS, RETRY_CAP_MS)),
    }));
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

/**
 * `work`'s result, or a `BROKER_UNAVAILABLE` failure if `signal` aborts first (`work` itself
 * goes on, bounded by the clients' own limits; its late result or failure is dropped here).
 */
export function beforeAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = () =>
      reject(
        new MessagingError(
          MessagingErrorCode.BrokerUnavailable,
          "The broker did not answer before the outbox relay's deadline.",
        ),
      );
    // Handlers first, so that a failure of `work` after an abort is never left unhandled.
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
}

/** A failure's code for the relay's status and logs; never its message. */
export function outboxErrorCode(error: unknown): string {
  if (error instanceof OutboxSealError) return error.code;
  if (error instanceof MessagingError) return error.code;
  const sqlState = serverSqlStateOf(error);
  if (sqlState) return `DB_${sqlState}`;
  return error instanceof Error ? error.name : 'UNKNOWN';
}
