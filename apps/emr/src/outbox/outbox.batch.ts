import type { PoolClient, QueryResult } from 'pg';
import type { SealedEvent } from '@app/crypto-messaging';
import { queryPrepared } from '@app/platform';
import { sealedEventOf, type OutboxEvent } from './outbox-event.entity';

/** Rows published per transaction (PublishBatch sends them ten at a time). */
export const OUTBOX_BATCH_SIZE = 100;

/** A due row as the relay claims it: what the publisher sends, and its attempts so far. */
export interface ClaimedRow {
  readonly event: SealedEvent;
  readonly attempts: number;
}

interface Row {
  id: string;
  event_type: string;
  schema_version: number;
  body: Buffer;
  attributes: Record<string, string>;
  attempts: number;
}

/**
 * The claim's plan, for its transaction: no bitmap scan. Rows marked published leave their entries
 * in the partial index until a vacuum; a plain index scan marks the ones it passes as dead, so later
 * claims skip them, where a bitmap scan (which the planner prefers, expecting few due rows) visits
 * every one of them again at every claim.
 */
export const CLAIM_PLAN = 'SET LOCAL enable_bitmapscan = off';

/**
 * The claim: due sealed rows, oldest first, read in order off the partial index `outbox_due_idx`
 * (migration OutboxDueIndex), so it stops at the limit whatever the number of published rows.
 */
export const CLAIM_DUE = `SELECT id, event_type, schema_version, body, attributes, attempts FROM outbox_events
  WHERE published_at IS NULL AND next_attempt_at <= now() AND body IS NOT NULL
  ORDER BY created_at LIMIT ${OUTBOX_BATCH_SIZE} FOR UPDATE SKIP LOCKED`;

/**
 * Opens the relay's transaction and claims up to {@link OUTBOX_BATCH_SIZE} due sealed rows,
 * oldest first, `FOR UPDATE SKIP LOCKED` (rows another instance holds are left to it), in one
 * round trip: `BEGIN` and the SELECT go as one simple query (no parameters: constants only).
 * The caller ends the transaction ({@link markPublished} or `ROLLBACK`).
 */
export async function claimDue(client: PoolClient): Promise<ClaimedRow[]> {
  const results = (await client.query(`BEGIN; ${CLAIM_PLAN}; ${CLAIM_DUE}`)) as unknown as QueryResult<Row>[];
  return results[2].rows.map((row) => ({
    attempts: row.attempts,
    event: sealedEventOf({
      id: row.id,
      eventType: row.event_type,
      schemaVersion: row.schema_version,
      body: row.body,
      attributes: row.attributes,
    } as OutboxEvent),
  }));
}

/** Marks rows published with their SNS message ids (kept for the journey view), in the claim's transaction. */
export async function markPublished(
  client: PoolClient,
  published: ReadonlyArray<{ id: string; messageId: string }>,
): Promise<void> {
  if (published.length === 0) return;
  await queryPrepared(
    client,
    `UPDATE outbox_events o SET published_at = now(), last_error = NULL, message_id = p.message_id
       FROM unnest($1::uuid[], $2::text[]) AS p(id, message_id) WHERE o.id = p.id`,
    [published.map((r) => r.id), published.map((r) => r.messageId)],
  );
}

/** Puts rows back for a later attempt after `delayMs`, keeping the failure's code (never a message). */
export async function markFailed(
  client: PoolClient,
  failed: ReadonlyArray<{ id: string; code: string; delayMs: number }>,
): Promise<void> {
  if (failed.length === 0) return;
  await client.query(
    `UPDATE outbox_events o SET attempts = o.attempts + 1, last_error = f.code,
         next_attempt_at = now() + f.delay_ms * interval '1 millisecond'
       FROM unnest($1::uuid[], $2::text[], $3::integer[]) AS f(id, code, delay_ms) WHERE o.id = f.id`,
    [failed.map((f) => f.id), failed.map((f) => f.code), failed.map((f) => f.delayMs)],
  );
}
