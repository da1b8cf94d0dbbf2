import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail of people's access to PHI, in every app's database (appended to each app's
 * migration list). Ids, codes and types only: no column can hold a name, a birth date or a note.
 *
 * Append-only twice over: a trigger refuses UPDATE, DELETE and TRUNCATE for everyone, the
 * table's owner included (a superuser can still disable it, which `audit verify` then catches
 * through the hash chain); and each app's own database login is granted only SELECT and INSERT
 * (see APPEND_ONLY_TABLES).
 */
export class AuditEntries1796000000000 implements MigrationInterface {
  name = 'AuditEntries1796000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_entries (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        at timestamptz NOT NULL,
        app text NOT NULL,
        subject text,
        roles text[] NOT NULL,
        action text NOT NULL,
        resource_type text NOT NULL,
        resource_id text,
        patient_id text,
        outcome smallint NOT NULL CHECK (outcome BETWEEN 100 AND 599),
        refusal text,
        client_address text,
        request_id text NOT NULL,
        route text NOT NULL,
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL UNIQUE
      )`);
    // The privacy officer's questions: who looked at this patient, what did this person do, when.
    await queryRunner.query('CREATE INDEX audit_entries_patient_idx ON audit_entries (patient_id, seq)');
    await queryRunner.query('CREATE INDEX audit_entries_subject_idx ON audit_entries (subject, seq)');
    await queryRunner.query('CREATE INDEX audit_entries_at_idx ON audit_entries (at)');
    await queryRunner.query(`
      CREATE FUNCTION audit_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_entries_no_update_delete BEFORE UPDATE OR DELETE ON audit_entries
        FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse_change()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
        FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse_change()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE audit_entries');
    await queryRunner.query('DROP FUNCTION audit_entries_refuse_change()');
  }
}
