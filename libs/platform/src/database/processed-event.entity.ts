import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

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
