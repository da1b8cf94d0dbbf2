import {
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from '@app/contracts';
import { claimEvent } from '@app/platform';
import type { RecordFillDto } from './dto/record-fill.dto';
import { Fill } from './fill.entity';
import { Prescription } from './prescription.entity';
import {
  checkFill,
  decideTransmission,
  fillProgress,
  type FillRefusal,
  type FillState,
} from './prescription-rules';

/** A fill as the API returns it. */
export type FillView = Omit<Fill, 'prescription'>;

/** A prescription as the API returns it: with its fill history and the state derived from it. */
export type PrescriptionView = Omit<Prescription, 'fills'> & {
  readonly fills: FillView[];
  readonly fillState: FillState | null;
  readonly authorisedUnits: number;
  readonly filledUnits: number;
  readonly remainingUnits: number;
};

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
   */
  async recordFill(prescriptionId: string, report: RecordFillDto): Promise<FillView> {
    const fill = await this.dataSource.transaction(async (manager) => {
      const prescription = await manager.findOne(Prescription, {
        where: { id: prescriptionId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!prescription) throw notFound(prescriptionId);
      const filledAt = new Date(report.filledAt);
      const refusal = checkFill(prescription, await this.filledUnits(manager, prescriptionId), {
        pharmacyId: report.pharmacyId,
        quantity: report.quantity,
        filledAt,
      });
      if (refusal) {
        this.logger.warn({ msg: 'fill refused', prescriptionId, code: refusal.code });
        throw refusalException(refusal);
      }
      return manager.save(
        manager.create(Fill, {
          prescriptionId,
          pharmacyId: report.pharmacyId,
          quantity: report.quantity,
          filledAt,
        }),
      );
    });
    this.logger.log({ msg: 'fill recorded', prescriptionId, fillId: fill.id, quantity: fill.quantity });
    return fillView(fill);
  }

  /** A patient's prescriptions, newest record first, each with its fills in the order dispensed. */
  async byPatient(patientId: string): Promise<PrescriptionView[]> {
    const prescriptions = await this.dataSource.getRepository(Prescription).find({
      where: { patientId },
      relations: { fills: true },
      order: {
        createdAt: 'DESC',
        recordId: 'ASC',
        position: 'ASC',
        fills: { filledAt: 'ASC', recordedAt: 'ASC' },
      },
    });
    return prescriptions.map(prescriptionView);
  }

  async byId(id: string): Promise<PrescriptionView> {
    const prescription = await this.dataSource.getRepository(Prescription).findOne({
      where: { id },
      relations: { fills: true },
      order: { fills: { filledAt: 'ASC', recordedAt: 'ASC' } },
    });
    if (!prescription) throw notFound(id);
    return prescriptionView(prescription);
  }

  /** The fill history of one prescription, in the order dispensed. */
  async fills(prescriptionId: string): Promise<FillView[]> {
    return (await this.byId(prescriptionId)).fills;
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
function refusalException(refusal: FillRefusal): ConflictException | UnprocessableEntityException {
  return refusal.conflict
    ? new ConflictException({
        statusCode: 409,
        error: 'Conflict',
        code: refusal.code,
        message: refusal.message,
      })
    : new UnprocessableEntityException({
        statusCode: 422,
        error: 'Unprocessable Entity',
        code: refusal.code,
        message: refusal.message,
      });
}

function fillView({ prescription: _prescription, ...fill }: Fill): FillView {
  return fill;
}

function prescriptionView({ fills, ...prescription }: Prescription): PrescriptionView {
  const filledUnits = fills.reduce((sum, f) => sum + f.quantity, 0);
  return { ...prescription, fills: fills.map(fillView), ...fillProgress(prescription, filledUnits) };
}
