import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Attributable and bounded scheduling. Appointments and reminders keep who entered their record
 * (the event's `enteredBy` subject id, never a name; null for events from before sign-in). A
 * booking or reminder refused by a per-patient bound is not lost silently: it is kept in
 * `scheduling_skips` with its reason, for the scheduler to see and act on.
 */
export class BoundedAttributableScheduling1796000000000 implements MigrationInterface {
  name = 'BoundedAttributableScheduling1796000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE appointments ADD COLUMN entered_by text');
    await queryRunner.query('ALTER TABLE medication_reminders ADD COLUMN entered_by text');
    await queryRunner.query(`
      CREATE TABLE scheduling_skips (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        patient_id uuid NOT NULL,
        record_id uuid NOT NULL,
        event_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('follow-up', 'lab', 'reminder')),
        code text,
        day date NOT NULL,
        reason text NOT NULL,
        entered_by text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX scheduling_skips_patient_id_idx ON scheduling_skips (patient_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE scheduling_skips');
    await queryRunner.query('ALTER TABLE medication_reminders DROP COLUMN entered_by');
    await queryRunner.query('ALTER TABLE appointments DROP COLUMN entered_by');
  }
}
