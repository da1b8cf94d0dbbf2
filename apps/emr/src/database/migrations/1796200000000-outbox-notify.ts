import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Wakes the outbox relay: every statement that inserts outbox rows sends a `NOTIFY
 * outbox_events`, which PostgreSQL delivers to listeners when (and only if) the transaction
 * commits, to every EMR instance listening. A trigger rather than a `NOTIFY` in the EMR's code,
 * so that any writer wakes the relay, an instance of the previous release during a rolling
 * deploy included: its rows have no sealed `body` yet, and the payload `legacy` tells the relay
 * to seal them (ADR 0007). One notification per statement, not per row.
 */
export class OutboxNotify1796200000000 implements MigrationInterface {
  name = 'OutboxNotify1796200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION outbox_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(
          'outbox_events',
          CASE WHEN EXISTS (SELECT 1 FROM inserted WHERE body IS NULL) THEN 'legacy' ELSE '' END
        );
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events
        REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION outbox_events_notify()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER outbox_events_notify ON outbox_events');
    await queryRunner.query('DROP FUNCTION outbox_events_notify()');
  }
}
