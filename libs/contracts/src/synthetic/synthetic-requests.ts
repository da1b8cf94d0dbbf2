/**
 * Synthetic request bodies for the EMR's API (`POST /patients`, `POST /patients/:id/records`),
 * shared by the demo, the benchmarks and the tests. Invented people and catalogue codes only.
 */

export const SYNTHETIC_PATIENT_REQUEST = {
  givenName: 'Alex',
  familyName: 'Testpatient',
  dateOfBirth: '1980-01-01',
  phone: '555-0100',
} as const;

/** The scenario's record: a visit, a diagnosis, a medication for an authorised pharmacy, a lab order, a follow-up. */
export function syntheticRecordRequest(overrides: Record<string, unknown> = {}) {
  return {
    physicianId: 'phy-001',
    visit: { type: 'office-visit-established', date: '2026-11-27T09:30:00Z' },
    diagnoses: [{ icd10: 'J06.9' }],
    medications: [
      {
        rxnorm: '308182',
        dose: '500 mg',
        frequency: 'every 8 hours',
        quantity: 21,
        refills: 0,
        pharmacyId: 'pharm-001',
      },
    ],
    labOrders: [{ loinc: '6690-2' }],
    followUpDays: 14,
    note: 'Synthetic note: stays in the EMR; never published.',
    ...overrides,
  };
}
