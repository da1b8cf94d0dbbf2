import {
  DIAGNOSES,
  FREQUENCIES,
  IMMUNIZATIONS,
  LAB_TESTS,
  MEDICATIONS,
  OPENING_HOURS,
  PHARMACIES,
  PHYSICIANS,
  PROCEDURES,
  VISIT_TYPES,
} from './catalogue.data';

export type VisitType = (typeof VISIT_TYPES)[number];
export type Procedure = (typeof PROCEDURES)[number];
export type LabTest = (typeof LAB_TESTS)[number];
export type Pharmacy = (typeof PHARMACIES)[number];
export type OpeningHours = (typeof OPENING_HOURS)[keyof typeof OPENING_HOURS];

const index = <T, K extends keyof T>(items: readonly T[], key: K) =>
  new Map<T[K], T>(items.map((item) => [item[key], item]));

const visitTypes = index(VISIT_TYPES, 'type');
const procedures = index(PROCEDURES, 'cptCode');
const diagnoses = index(DIAGNOSES, 'icd10');
const medications = index(MEDICATIONS, 'rxnorm');
const frequencies = index(FREQUENCIES, 'frequency');
const immunizations = index(IMMUNIZATIONS, 'cvx');
const labTests = index(LAB_TESTS, 'loinc');
const pharmacies = index(PHARMACIES, 'pharmacyId');
const physicians = index(PHYSICIANS, 'physicianId');

/** Look-ups in the synthetic catalogue. Each returns `undefined` for an unknown code. */
export const catalogue = {
  visitType: (type: string) => visitTypes.get(type as VisitType['type']),
  /** Fee of a visit or procedure by CPT code. */
  cptFeeCents: (cpt: string): number | undefined =>
    VISIT_TYPES.find((v) => v.cptCode === cpt)?.feeCents ??
    procedures.get(cpt as Procedure['cptCode'])?.feeCents,
  procedure: (cpt: string) => procedures.get(cpt as Procedure['cptCode']),
  diagnosis: (icd10: string) => diagnoses.get(icd10 as (typeof DIAGNOSES)[number]['icd10']),
  medication: (rxnorm: string) => medications.get(rxnorm as (typeof MEDICATIONS)[number]['rxnorm']),
  frequency: (frequency: string) => frequencies.get(frequency as (typeof FREQUENCIES)[number]['frequency']),
  immunization: (cvx: string) => immunizations.get(cvx as (typeof IMMUNIZATIONS)[number]['cvx']),
  labTest: (loinc: string) => labTests.get(loinc as LabTest['loinc']),
  pharmacy: (id: string) => pharmacies.get(id as Pharmacy['pharmacyId']),
  physician: (id: string) => physicians.get(id as (typeof PHYSICIANS)[number]['physicianId']),
  openingHours: OPENING_HOURS,
};
