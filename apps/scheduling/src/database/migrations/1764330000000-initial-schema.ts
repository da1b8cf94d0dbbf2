import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createProcessedEventsTable } from '@app/platform';

/** Scheduling's first schema: appointments, medication reminders, processed events (idempotency). */
export class InitialSchema1764330000000 implements MigrationInterface {
  name = 'InitialSchema1764330000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createProcessedEventsTable(queryRunner);
    // The unique (resource, slot_start) is the no-double-booking guarantee: one room, one chair.
    await queryRunner.query(`
      CREATE TABLE appointments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('follow-up', 'lab')),
        resource text NOT NULL CHECK (resource IN ('clinic', 'lab')),
        loinc text,
        patient_id uuid NOT NULL,
        record_id uuid NOT NULL,
        event_id uuid NOT NULL,
        slot_start timestamptz NOT NULL,
        slot_end timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT appointments_resource_slot_start_key UNIQUE (resource, slot_start),
        CONSTRAINT appointments_slot_check CHECK (slot_end > slot_start),
        CONSTRAINT appointments_kind_resource_check CHECK (
          (kind = 'follow-up' AND resource = 'clinic' AND loinc IS NULL)
          OR (kind = 'lab' AND resource = 'lab' AND loinc IS NOT NULL)
        )
      )`);
    await queryRunner.query('CREATE INDEX appointments_patient_id_idx ON appointments (patient_id)');
    await queryRunner.query(`
      CREATE TABLE medication_reminders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        patient_id uuid NOT NULL,
        record_id uuid NOT NULL,
        event_id uuid NOT NULL,
        rxnorm text NOT NULL,
        medication_name text NOT NULL,
        dose text NOT NULL,
        frequency text NOT NULL,
        time_of_day text NOT NULL CHECK (time_of_day ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
        start_date date NOT NULL,
        end_date date NOT NULL,
        doses integer NOT NULL CHECK (doses > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT medication_reminders_dates_check CHECK (end_date >= start_date)
      )`);
    await queryRunner.query(
      'CREATE INDEX medication_reminders_patient_id_idx ON medication_reminders (patient_id)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE medication_reminders');
    await queryRunner.query('DROP TABLE appointments');
    await queryRunner.query('DROP TABLE processed_events');
  }
}
