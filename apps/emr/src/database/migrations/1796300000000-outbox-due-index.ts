import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relay's claim reads unpublished rows oldest first (`ORDER BY created_at LIMIT n`). It used
 * a partial index on `next_attempt_at`, through a bitmap scan: marking a row published takes it
 * out of that index only at the next vacuum, and a bitmap scan never marks the dead entries it
 * visits, so every claim visited every row published since the last vacuum (3 ms a claim after
 * 1,500 records in the bench, growing with the rate). A partial index on `created_at` answers the
 * claim in order with a plain index scan, which stops at the limit and marks the dead entries it
 * passes so that later scans skip them.
 */
export class OutboxDueIndex1796300000000 implements MigrationInterface {
  name = 'OutboxDueIndex1796300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX outbox_due_idx ON outbox_events (created_at) WHERE published_at IS NULL',
    );
    await queryRunner.query('DROP INDEX outbox_pending_idx');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX outbox_pending_idx ON outbox_events (next_attempt_at) WHERE published_at IS NULL',
    );
    await queryRunner.query('DROP INDEX outbox_due_idx');
  }
}
