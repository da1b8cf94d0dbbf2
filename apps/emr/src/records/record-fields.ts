import { catalogue } from '@app/catalogue';
import type { CreateRecordDto } from './dto/create-record.dto';
import type { NewRecord } from './record.repository';

/** What the EMR assigns to a new record besides what the physician entered. */
export interface RecordIdentity {
  readonly id: string;
  readonly patientId: string;
  readonly eventId: string;
  /** The signed-in person's subject id; null for records from before sign-in. */
  readonly enteredBy: string | null;
}

/**
 * A record's fields from a validated DTO whose codes are all in the catalogue (checked by
 * `catalogueProblems` first): names and descriptions come from the catalogue, never the client.
 */
export function recordFields(dto: CreateRecordDto, identity: RecordIdentity): NewRecord {
  return {
    id: identity.id,
    patientId: identity.patientId,
    physicianId: dto.physicianId,
    visitType: dto.visit.type,
    cptCode: catalogue.visitType(dto.visit.type)!.cptCode,
    visitDate: new Date(dto.visit.date),
    procedures: (dto.procedures ?? []).map((p) => ({ cptCode: p.cptCode })),
    diagnoses: dto.diagnoses.map((d) => ({
      icd10: d.icd10,
      description: catalogue.diagnosis(d.icd10)!.description,
    })),
    medications: (dto.medications ?? []).map((m) => ({
      rxnorm: m.rxnorm,
      name: catalogue.medication(m.rxnorm)!.name,
      dose: m.dose,
      frequency: m.frequency,
      quantity: m.quantity,
      refills: m.refills,
      pharmacyId: m.pharmacyId,
    })),
    immunizations: (dto.immunizations ?? []).map((v) => ({
      cvx: v.cvx,
      name: catalogue.immunization(v.cvx)!.name,
      date: v.date,
    })),
    labOrders: (dto.labOrders ?? []).map((l) => ({
      loinc: l.loinc,
      name: catalogue.labTest(l.loinc)!.name,
    })),
    labResults: (dto.labResults ?? []).map((l) => ({
      loinc: l.loinc,
      value: l.value,
      unit: l.unit,
      ...(l.flag ? { flag: l.flag } : {}),
    })),
    followUpDays: dto.followUpDays ?? null,
    note: dto.note ?? '',
    billable: dto.billable ?? true,
    enteredBy: identity.enteredBy,
    eventId: identity.eventId,
  };
}
