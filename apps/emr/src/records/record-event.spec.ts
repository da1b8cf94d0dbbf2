import { PatientRecordCreatedV1Schema } from '@app/contracts';
import type { Patient } from '../patients/patient.entity';
import type { MedicalRecord } from './medical-record.entity';
import { recordCreatedEvent } from './record-event';

describe('recordCreatedEvent', () => {
  const patient = {
    id: '0b7c9a8e-6f0a-4c83-9a3c-3b9f3c1d2e4f',
    mrn: 'SYN-000001',
    givenName: 'Alex',
    familyName: 'Testpatient',
    dateOfBirth: '1980-01-01',
    phone: null,
  } as Patient;
  const record = {
    id: '5e1f8c2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b',
    patientId: patient.id,
    physicianId: 'phy-001',
    visitType: 'office-visit-established',
    cptCode: '99213',
    visitDate: new Date('2026-11-27T09:30:00Z'),
    procedures: [],
    diagnoses: [{ icd10: 'J06.9', description: 'Acute upper respiratory infection, unspecified' }],
    medications: [],
    immunizations: [],
    labOrders: [{ loinc: '6690-2', name: 'Leukocytes' }],
    labResults: [],
    followUpDays: 14,
    note: 'Synthetic note that must never leave the EMR',
    billable: true,
  } as unknown as MedicalRecord;

  it('carries what the three systems need, valid against the contract, and not the note', () => {
    const { payload } = recordCreatedEvent(record, patient);
    expect(PatientRecordCreatedV1Schema.parse(payload)).toEqual(payload);
    expect(JSON.stringify(payload)).not.toContain('Synthetic note');
    expect(payload.physician).toEqual({ physicianId: 'phy-001', name: 'Dr. Sam Synthetic' });
  });

  it('carries who entered it (the subject id), and leaves it out for records from before sign-in', () => {
    const subject = '7f0c6a0e-3b5d-4c1e-9a53-0d6f1c2b9a01';
    const signed = recordCreatedEvent({ ...record, enteredBy: subject }, patient);
    expect(signed.payload.enteredBy).toBe(subject);
    expect(JSON.stringify(signed.attributes)).not.toContain(subject);
    expect(recordCreatedEvent({ ...record, enteredBy: null }, patient).payload).not.toHaveProperty(
      'enteredBy',
    );
  });

  it('derives PHI-free routing attributes from the record', () => {
    expect(recordCreatedEvent(record, patient).attributes).toEqual({
      'clinic-id': 'clinic-001',
      'has-medications': 'false',
      'has-follow-up': 'true',
      'has-lab-orders': 'true',
      billable: 'true',
    });
  });
});
