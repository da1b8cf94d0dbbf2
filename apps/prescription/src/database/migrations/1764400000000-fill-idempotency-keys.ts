import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotent fill reports: a pharmacy's `Idempotency-Key` per prescription, with a fingerprint
 * of the request and the answer it got, written in the same transaction as the fill. The
 * primary key makes a second fill under the same key impossible, whatever the concurrency.
 */
export class FillIdempotencyKeys1764400000000 implements MigrationInterface {
  name = 'FillIdempotencyKeys1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // `json`, not `jsonb`: the stored answer is replayed as it was first sent.
    await queryRunner.query(`
      CREATE TABLE prescription_fill_requests (
        prescription_id uuid NOT NULL REFERENCES prescriptions (id) ON DELETE CASCADE,
        idempotency_key text NOT NULL CHECK (idempotency_key ~ '^[!-~]{1,255}$'),
        request_hash text NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
        response_status integer NOT NULL CHECK (response_status IN (201, 409, 422)),
        response_body json NOT NULL,
        fill_id uuid REFERENCES prescription_fills (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT prescription_fill_requests_pkey PRIMARY KEY (prescription_id, idempotency_key),
        CONSTRAINT prescription_fill_requests_fill_consistent CHECK ((response_status = 201) = (fill_id IS NOT NULL))
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE prescription_fill_requests');
  }
}
