import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { sizeOf, type SealedEvent } from '@app/crypto-messaging';

/**
 * An event waiting to be published, written in the same transaction as the record it
 * announces (transactional outbox): if the broker is down, nothing is lost. The event is
 * sealed before it is written (ADR 0007): the row holds ciphertext and PHI-free routing
 * attributes, never the payload in plaintext, and is sent (or replayed) exactly as stored.
 */
@Entity({ name: 'outbox_events' })
@Index('outbox_due_idx', ['createdAt'], { where: 'published_at IS NULL' })
export class OutboxEvent {
  /** The event's own id: consumers' idempotency key. */
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'event_type' })
  eventType!: string;

  @Column('integer', { name: 'schema_version' })
  schemaVersion!: number;

  /**
   * The sealed event: an AWS Encryption SDK message of the envelope (id, type, version,
   * occurredAt, data) under the topic's fixed encryption context. NULL only on a row written
   * before ADR 0007, whose legacy `payload` column (not mapped here: no code path writes
   * plaintext) the relay seals first.
   */
  @Column('bytea', { nullable: true })
  body!: Buffer | null;

  /** Every message attribute, identity ones included; PHI-free (checked by the sealer's guard). */
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

  /** SNS's message id of the publish that marked the row published (NULL before, and on old rows). */
  @Column('text', { name: 'message_id', nullable: true })
  messageId!: string | null;
}

/** A sealed row as the publisher sends it: the stored ciphertext and attributes, untouched. */
export function sealedEventOf(row: OutboxEvent): SealedEvent {
  if (!row.body) throw new TypeError(`Outbox row ${row.id} is not sealed yet`);
  return {
    eventId: row.id,
    eventType: row.eventType,
    schemaVersion: row.schemaVersion,
    body: row.body,
    attributes: row.attributes,
    bytes: sizeOf(row.body, row.attributes),
  };
}
