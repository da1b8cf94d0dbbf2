import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * ADR 0007: outbox rows hold the event sealed (Encryption SDK message, `body`), not the
 * plaintext payload. The key is not available to a migration, so existing plaintext rows are
 * kept and marked legacy (`payload` set, `body` NULL): the relay seals each of them, pending or
 * published, at each pass (`LegacyOutboxSealer`), and clears its payload. Nothing pending is
 * lost, and no plaintext outlives the EMR's next start with a usable key, except a row the
 * sealer refuses (its payload no longer matches the event's schema): that row keeps its
 * payload, is logged by event id, and waits for a person.
 */
export class SealedOutbox1795970000000 implements MigrationInterface {
  name = 'SealedOutbox1795970000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE outbox_events ADD COLUMN body bytea');
    await queryRunner.query('ALTER TABLE outbox_events ALTER COLUMN payload DROP NOT NULL');
    // Exactly one of the two: a sealed row never keeps its plaintext beside the ciphertext.
    await queryRunner.query(
      'ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_sealed_xor_legacy CHECK ((body IS NULL) <> (payload IS NULL))',
    );
    await queryRunner.query(
      'CREATE INDEX outbox_legacy_idx ON outbox_events (created_at) WHERE payload IS NOT NULL',
    );
    // `clinic outbox replay --since/--until` selects by creation time.
    await queryRunner.query('CREATE INDEX outbox_created_at_idx ON outbox_events (created_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const [{ sealed }] = (await queryRunner.query(
      'SELECT count(*)::int AS sealed FROM outbox_events WHERE body IS NOT NULL',
    )) as Array<{ sealed: number }>;
    if (sealed > 0) {
      // The plaintext is gone by design; a migration has no key to bring it back.
      throw new Error(
        `Cannot revert SealedOutbox: ${sealed} outbox row(s) hold only sealed events. Delete published rows first, and let the relay publish the pending ones.`,
      );
    }
    await queryRunner.query('DROP INDEX outbox_created_at_idx');
    await queryRunner.query('DROP INDEX outbox_legacy_idx');
    await queryRunner.query('ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_sealed_xor_legacy');
    await queryRunner.query('ALTER TABLE outbox_events ALTER COLUMN payload SET NOT NULL');
    await queryRunner.query('ALTER TABLE outbox_events DROP COLUMN body');
  }
}
