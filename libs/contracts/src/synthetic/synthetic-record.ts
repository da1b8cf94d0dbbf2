import { randomUUID } from 'node:crypto';
import type { PatientRecordCreatedV1 } from '../patient-record/patient-record-created.event';

/**
 * A synthetic record: invented people and codes from the synthetic catalogue, safe anywhere.
 * Overrides replace whole top-level fields.
 */
export function syntheticRecord(overrides: Partial<PatientRecordCreatedV1> = {}): PatientRecordCreatedV1 {
  return {
    recordId: randomUUID(),
    clinicId: 'clinic-001',
    patient: {
      patientId: randomUUID(),
      mrn: 'SYN-000123',
      givenName: 'Alex',
      familyName: 'Testpatient',
      dateOfBirth: '1980-01-01',
      phone: '555-0100',
    },
    physician: { physicianId: 'phy-001', name: 'Dr. Sam Synthetic' },
    visit: { type: 'office-visit-established', cptCode: '99213', date: '2026-11-28T09:30:00Z' },
    procedures: [],
    diagnoses: [{ icd10: 'J06.9', description: 'Acute upper respiratory infection' }],
    medications: [
      {
        rxnorm: '308182',
        name: 'Amoxicillin 500 MG Oral Capsule',
        dose: '500 mg',
        frequency: 'every 8 hours',
        quantity: 21,
        refills: 0,
        pharmacyId: 'pharm-001',
      },
    ],
    immunizations: [],
    labOrders: [{ loinc: '6690-2', name: 'WBC count' }],
    labResults: [],
    followUpDays: 14,
    billable: true,
    // The synthetic physician's subject id (libs/identity's STAFF): an id, never a name.
    enteredBy: '7f0c6a0e-3b5d-4c1e-9a53-0d6f1c2b9a01',
    ...overrides,
  };
}
