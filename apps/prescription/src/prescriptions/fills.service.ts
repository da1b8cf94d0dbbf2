import { createHash } from 'node:crypto';
import { HttpException, Injectable, Logger, UnprocessableEntityException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Principal } from '@app/identity';
import { recordedFillView } from './dto/prescription.view';
import type { RecordFillDto } from './dto/record-fill.dto';
import { assertPrescribedTo, fillPharmacyOf } from './fill-access';
import { FillRepository } from './fill.repository';
import { IDEMPOTENCY_KEY_HEADER } from './idempotency-key.pipe';
import { prescriptionNotFound } from './prescription-not-found';
import { checkFill, type FillRefusal } from './prescription-rules';
import { PrescriptionRepository } from './prescription.repository';

/** `POST /prescriptions/:id/fills`'s answer as JSON: a fill, first-hand or replayed. */
export type FillAnswer = Record<string, unknown>;

/** An answer as stored under an idempotency key. */
interface StoredAnswer {
  readonly status: number;
  readonly body: FillAnswer;
  readonly replayed: boolean;
}

/** A fill report as checked: the pharmacy and the person come from the principal, not the body. */
interface FillReport {
  readonly pharmacyId: string;
  readonly quantity: number;
  readonly filledAt: string;
  readonly filledBy: string;
}

/** Pharmacies' fills: who may record one, how much is left, and one answer per idempotency key. */
@Injectable()
export class FillsService {
  private readonly logger = new Logger(FillsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly prescriptions: PrescriptionRepository,
    private readonly fills: FillRepository,
  ) {}

  /**
   * Records a pharmacy's fill. The prescription row is locked (`SELECT ... FOR UPDATE`) while
   * the remaining units are computed and the fill inserted, so concurrent reports for the same
   * prescription are serialised and can never together exceed what it authorises.
   *
   * With an idempotency key, the answer (the fill, or a 409 / 422 refusal) is stored under
   * (prescription, key) in the same transaction as the fill: a retry gets the first answer and
   * records nothing more; the same key with a different body is refused (422). The primary key
   * on (prescription, key) backs this up should two requests ever pass the lock together.
   *
   * Only a signed-in pharmacist records a fill, for their own pharmacy (403 otherwise, before
   * anything is read), of a prescription transmitted to that pharmacy (403 otherwise, before the
   * key is looked up; never stored under it); the fill keeps their subject id.
   */
  async recordFill(
    prescriptionId: string,
    report: RecordFillDto,
    principal: Principal,
    idempotencyKey?: string,
  ): Promise<FillAnswer> {
    const { pharmacyId, pharmacist } = fillPharmacyOf(principal, report.pharmacyId);
    const fill: FillReport = {
      pharmacyId,
      quantity: report.quantity,
      filledAt: report.filledAt,
      filledBy: pharmacist,
    };
    try {
      return await this.recordFillOnce(prescriptionId, fill, idempotencyKey);
    } catch (error) {
      // Lost a race on the key: the winner's answer is committed now; replay it.
      if (idempotencyKey !== undefined && this.fills.isKeyRace(error)) {
        return this.recordFillOnce(prescriptionId, fill, idempotencyKey);
      }
      throw error;
    }
  }

  private async recordFillOnce(
    prescriptionId: string,
    report: FillReport,
    idempotencyKey: string | undefined,
  ): Promise<FillAnswer> {
    const requestHash = fingerprint(report);
    const answer = await this.dataSource.transaction(async (manager): Promise<StoredAnswer> => {
      const prescription = await this.prescriptions.lockById(manager, prescriptionId);
      if (!prescription) throw prescriptionNotFound(prescriptionId);
      assertPrescribedTo(prescription, report.pharmacyId);
      if (idempotencyKey !== undefined) {
        const previous = await this.fills.answerUnder(manager, prescriptionId, idempotencyKey);
        if (previous) {
          if (previous.requestHash !== requestHash) throw keyReused(prescriptionId);
          return { status: previous.responseStatus, body: previous.responseBody, replayed: true };
        }
      }
      const filledAt = new Date(report.filledAt);
      const refusal = checkFill(prescription, await this.fills.filledUnits(manager, prescriptionId), {
        quantity: report.quantity,
        filledAt,
      });
      let stored: StoredAnswer;
      let fillId: string | null = null;
      if (refusal) {
        this.logger.warn({ msg: 'fill refused', prescriptionId, code: refusal.code });
        stored = { status: refusal.conflict ? 409 : 422, body: refusalBody(refusal), replayed: false };
      } else {
        const fill = await this.fills.insert(manager, {
          prescriptionId,
          pharmacyId: report.pharmacyId,
          quantity: report.quantity,
          filledAt,
          filledBy: report.filledBy,
        });
        fillId = fill.id;
        // As JSON: what the client gets now is exactly what a retry gets later.
        stored = {
          status: 201,
          body: JSON.parse(JSON.stringify(recordedFillView(fill, prescription))) as FillAnswer,
          replayed: false,
        };
      }
      if (idempotencyKey !== undefined) {
        await this.fills.keepAnswer(manager, {
          prescriptionId,
          idempotencyKey,
          requestHash,
          responseStatus: stored.status,
          responseBody: stored.body,
          fillId,
        });
      }
      return stored;
    });
    if (answer.replayed) {
      this.logger.log({ msg: 'fill request replayed', prescriptionId, status: answer.status });
    } else if (answer.status === 201) {
      this.logger.log({
        msg: 'fill recorded',
        prescriptionId,
        fillId: answer.body.id,
        quantity: answer.body.quantity,
        idempotent: idempotencyKey !== undefined,
      });
    }
    if (answer.status !== 201) throw new HttpException(answer.body, answer.status);
    return answer.body;
  }
}

/** State conflicts (may differ for a concurrent request) are 409; reports that can never fit, 422. */
function refusalBody(refusal: FillRefusal): Record<string, unknown> {
  return refusal.conflict
    ? { statusCode: 409, error: 'Conflict', code: refusal.code, message: refusal.message }
    : { statusCode: 422, error: 'Unprocessable Entity', code: refusal.code, message: refusal.message };
}

function keyReused(prescriptionId: string): UnprocessableEntityException {
  return new UnprocessableEntityException({
    statusCode: 422,
    error: 'Unprocessable Entity',
    code: 'IDEMPOTENCY_KEY_REUSED',
    message: `This ${IDEMPOTENCY_KEY_HEADER} header was already used for a different fill report of prescription ${prescriptionId}: send a new key for a new report`,
  });
}

/**
 * SHA-256 of the report (the principal's pharmacy, quantity, date), fields in a fixed order:
 * what "the same request" means. A body with or without the (same) pharmacyId is the same
 * request; another pharmacy's retry under the key is not.
 */
function fingerprint(report: FillReport): string {
  return createHash('sha256')
    .update(JSON.stringify([report.pharmacyId, report.quantity, report.filledAt]))
    .digest('hex');
}
