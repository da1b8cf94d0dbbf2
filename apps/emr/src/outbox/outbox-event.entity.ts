import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * An event waiting to be published, written in the same transaction as the record it
 * announces (transactional outbox): if the broker or the key is down, nothing is lost.
 */
@Entity({ name: 'outbox_events' })
@Index('outbox_pending_idx', ['nextAttemptAt'], { where: 'published_at IS NULL' })
export class OutboxEvent {
  /** The event's own id: consumers' idempotency key. */
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'event_type' })
  eventType!: string;

  @Column('integer', { name: 'schema_version' })
  schemaVersion!: number;

  @Column('jsonb')
  payload!: unknown;

  /** Plaintext routing facts (PHI-free; checked again by the publisher's guard). */
  @Column('jsonb')
  attributes!: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'next_attempt_at', default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column('integer', { default: 0 })
  attempts!: number;

  /** Error code of the last failed attempt (never a message: no PHI). */
  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt!: Date | null;
}
