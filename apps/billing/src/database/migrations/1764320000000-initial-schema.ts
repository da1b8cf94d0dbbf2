import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createProcessedEventsTable } from '@app/platform';

/** Billing's first schema: invoices, their lines, and processed events (idempotency). */
export class InitialSchema1764320000000 implements MigrationInterface {
  name = 'InitialSchema1764320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createProcessedEventsTable(queryRunner);
    await queryRunner.query(`
      CREATE TABLE invoices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        record_id uuid NOT NULL UNIQUE,
        event_id uuid NOT NULL,
        patient_id uuid NOT NULL,
        patient_name text NOT NULL,
        mrn text NOT NULL,
        visit_date timestamptz NOT NULL,
        total_cents integer NOT NULL CHECK (total_cents >= 0),
        currency text NOT NULL DEFAULT 'USD',
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'void')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX invoices_patient_id_idx ON invoices (patient_id)');
    await queryRunner.query(`
      CREATE TABLE invoice_lines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        invoice_id uuid NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
        position integer NOT NULL,
        code_system text NOT NULL CHECK (code_system IN ('CPT', 'LOINC')),
        code text NOT NULL,
        description text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        unit_cents integer NOT NULL CHECK (unit_cents >= 0),
        amount_cents integer NOT NULL CHECK (amount_cents >= 0),
        UNIQUE (invoice_id, position)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE invoice_lines');
    await queryRunner.query('DROP TABLE invoices');
    await queryRunner.query('DROP TABLE processed_events');
  }
}
