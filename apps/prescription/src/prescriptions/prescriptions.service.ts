import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from '@app/contracts';
import type { Principal } from '@app/identity';
import { runOnce, type EventConsumer } from '@app/platform';
import { assertReadableBy } from './fill-access';
import { prescriptionNotFound } from './prescription-not-found';
import type { Prescription, PrescriptionStatus } from './prescription.entity';
import { PrescriptionRepository, type NewPrescription } from './prescription.repository';
import { decideTransmission } from './prescription-rules';

@Injectable()
export class PrescriptionsService {
  private readonly logger = new Logger(PrescriptionsService.name);
  private readonly consumer: EventConsumer;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly prescriptions: PrescriptionRepository,
  ) {
    this.consumer = { dataSource, pattern: PatientRecordCreatedV1Event.pattern, logger: this.logger };
  }

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
    const ran = await runOnce(eventId, this.consumer, async (manager) => {
      // Another event for a record already prescribed (say, re-published under a new event id)
      // must not send its medications twice; the UNIQUE (record_id, position) backs this up.
      if (await this.prescriptions.existsForRecord(manager, record.recordId)) {
        this.logger.warn({
          msg: 'record already prescribed; nothing to do',
          eventId,
          recordId: record.recordId,
        });
        return [];
      }
      return this.prescriptions.insertAll(manager, prescriptionsOf(eventId, record, new Date()));
    });
    if (!ran.firstTime) return;
    // Ids, codes and counts only: names, date of birth and medication stay out of the logs.
    for (const p of ran.value) {
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

  /** A patient's prescriptions, newest record first, each with its fills in the order dispensed. */
  async byPatient(patientId: string): Promise<Prescription[]> {
    return this.prescriptions.byPatient(patientId);
  }

  /**
   * One prescription with its fills in the order dispensed. With a reader, a pharmacist of
   * another pharmacy is refused (403 PHARMACY_NOT_YOURS); an unknown id is 404 for everyone.
   */
  async byId(id: string, reader?: Principal): Promise<Prescription> {
    const prescription = await this.prescriptions.byId(id);
    if (!prescription) throw prescriptionNotFound(id);
    if (reader) assertReadableBy(prescription, reader);
    return prescription;
  }

  /** The `limit` newest prescriptions sent (or rejected) to one pharmacy, each with its fills. */
  async forPharmacy(
    pharmacyId: string,
    filter: { readonly status?: PrescriptionStatus; readonly limit: number },
  ): Promise<Prescription[]> {
    return this.prescriptions.forPharmacy(pharmacyId, filter);
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
