import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1, type RecordEvent } from '@app/contracts';
import { runBatchOnceInOneStatement, type EventConsumer } from '@app/platform';
import {
  PrescriptionRepository,
  type NewPrescription,
  type WrittenPrescription,
} from './prescription.repository';
import { decideTransmission, type RejectionReason } from './prescription-rules';

/** What became of one event's medications. */
interface Prescribed {
  readonly sent: number;
  readonly rejected: readonly RejectionReason[];
}

/** Turns the medications of recorded visits into prescriptions: Prescription's side of the record event. */
@Injectable()
export class RecordPrescribingService {
  private readonly logger = new Logger(RecordPrescribingService.name);
  private readonly consumer: EventConsumer;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly prescriptions: PrescriptionRepository,
  ) {
    this.consumer = { dataSource, pattern: PatientRecordCreatedV1Event.pattern, logger: this.logger };
  }

  /**
   * Turns each medication of a batch of records into a prescription, once per event id: sent to
   * an authorised pharmacy, or recorded as rejected with its reason. The processed-event rows
   * and the prescriptions of the whole batch commit together (one statement writes them all), so
   * a redelivered or re-sent copy changes nothing, and a record already prescribed under another
   * event id is not sent twice. An event whose insert fails fails alone. A record without
   * medications is skipped (defence in depth: the filter policy routes only records with
   * medications here). Resolves the failures by event id (absent: prescribed, or prescribed before).
   *
   * Transmission is simulated (no network): a sent prescription is stamped `transmittedAt`.
   * A real transmitter would sit behind a port and be driven by an outbox row written here, so
   * that a rolled-back transaction never leaves a prescription at a pharmacy.
   */
  async prescribeRecords(batch: ReadonlyArray<RecordEvent>): Promise<Map<string, unknown>> {
    const withMedications = batch.filter(({ record }) => record.medications.length > 0);
    const now = new Date();
    // A statement sees none of its own rows: two events of one record in a batch must not both
    // insert, so only the first of each record goes (a later copy finds the record prescribed).
    const run = await runBatchOnceInOneStatement<RecordEvent, WrittenPrescription>(
      withMedications,
      this.consumer,
      (events) =>
        this.prescriptions.insertForClaimed(
          uniqueBy(events, (event) => event.record.recordId).flatMap(({ eventId, record }) =>
            prescriptionsOf(eventId, record, now),
          ),
        ),
    );
    const outcomes = outcomesOf(run.done, run.rows);
    this.report(run.done.map(({ eventId }) => [eventId, outcomes.get(eventId)!] as const));
    return new Map(run.failures);
  }

  /** One line per batch: ids, counts and rejection reasons; names, birth dates and medications stay out. */
  private report(done: ReadonlyArray<readonly [string, Prescribed | 'already prescribed']>): void {
    if (done.length === 0) return;
    const prescribed = done.filter(
      (entry): entry is readonly [string, Prescribed] => entry[1] !== 'already prescribed',
    );
    const sent = prescribed.reduce((sum, [, p]) => sum + p.sent, 0);
    const reasons = prescribed.flatMap(([, p]) => p.rejected);
    const alreadyPrescribed = done.filter(([, p]) => p === 'already prescribed').map(([eventId]) => eventId);
    const line = {
      msg: messageOf(sent, reasons.length),
      sent,
      rejected: reasons.length,
      ...(reasons.length > 0 ? { reasons: countOf(reasons) } : {}),
      eventIds: prescribed.map(([eventId]) => eventId),
      ...(alreadyPrescribed.length > 0 ? { alreadyPrescribed } : {}),
    };
    if (reasons.length > 0 || alreadyPrescribed.length > 0) this.logger.warn(line);
    else this.logger.log(line);
  }
}

/** One prescription per medication of the record, each sent or rejected by the transmission rules. */
function prescriptionsOf(eventId: string, record: PatientRecordCreatedV1, now: Date): NewPrescription[] {
  return record.medications.map((medication, position) => {
    const decision = decideTransmission(medication);
    return {
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
    };
  });
}

/** The line's message: what the batch mostly did (the message of the line per record before batches). */
function messageOf(sent: number, rejected: number): string {
  if (sent > 0) return 'prescription transmitted';
  if (rejected > 0) return 'prescription rejected';
  return 'record already prescribed; nothing to do';
}

/** By event id: what was written for each event done, or 'already prescribed' if nothing was. */
function outcomesOf(
  done: readonly RecordEvent[],
  written: readonly WrittenPrescription[],
): Map<string, Prescribed | 'already prescribed'> {
  const outcomes = new Map<string, Prescribed | 'already prescribed'>(
    done.map(({ eventId }) => [eventId, 'already prescribed']),
  );
  for (const row of written) {
    const prescribed = outcomes.get(row.event_id);
    const { sent, rejected } = typeof prescribed === 'object' ? prescribed : { sent: 0, rejected: [] };
    outcomes.set(row.event_id, {
      sent: sent + (row.status === 'sent' ? 1 : 0),
      rejected: row.rejection_reason ? [...rejected, row.rejection_reason] : rejected,
    });
  }
  return outcomes;
}

/** The first item of each key, in order. */
function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(key(item)) && seen.add(key(item)));
}

/** How many times each value occurs. */
function countOf(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
