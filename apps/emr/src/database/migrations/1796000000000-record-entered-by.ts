import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who entered a record: the signed-in person's subject id (the access token's `sub`, never a
 * name). Nullable: records entered before sign-in existed have no known author, and a
 * migration cannot invent one.
 */
export class RecordEnteredBy1796000000000 implements MigrationInterface {
  name = 'RecordEnteredBy1796000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE medical_records ADD COLUMN entered_by text');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE medical_records DROP COLUMN entered_by');
  }
}
