import { catalogue } from '@app/catalogue';
import type { CreateRecordDto } from './dto/create-record.dto';

/**
 * Checks every code and reference of a record against the catalogue. Returns one message per
 * problem, each naming the field and the unknown value (codes are not PHI).
 */
export function catalogueProblems(dto: CreateRecordDto): string[] {
  const problems: string[] = [];
  if (!catalogue.physician(dto.physicianId))
    problems.push(`physicianId: unknown physician "${dto.physicianId}"`);
  if (!catalogue.visitType(dto.visit.type))
    problems.push(`visit.type: unknown visit type "${dto.visit.type}"`);
  dto.procedures?.forEach((p, i) => {
    if (!catalogue.procedure(p.cptCode))
      problems.push(`procedures.${i}.cptCode: unknown procedure "${p.cptCode}"`);
  });
  dto.diagnoses.forEach((d, i) => {
    if (!catalogue.diagnosis(d.icd10))
      problems.push(`diagnoses.${i}.icd10: unknown ICD-10 code "${d.icd10}"`);
  });
  dto.medications?.forEach((m, i) => {
    if (!catalogue.medication(m.rxnorm))
      problems.push(`medications.${i}.rxnorm: unknown RxNorm code "${m.rxnorm}"`);
    if (!catalogue.frequency(m.frequency))
      problems.push(`medications.${i}.frequency: unknown frequency "${m.frequency}"`);
    if (!catalogue.pharmacy(m.pharmacyId))
      problems.push(`medications.${i}.pharmacyId: unknown pharmacy "${m.pharmacyId}"`);
  });
  dto.immunizations?.forEach((v, i) => {
    if (!catalogue.immunization(v.cvx)) problems.push(`immunizations.${i}.cvx: unknown vaccine "${v.cvx}"`);
  });
  dto.labOrders?.forEach((l, i) => {
    if (!catalogue.labTest(l.loinc)) problems.push(`labOrders.${i}.loinc: unknown lab test "${l.loinc}"`);
  });
  dto.labResults?.forEach((l, i) => {
    if (!catalogue.labTest(l.loinc)) problems.push(`labResults.${i}.loinc: unknown lab test "${l.loinc}"`);
  });
  if (dto.diagnoses.length === 0) problems.push('diagnoses: at least one diagnosis is required');
  return problems;
}
