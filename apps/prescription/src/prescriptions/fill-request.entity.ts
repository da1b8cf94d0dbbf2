import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A fill report made under an `Idempotency-Key`: the answer it got, so that a retry with the
 * same key gets the same answer and records nothing more. Keyed per prescription.
 */
@Entity({ name: 'prescription_fill_requests' })
export class FillRequest {
  @PrimaryColumn('uuid', { name: 'prescription_id' })
  prescriptionId!: string;

  @PrimaryColumn('text', { name: 'idempotency_key' })
  idempotencyKey!: string;

  /** SHA-256 of the request body as validated: a different body under the same key is refused. */
  @Column('text', { name: 'request_hash' })
  requestHash!: string;

  /** 201, or the 409 / 422 refusal the first request got. */
  @Column('integer', { name: 'response_status' })
  responseStatus!: number;

  @Column('json', { name: 'response_body' })
  responseBody!: Record<string, unknown>;

  /** The fill recorded, for a 201. */
  @Column('uuid', { name: 'fill_id', nullable: true })
  fillId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
