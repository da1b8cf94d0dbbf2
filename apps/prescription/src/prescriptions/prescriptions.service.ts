import { createHash } from 'node:crypto';
import {
  HttpException,
  Injectable,
  Logger,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from '@app/contracts';
import type { Principal } from '@app/identity';
import { claimEvent } from '@app/platform';
import { recordedFillView } from './dto/prescription.view';
import type { RecordFillDto } from './dto/record-fill.dto';
import { assertPrescribedTo, assertReadableBy, fillPharmacyOf } from './fill-access';
import { Fill } from './fill.entity';
import { FillRequest } from './fill-request.entity';
import { IDEMPOTENCY_KEY_HEADER } from './idempotency-key.pipe';
import { Prescription, type PrescriptionStatus } from './prescription.entity';
import { checkFill, decideTransmission, type FillRefusal } from './prescription-rules';

/** `POST /prescriptions/:id/fills`'s answer as JSON: a fill, first-hand or replayed. */
export type FillAnswer = Record<string, unknown>;

/** An answer as stored under an idempotency key. */
interface StoredAnswer {
  readonly status: number;
  readonly body: FillAnswer;
  readonly replayed: boolean;
}

@Injectable()
export class PrescriptionsService {
  private readonly logger = new Logger(PrescriptionsService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Turns each medication of a record into a prescription, once per event id: sent to an
   * authorised pharmacy, or recorded as rejected with its reason. The processed-event row and
   * the prescriptions commit together, so a redelivered or re-sent copy changes nothing.
   *
   * Transmission is simulated (no network): a sent prescription is stamped `transmittedAt`.
   * A real transmitter would sit behind a port and be driven by an outbox row written here, so
   * that a rolled-back transaction never leaves a prescription at a pharmacy.
   */
  async prescribe(eventId: string, record: PatientRecordCreatedV1): Promise<void> {
    const created = await this.dataSource.transaction(async (manager) => {
      if (!(await claimEvent(manager, eventId, PatientRecordCreatedV1Event.pattern))) return undefined;
      // Another event for a record already prescribed (say, re-published under a new event id)
      // must not send its medications twice; the UNIQUE (record_id, position) backs this up.
      if (await manager.exists(Prescription, { where: { recordId: record.recordId } })) {
        this.logger.warn({
          msg: 'record already prescribed; nothing to do',
          eventId,
          recordId: record.recordId,
        });
        return [];
      }
      const now = new Date();
      const rows = record.medications.map((medication, position) => {
        const decision = decideTransmission(medication);
        return manager.create(Prescription, {
          eventId,
          recordId: record.recordId,
          position,
          patientId: record.patient.patientId,
          patientGivenName: record.patient.givenName,
          patientFamilyName: record.patient.familyName,
          patientDateOfBirth: record.patient.dateOfBirth,
          prescriberId: record.physician.physicianId,
          prescriberName: record.physician.name,
          rxnorm: medication.rxnorm,
          medicationName: medication.name,
          dose: medication.dose,
          frequency: medication.frequency,
          quantity: medication.quantity,
          refills: medication.refills,
          pharmacyId: medication.pharmacyId,
          status: decision.status,
          rejectionReason: decision.status === 'rejected' ? decision.reason : null,
          transmittedAt: decision.status === 'sent' ? now : null,
          enteredBy: record.enteredBy ?? null,
        });
      });
      return manager.save(rows);
    });
    if (!created) {
      this.logger.log({ msg: 'event already processed; nothing to do', eventId });
      return;
    }
    // Ids, codes and counts only: names, date of birth and medication stay out of the logs.
    for (const p of created) {
      if (p.status === 'sent') {
        this.logger.log({
          msg: 'prescription transmitted',
          prescriptionId: p.id,
          eventId,
          pharmacyId: p.pharmacyId,
        });
      } else {
        this.logger.warn({
          msg: 'prescription rejected',
          prescriptionId: p.id,
          eventId,
          pharmacyId: p.pharmacyId,
          reason: p.rejectionReason,
        });
      }
    }
  }

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
      if (idempotencyKey !== undefined && isUniqueViolation(error, FILL_REQUEST_KEY_CONSTRAINT)) {
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
      const prescription = await manager.findOne(Prescription, {
        where: { id: prescriptionId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!prescription) throw notFound(prescriptionId);
      assertPrescribedTo(prescription, report.pharmacyId);
      if (idempotencyKey !== undefined) {
        const previous = await manager.findOne(FillRequest, { where: { prescriptionId, idempotencyKey } });
        if (previous) {
          if (previous.requestHash !== requestHash) throw keyReused(prescriptionId);
          return { status: previous.responseStatus, body: previous.responseBody, replayed: true };
        }
      }
      const filledAt = new Date(report.filledAt);
      const refusal = checkFill(prescription, await this.filledUnits(manager, prescriptionId), {
        quantity: report.quantity,
        filledAt,
      });
      let stored: StoredAnswer;
      let fillId: string | null = null;
      if (refusal) {
        this.logger.warn({ msg: 'fill refused', prescriptionId, code: refusal.code });
        stored = { status: refusal.conflict ? 409 : 422, body: refusalBody(refusal), replayed: false };
      } else {
        const fill = await manager.save(
          manager.create(Fill, {
            prescriptionId,
            pharmacyId: report.pharmacyId,
            quantity: report.quantity,
            filledAt,
            filledBy: report.filledBy,
          }),
        );
        fillId = fill.id;
        // As JSON: what the client gets now is exactly what a retry gets later.
        stored = {
          status: 201,
          body: JSON.parse(JSON.stringify(recordedFillView(fill, prescription))) as FillAnswer,
          replayed: false,
        };
      }
      if (idempotencyKey !== undefined) {
        // A plain INSERT, never an upsert: a second request under the key must fail, not overwrite.
        await manager.query(
          `INSERT INTO prescription_fill_requests
             (prescription_id, idempotency_key, request_hash, response_status, response_body, fill_id)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [prescriptionId, idempotencyKey, requestHash, stored.status, JSON.stringify(stored.body), fillId],
        );
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

  /** A patient's prescriptions, newest record first, each with its fills in the order dispensed. */
  async byPatient(patientId: string): Promise<Prescription[]> {
    return this.dataSource.getRepository(Prescription).find({
      where: { patientId },
      relations: { fills: true },
      order: {
        createdAt: 'DESC',
        recordId: 'ASC',
        position: 'ASC',
        fills: { filledAt: 'ASC', recordedAt: 'ASC' },
      },
    });
  }

  /**
   * One prescription with its fills in the order dispensed. With a reader, a pharmacist of
   * another pharmacy is refused (403 PHARMACY_NOT_YOURS); an unknown id is 404 for everyone.
   */
  async byId(id: string, reader?: Principal): Promise<Prescription> {
    const prescription = await this.dataSource.getRepository(Prescription).findOne({
      where: { id },
      relations: { fills: true },
      order: { fills: { filledAt: 'ASC', recordedAt: 'ASC' } },
    });
    if (!prescription) throw notFound(id);
    if (reader) assertReadableBy(prescription, reader);
    return prescription;
  }

  /**
   * The `limit` newest prescriptions sent (or rejected) to one pharmacy, each with its fills in
   * the order dispensed. Two queries: the page of ids first, then the rows with their fills, as
   * `take` over a join with ordered fills would page over (prescription, fill) pairs.
   */
  async forPharmacy(
    pharmacyId: string,
    filter: { readonly status?: PrescriptionStatus; readonly limit: number },
  ): Promise<Prescription[]> {
    const repository = this.dataSource.getRepository(Prescription);
    const order = { createdAt: 'DESC', recordId: 'ASC', position: 'ASC' } as const;
    const page = await repository.find({
      select: { id: true },
      where: { pharmacyId, ...(filter.status ? { status: filter.status } : {}) },
      order,
      take: filter.limit,
    });
    if (page.length === 0) return [];
    return repository.find({
      where: { id: In(page.map((p) => p.id)) },
      relations: { fills: true },
      order: { ...order, fills: { filledAt: 'ASC', recordedAt: 'ASC' } },
    });
  }

  private async filledUnits(manager: EntityManager, prescriptionId: string): Promise<number> {
    const row = await manager
      .createQueryBuilder(Fill, 'fill')
      .select('COALESCE(SUM(fill.quantity), 0)', 'total')
      .where('fill.prescription_id = :prescriptionId', { prescriptionId })
      .getRawOne<{ total: string }>();
    // SUM of integers is a bigint, which the driver returns as a string.
    return Number(row?.total ?? 0);
  }
}

function notFound(id: string): NotFoundException {
  return new NotFoundException(`Prescription ${id} does not exist`);
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

/** A fill report as checked: the pharmacy and the person come from the principal, not the body. */
interface FillReport {
  readonly pharmacyId: string;
  readonly quantity: number;
  readonly filledAt: string;
  readonly filledBy: string;
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

const FILL_REQUEST_KEY_CONSTRAINT = 'prescription_fill_requests_pkey';
const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === UNIQUE_VIOLATION && driverError.constraint === constraint;
}
