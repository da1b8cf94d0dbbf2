import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { MedicalRecord } from '../medical-record.entity';

class CodeView {
  @ApiProperty({ example: '36415', description: 'CPT code' })
  cptCode!: string;
}

class DiagnosisView {
  @ApiProperty({ example: 'J06.9' })
  icd10!: string;
  @ApiProperty({ example: 'Acute upper respiratory infection' })
  description!: string;
}

class MedicationView {
  @ApiProperty({ example: '308182' })
  rxnorm!: string;
  @ApiProperty({ example: 'Amoxicillin 500 MG Oral Capsule' })
  name!: string;
  @ApiProperty({ example: '500 mg' })
  dose!: string;
  @ApiProperty({ example: 'every 8 hours' })
  frequency!: string;
  @ApiProperty({ example: 21 })
  quantity!: number;
  @ApiProperty({ example: 0 })
  refills!: number;
  @ApiProperty({ example: 'pharm-001' })
  pharmacyId!: string;
}

class ImmunizationView {
  @ApiProperty({ example: '140' })
  cvx!: string;
  @ApiProperty({ example: 'Influenza, seasonal' })
  name!: string;
  @ApiProperty({ example: '2026-11-28' })
  date!: string;
}

class LabOrderView {
  @ApiProperty({ example: '6690-2' })
  loinc!: string;
  @ApiProperty({ example: 'WBC count' })
  name!: string;
}

class LabResultView {
  @ApiProperty({ example: '2345-7' })
  loinc!: string;
  @ApiProperty({ example: '98' })
  value!: string;
  @ApiProperty({ example: 'mg/dL' })
  unit!: string;
  @ApiPropertyOptional({ example: 'N' })
  flag?: string;
}

/**
 * A medical record as the care team (physicians, nurses) reads it: the whole clinical content,
 * including the physician's note, which only the EMR ever holds. Who entered it is a subject
 * id, never a name.
 */
export class RecordView {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ format: 'uuid' })
  patientId!: string;
  @ApiProperty({ example: 'phy-001', description: 'The treating physician (catalogue id)' })
  physicianId!: string;
  @ApiProperty({ example: 'office-visit-established' })
  visitType!: string;
  @ApiProperty({ example: '99213', description: "The visit's CPT code" })
  cptCode!: string;
  @ApiProperty()
  visitDate!: Date;
  @ApiProperty({ type: [CodeView] })
  procedures!: CodeView[];
  @ApiProperty({ type: [DiagnosisView] })
  diagnoses!: DiagnosisView[];
  @ApiProperty({ type: [MedicationView] })
  medications!: MedicationView[];
  @ApiProperty({ type: [ImmunizationView] })
  immunizations!: ImmunizationView[];
  @ApiProperty({ type: [LabOrderView] })
  labOrders!: LabOrderView[];
  @ApiProperty({ type: [LabResultView] })
  labResults!: LabResultView[];
  @ApiProperty({ example: 14, nullable: true, type: Number })
  followUpDays!: number | null;
  @ApiProperty({ description: "The physician's free-text note: stays in the EMR, never published" })
  note!: string;
  @ApiProperty()
  billable!: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Subject id of who entered it (never a name); null for records from before sign-in',
  })
  enteredBy!: string | null;
  @ApiProperty({ format: 'uuid', description: 'Id of the patient-record.created event announcing it' })
  eventId!: string;
  @ApiProperty()
  createdAt!: Date;
}

export function recordView(record: MedicalRecord): RecordView {
  return {
    id: record.id,
    patientId: record.patientId,
    physicianId: record.physicianId,
    visitType: record.visitType,
    cptCode: record.cptCode,
    visitDate: record.visitDate,
    procedures: record.procedures.map((p) => ({ cptCode: p.cptCode })),
    diagnoses: record.diagnoses.map((d) => ({ icd10: d.icd10, description: d.description })),
    medications: record.medications.map((m) => ({
      rxnorm: m.rxnorm,
      name: m.name,
      dose: m.dose,
      frequency: m.frequency,
      quantity: m.quantity,
      refills: m.refills,
      pharmacyId: m.pharmacyId,
    })),
    immunizations: record.immunizations.map((v) => ({ cvx: v.cvx, name: v.name, date: v.date })),
    labOrders: record.labOrders.map((l) => ({ loinc: l.loinc, name: l.name })),
    labResults: record.labResults.map((l) => ({
      loinc: l.loinc,
      value: l.value,
      unit: l.unit,
      ...(l.flag ? { flag: l.flag } : {}),
    })),
    followUpDays: record.followUpDays,
    note: record.note,
    billable: record.billable,
    enteredBy: record.enteredBy,
    eventId: record.eventId,
    createdAt: record.createdAt,
  };
}
