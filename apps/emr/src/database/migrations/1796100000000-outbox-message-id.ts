import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The SNS message id of each published outbox row, set by the relay in the transaction that
 * marks the row published: the journey view links the outbox row to the copies in the queues.
 * Nullable: rows not yet published, and rows published before this column existed, have none.
 */
export class OutboxMessageId1796100000000 implements MigrationInterface {
  name = 'OutboxMessageId1796100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE outbox_events ADD COLUMN message_id text');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE outbox_events DROP COLUMN message_id');
  }
}
