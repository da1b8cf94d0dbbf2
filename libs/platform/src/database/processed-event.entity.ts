import { Column, CreateDateColumn, Entity, PrimaryColumn, type QueryRunner } from 'typeorm';

/**
 * One row per event a consumer has acted on, written in the same transaction as the effect:
 * the idempotency key of at-least-once delivery. Keyed by the event's own id, so a re-sent copy
 * (new SQS message id, same event id) is recognised too.
 */
@Entity({ name: 'processed_events' })
export class ProcessedEvent {
  @PrimaryColumn('uuid', { name: 'event_id' })
  eventId!: string;

  @Column('text')
  pattern!: string;

  @CreateDateColumn({ name: 'processed_at', type: 'timestamptz' })
  processedAt!: Date;
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
