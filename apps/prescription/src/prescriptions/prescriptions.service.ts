import { Injectable } from '@nestjs/common';
import type { Principal } from '@app/identity';
import { assertReadableBy } from './fill-access';
import { prescriptionNotFound } from './prescription-not-found';
import type { Prescription, PrescriptionStatus } from './prescription.entity';
import { PrescriptionRepository } from './prescription.repository';

/** Prescriptions as their readers see them (by patient, by id, by pharmacy). */
@Injectable()
export class PrescriptionsService {
  constructor(private readonly prescriptions: PrescriptionRepository) {}

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
