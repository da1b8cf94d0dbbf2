/**
 * The clinic's synthetic catalogue. Codes follow the real code systems' shapes (CPT, ICD-10-CM,
 * RxNorm, LOINC, CVX) so that the example reads true, but fees, pharmacies, physicians and the
 * clinic are invented. No real person or organisation appears here.
 */

export const CLINIC = { id: 'clinic-001', name: 'Synthetic Family Clinic', timeZone: 'UTC' } as const;

/** Visit types billed by CPT evaluation-and-management code. Fees in US cents. */
export const VISIT_TYPES = [
  {
    type: 'office-visit-new',
    cptCode: '99203',
    description: 'New patient office visit, low complexity',
    feeCents: 16_500,
  },
  {
    type: 'office-visit-established',
    cptCode: '99213',
    description: 'Established patient office visit, low complexity',
    feeCents: 11_000,
  },
  {
    type: 'office-visit-extended',
    cptCode: '99215',
    description: 'Established patient office visit, high complexity',
    feeCents: 21_000,
  },
  {
    type: 'preventive-adult',
    cptCode: '99396',
    description: 'Preventive visit, adult 40-64',
    feeCents: 19_500,
  },
  {
    type: 'telehealth',
    cptCode: '99442',
    description: 'Telephone evaluation, 11-20 minutes',
    feeCents: 7_500,
  },
] as const;

/** In-office procedures. */
export const PROCEDURES = [
  { cptCode: '90471', description: 'Immunization administration', feeCents: 2_500 },
  { cptCode: '93000', description: 'Electrocardiogram with interpretation', feeCents: 6_000 },
  { cptCode: '36415', description: 'Venipuncture (blood draw)', feeCents: 1_200 },
  { cptCode: '94010', description: 'Spirometry', feeCents: 4_500 },
  { cptCode: '11102', description: 'Skin biopsy, tangential', feeCents: 13_000 },
] as const;

export const DIAGNOSES = [
  { icd10: 'J06.9', description: 'Acute upper respiratory infection, unspecified' },
  { icd10: 'I10', description: 'Essential (primary) hypertension' },
  { icd10: 'E11.9', description: 'Type 2 diabetes mellitus without complications' },
  { icd10: 'E78.5', description: 'Hyperlipidemia, unspecified' },
  { icd10: 'J45.909', description: 'Unspecified asthma, uncomplicated' },
  { icd10: 'M54.5', description: 'Low back pain' },
  { icd10: 'Z00.00', description: 'General adult medical examination without abnormal findings' },
  { icd10: 'F41.1', description: 'Generalized anxiety disorder' },
] as const;

/** Medications by RxNorm concept id (RXCUI). */
export const MEDICATIONS = [
  { rxnorm: '308182', name: 'Amoxicillin 500 MG Oral Capsule' },
  { rxnorm: '197361', name: 'Amlodipine 5 MG Oral Tablet' },
  { rxnorm: '860975', name: 'Metformin hydrochloride 500 MG Extended Release Oral Tablet' },
  { rxnorm: '617312', name: 'Atorvastatin 10 MG Oral Tablet' },
  { rxnorm: '245314', name: 'Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler' },
  { rxnorm: '310965', name: 'Ibuprofen 200 MG Oral Tablet' },
] as const;

/** How often a medication is taken, and the reminder times of day (HH:MM, clinic time). */
export const FREQUENCIES = [
  { frequency: 'once daily', times: ['08:00'] },
  { frequency: 'twice daily', times: ['08:00', '20:00'] },
  { frequency: 'every 8 hours', times: ['06:00', '14:00', '22:00'] },
  { frequency: 'three times daily', times: ['08:00', '14:00', '20:00'] },
  { frequency: 'at bedtime', times: ['22:00'] },
  { frequency: 'as needed', times: [] },
] as const;

export const IMMUNIZATIONS = [
  { cvx: '140', name: 'Influenza, seasonal, injectable, preservative free' },
  { cvx: '213', name: 'SARS-COV-2 (COVID-19) vaccine, unspecified' },
  { cvx: '115', name: 'Tdap' },
] as const;

/** Lab tests by LOINC code, with the lab fee in cents. */
export const LAB_TESTS = [
  { loinc: '6690-2', name: 'Leukocytes [#/volume] in Blood', feeCents: 1_800 },
  { loinc: '2345-7', name: 'Glucose [Mass/volume] in Serum or Plasma', feeCents: 1_500 },
  { loinc: '4548-4', name: 'Hemoglobin A1c/Hemoglobin.total in Blood', feeCents: 2_800 },
  { loinc: '2093-3', name: 'Cholesterol [Mass/volume] in Serum or Plasma', feeCents: 2_000 },
  { loinc: '3016-3', name: 'Thyrotropin [Units/volume] in Serum or Plasma', feeCents: 3_200 },
] as const;

/** Pharmacies. Only authorised ones may receive electronic prescriptions. */
export const PHARMACIES = [
  { pharmacyId: 'pharm-001', name: 'Synthetic Corner Pharmacy', authorised: true },
  { pharmacyId: 'pharm-002', name: 'Example Health Drugstore', authorised: true },
  { pharmacyId: 'pharm-003', name: 'Unverified Online Pharmacy', authorised: false },
  { pharmacyId: 'pharm-004', name: 'Suspended Pharmacy (licence lapsed)', authorised: false },
] as const;

export const PHYSICIANS = [
  { physicianId: 'phy-001', name: 'Dr. Sam Synthetic' },
  { physicianId: 'phy-002', name: 'Dr. Robin Example' },
  { physicianId: 'phy-003', name: 'Dr. Casey Placeholder' },
] as const;

/** Opening hours, Monday (1) to Sunday (7), in clinic time; slots of `slotMinutes`. */
export const OPENING_HOURS = {
  clinic: { days: [1, 2, 3, 4, 5], open: '08:00', close: '17:00', slotMinutes: 30 },
  lab: { days: [1, 2, 3, 4, 5, 6], open: '07:00', close: '12:00', slotMinutes: 15 },
} as const;

/** Follow-up intervals a physician may choose, in days. */
export const FOLLOW_UP_DAYS = { min: 1, max: 365 } as const;
