import type { EntityManager, QueryRunner } from 'typeorm';
import { markDuplicateDelivery } from '@app/crypto-messaging';

/**
 * Claims an event inside the caller's transaction. True: first time, go ahead with the effect.
 * False: already processed (or being processed by a concurrent copy, which we then wait for):
 * do nothing. The row commits or rolls back together with the effect.
 */
export async function claimEvent(manager: EntityManager, eventId: string, pattern: string): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    'INSERT INTO processed_events (event_id, pattern) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING RETURNING event_id',
    [eventId, pattern],
  );
  // Tells the transport's delivery tap that this copy was an idempotent no-op.
  if (rows.length === 0) markDuplicateDelivery();
  return rows.length === 1;
}

/** The `processed_events` table, for each consumer's first migration. */
export async function createProcessedEventsTable(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE processed_events (
      event_id uuid PRIMARY KEY,
      pattern text NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now()
    )`);
}
