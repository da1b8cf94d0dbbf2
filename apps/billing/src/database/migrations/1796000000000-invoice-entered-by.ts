import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who entered the record an invoice bills (the event's `enteredBy` subject id, never a name):
 * a billing clerk can tell which person's entry a charge comes from. Nullable: invoices of
 * events from before sign-in have none.
 */
export class InvoiceEnteredBy1796000000000 implements MigrationInterface {
  name = 'InvoiceEnteredBy1796000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE invoices ADD COLUMN entered_by text');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE invoices DROP COLUMN entered_by');
  }
}
