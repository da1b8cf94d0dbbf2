import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Attributable effects: a prescription keeps who entered its record (the event's `enteredBy`),
 * a fill keeps the pharmacist who recorded it (the access token's subject). Subject ids, never
 * names. Nullable: rows from before sign-in existed have no known person.
 */
export class AttributablePrescriptions1796000000000 implements MigrationInterface {
  name = 'AttributablePrescriptions1796000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE prescriptions ADD COLUMN entered_by text');
    await queryRunner.query('ALTER TABLE prescription_fills ADD COLUMN filled_by text');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE prescription_fills DROP COLUMN filled_by');
    await queryRunner.query('ALTER TABLE prescriptions DROP COLUMN entered_by');
  }
}
