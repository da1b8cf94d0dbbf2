/** @app/catalogue: the clinic's synthetic catalogue (codes, fees, pharmacies, opening hours). */
export {
  CLINIC,
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
export {
  catalogue,
  type LabTest,
  type OpeningHours,
  type Pharmacy,
  type Procedure,
  type VisitType,
} from './catalogue';
