import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The EMR's first schema: patients, medical records and the transactional outbox. */
export class InitialSchema1764320000000 implements MigrationInterface {
  name = 'InitialSchema1764320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE SEQUENCE patient_mrn_seq');
    await queryRunner.query(`
      CREATE TABLE patients (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        mrn text NOT NULL UNIQUE,
        given_name text NOT NULL,
        family_name text NOT NULL,
        date_of_birth date NOT NULL,
        phone text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE medical_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        patient_id uuid NOT NULL REFERENCES patients (id) ON DELETE RESTRICT,
        physician_id text NOT NULL,
        visit_type text NOT NULL,
        cpt_code text NOT NULL,
        visit_date timestamptz NOT NULL,
        procedures jsonb NOT NULL DEFAULT '[]',
        diagnoses jsonb NOT NULL,
        medications jsonb NOT NULL DEFAULT '[]',
        immunizations jsonb NOT NULL DEFAULT '[]',
        lab_orders jsonb NOT NULL DEFAULT '[]',
        lab_results jsonb NOT NULL DEFAULT '[]',
        follow_up_days integer CHECK (follow_up_days > 0),
        note text NOT NULL DEFAULT '',
        billable boolean NOT NULL,
        event_id uuid NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX medical_records_patient_id_idx ON medical_records (patient_id)');
    await queryRunner.query(`
      CREATE TABLE outbox_events (
        id uuid PRIMARY KEY,
        event_type text NOT NULL,
        schema_version integer NOT NULL,
        payload jsonb NOT NULL,
        attributes jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        published_at timestamptz
      )`);
    await queryRunner.query(
      'CREATE INDEX outbox_pending_idx ON outbox_events (next_attempt_at) WHERE published_at IS NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE outbox_events');
    await queryRunner.query('DROP TABLE medical_records');
    await queryRunner.query('DROP TABLE patients');
    await queryRunner.query('DROP SEQUENCE patient_mrn_seq');
  }
}
