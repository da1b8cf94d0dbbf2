import { Injectable } from '@nestjs/common';
import { QueryFailedError, type EntityManager } from 'typeorm';
import { Fill } from './fill.entity';
import { FillRequest } from './fill-request.entity';

/** A fill as a pharmacy reports it: everything but what the database assigns. */
export type NewFill = Omit<Fill, 'id' | 'prescription' | 'recordedAt'>;

/** The answer a fill report got, kept under its idempotency key. */
export type KeptAnswer = Omit<FillRequest, 'createdAt'>;

const FILL_REQUEST_KEY_CONSTRAINT = 'prescription_fill_requests_pkey';
const UNIQUE_VIOLATION = '23505';

/**
 * Where fills and the answers kept under idempotency keys are stored, always inside the
 * caller's transaction (the one holding the prescription's row lock).
 */
@Injectable()
export class FillRepository {
  /** Units dispensed so far on a prescription. */
  async filledUnits(manager: EntityManager, prescriptionId: string): Promise<number> {
    const row = await manager
      .createQueryBuilder(Fill, 'fill')
      .select('COALESCE(SUM(fill.quantity), 0)', 'total')
      .where('fill.prescription_id = :prescriptionId', { prescriptionId })
      .getRawOne<{ total: string }>();
    // SUM of integers is a bigint, which the driver returns as a string.
    return Number(row?.total ?? 0);
  }

  async insert(manager: EntityManager, fill: NewFill): Promise<Fill> {
    return manager.save(manager.create(Fill, fill));
  }

  /** The answer kept under (prescription, key), or null. */
  async answerUnder(
    manager: EntityManager,
    prescriptionId: string,
    idempotencyKey: string,
  ): Promise<FillRequest | null> {
    return manager.findOne(FillRequest, { where: { prescriptionId, idempotencyKey } });
  }

  /**
   * Keeps an answer under its key. A plain INSERT, never an upsert: a second request under the
   * key must fail (see {@link isKeyRace}), not overwrite.
   */
  async keepAnswer(manager: EntityManager, answer: KeptAnswer): Promise<void> {
    await manager.query(
      `INSERT INTO prescription_fill_requests
         (prescription_id, idempotency_key, request_hash, response_status, response_body, fill_id)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        answer.prescriptionId,
        answer.idempotencyKey,
        answer.requestHash,
        answer.responseStatus,
        JSON.stringify(answer.responseBody),
        answer.fillId,
      ],
    );
  }

  /** Whether an error is a lost race to keep an answer under the same key. */
  isKeyRace(error: unknown): boolean {
    if (!(error instanceof QueryFailedError)) return false;
    const driverError = error.driverError as { code?: string; constraint?: string };
    return driverError.code === UNIQUE_VIOLATION && driverError.constraint === FILL_REQUEST_KEY_CONSTRAINT;
  }
}
