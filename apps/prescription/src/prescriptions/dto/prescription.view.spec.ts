import type { Fill } from '../fill.entity';
import type { Prescription } from '../prescription.entity';
import { fillView, prescriptionView, recordedFillView } from './prescription.view';

describe('prescription views (what dispensing needs, built field by field)', () => {
  const fill = {
    id: 'f1',
    prescriptionId: '11111111-1111-4111-8111-111111111111',
    pharmacyId: 'pharm-001',
    quantity: 21,
    filledAt: new Date('2026-11-29T10:00:00Z'),
    recordedAt: new Date('2026-11-29T10:00:01Z'),
    filledBy: 'pharmacist-subject',
    prescription: { note: 'the back-reference must not be followed' },
  } as unknown as Fill;
  const prescription = {
    id: '11111111-1111-4111-8111-111111111111',
    eventId: '33333333-3333-4333-8333-333333333333',
    recordId: '22222222-2222-4222-8222-222222222222',
    position: 0,
    patientId: '44444444-4444-4444-8444-444444444444',
    patientGivenName: 'Alex',
    patientFamilyName: 'Testpatient',
    patientDateOfBirth: '1980-01-01',
    prescriberId: 'phy-001',
    prescriberName: 'Dr. Sam Synthetic',
    rxnorm: '308182',
    medicationName: 'Amoxicillin 500 MG Oral Capsule',
    dose: '500 mg',
    frequency: 'every 8 hours',
    quantity: 21,
    refills: 1,
    pharmacyId: 'pharm-001',
    status: 'sent',
    rejectionReason: null,
    transmittedAt: new Date('2026-11-28T10:00:00Z'),
    enteredBy: 'physician-subject',
    createdAt: new Date('2026-11-28T10:00:00Z'),
    fills: [fill],
    diagnoses: [{ icd10: 'J06.9' }],
    note: 'Synthetic note',
  } as unknown as Prescription;

  it('a fill: what was dispensed, where, when and by whom; never its prescription', () => {
    expect(fillView(fill)).toEqual({
      id: 'f1',
      prescriptionId: prescription.id,
      pharmacyId: 'pharm-001',
      quantity: 21,
      filledAt: fill.filledAt,
      recordedAt: fill.recordedAt,
      filledBy: 'pharmacist-subject',
    });
    expect(recordedFillView(fill, prescription)).toEqual({
      ...fillView(fill),
      patientId: prescription.patientId,
    });
  });

  it('a prescription: its fills and units derived from them, no diagnosis and no note', () => {
    const view = prescriptionView(prescription);
    expect(view.fills).toEqual([fillView(fill)]);
    expect(view).toMatchObject({
      fillState: 'partially-filled',
      authorisedUnits: 42,
      filledUnits: 21,
      remainingUnits: 21,
    });
    expect(view).not.toHaveProperty('diagnoses');
    expect(view).not.toHaveProperty('note');
  });

  it('a prescription without loaded fills reads as unfilled', () => {
    const view = prescriptionView({ ...prescription, fills: undefined } as unknown as Prescription);
    expect(view).toMatchObject({ fills: [], fillState: 'unfilled', filledUnits: 0, remainingUnits: 42 });
  });
});
