import { formErrorsOf, recordRequestOf, visitDateOf } from './record-form';

describe('the record form and the EMR API', () => {
  it('leaves empty rows out of the JSON and remembers which row each item came from', () => {
    const { body, rows } = recordRequestOf({
      physicianId: 'phy-001',
      'visit.type': 'office-visit-established',
      'visit.date': '2026-11-29T09:30',
      'diagnoses.0.icd10': 'J06.9',
      'diagnoses.1.icd10': '',
      'diagnoses.2.icd10': ' I10 ',
      'medications.1.rxnorm': '308182',
      'medications.1.dose': '500 mg',
      'medications.1.frequency': 'twice daily',
      'medications.1.quantity': '21',
      'medications.1.refills': '0',
      'medications.1.pharmacyId': 'pharm-001',
      'medications.0.frequency': 'once daily',
      billable: 'on',
    });
    expect(body).toEqual({
      physicianId: 'phy-001',
      visit: { type: 'office-visit-established', date: '2026-11-29T09:30:00Z' },
      diagnoses: [{ icd10: 'J06.9' }, { icd10: 'I10' }],
      medications: [
        {
          rxnorm: '308182',
          dose: '500 mg',
          frequency: 'twice daily',
          quantity: 21,
          refills: 0,
          pharmacyId: 'pharm-001',
        },
      ],
      billable: true,
    });
    expect(rows).toMatchObject({ diagnoses: [0, 2], medications: [1] });
  });

  it('sends a number that is not one as typed, for the API to name the field', () => {
    const { body } = recordRequestOf({
      'medications.0.rxnorm': '308182',
      'medications.0.quantity': 'twenty',
    });
    expect((body.medications as { quantity: unknown }[])[0].quantity).toBe('twenty');
    expect(body.billable).toBe(false);
  });

  it("maps the API's item index back to the form row, and whole-item problems to the row's code field", () => {
    const rows = { diagnoses: [0, 2], medications: [1] };
    expect(
      formErrorsOf(
        {
          'diagnoses.1.icd10': ['diagnoses.1.icd10: unknown ICD-10 code "X99.9"'],
          'medications.0': ['each value in medications must be an object'],
          'visit.date': ['visit.date must be ...'],
        },
        rows,
      ),
    ).toEqual({
      'diagnoses.2.icd10': ['diagnoses.1.icd10: unknown ICD-10 code "X99.9"'],
      'medications.1.rxnorm': ['each value in medications must be an object'],
      'visit.date': ['visit.date must be ...'],
    });
  });

  it('adds the clinic zone (UTC) to a date-time input, and leaves anything else for the API', () => {
    expect(visitDateOf('2026-11-29T09:30')).toBe('2026-11-29T09:30:00Z');
    expect(visitDateOf('2026-11-29T09:30:00+02:00')).toBe('2026-11-29T09:30:00+02:00');
    expect(visitDateOf('yesterday')).toBe('yesterday');
  });
});
