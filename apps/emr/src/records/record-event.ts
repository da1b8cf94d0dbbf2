import { catalogue } from '@app/catalogue';
import {
  PatientRecordCreatedV1Schema,
  routingAttributesOf,
  type PatientRecordCreatedV1,
} from '@app/contracts';
import type { Patient } from '../patients/patient.entity';
import type { MedicalRecord } from './medical-record.entity';

/** The clinic this EMR serves (one clinic per deployment in this example). */
export const CLINIC_ID = 'clinic-001';

/**
 * The `patient-record.created.v1` payload of a record: what the three systems need, and no
 * more (the physician's note stays in the EMR). Validated against the contract here, so that a
 * bad event never reaches the outbox.
 */
export function recordCreatedEvent(
  record: MedicalRecord,
  patient: Patient,
): {
  payload: PatientRecordCreatedV1;
  attributes: Record<string, string>;
} {
  const payload = PatientRecordCreatedV1Schema.parse({
    recordId: record.id,
    clinicId: CLINIC_ID,
    patient: {
      patientId: patient.id,
      mrn: patient.mrn,
      givenName: patient.givenName,
      familyName: patient.familyName,
      dateOfBirth: patient.dateOfBirth,
      ...(patient.phone ? { phone: patient.phone } : {}),
    },
    physician: {
      physicianId: record.physicianId,
      name: catalogue.physician(record.physicianId)?.name ?? record.physicianId,
    },
    visit: { type: record.visitType, cptCode: record.cptCode, date: record.visitDate.toISOString() },
    procedures: record.procedures,
    diagnoses: record.diagnoses,
    medications: record.medications,
    immunizations: record.immunizations,
    labOrders: record.labOrders,
    labResults: record.labResults,
    ...(record.followUpDays ? { followUpDays: record.followUpDays } : {}),
    billable: record.billable,
    ...(record.enteredBy ? { enteredBy: record.enteredBy } : {}),
  });
  return { payload, attributes: routingAttributesOf(payload) };
}
