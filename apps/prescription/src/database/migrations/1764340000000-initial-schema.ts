import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createProcessedEventsTable } from '@app/platform';

/** Prescription's first schema: prescriptions, their fills, and processed events (idempotency). */
export class InitialSchema1764340000000 implements MigrationInterface {
  name = 'InitialSchema1764340000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createProcessedEventsTable(queryRunner);
    // The CHECKs keep status, reason and transmission time consistent whatever writes the row.
    await queryRunner.query(`
      CREATE TABLE prescriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event_id uuid NOT NULL,
        record_id uuid NOT NULL,
        position integer NOT NULL CHECK (position >= 0),
        patient_id uuid NOT NULL,
        patient_given_name text NOT NULL,
        patient_family_name text NOT NULL,
        patient_date_of_birth date NOT NULL,
        prescriber_id text NOT NULL,
        prescriber_name text NOT NULL,
        rxnorm text NOT NULL,
        medication_name text NOT NULL,
        dose text NOT NULL,
        frequency text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        refills integer NOT NULL CHECK (refills >= 0),
        pharmacy_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('sent', 'rejected')),
        rejection_reason text,
        transmitted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT prescriptions_record_id_position_key UNIQUE (record_id, position),
        CONSTRAINT prescriptions_status_consistent CHECK (
          (status = 'sent' AND transmitted_at IS NOT NULL AND rejection_reason IS NULL)
          OR (status = 'rejected' AND transmitted_at IS NULL AND rejection_reason IS NOT NULL)
        )
      )`);
    await queryRunner.query('CREATE INDEX prescriptions_patient_id_idx ON prescriptions (patient_id)');
    await queryRunner.query(`
      CREATE TABLE prescription_fills (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        prescription_id uuid NOT NULL REFERENCES prescriptions (id) ON DELETE CASCADE,
        pharmacy_id text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        filled_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      'CREATE INDEX prescription_fills_prescription_id_idx ON prescription_fills (prescription_id)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE prescription_fills');
    await queryRunner.query('DROP TABLE prescriptions');
    await queryRunner.query('DROP TABLE processed_events');
  }
}
