import { defineEvent } from '@app/crypto-messaging/core';
import { z } from 'zod';

const code = (name: string, pattern: RegExp) => z.string().regex(pattern, `must be a ${name} code`);

/** ICD-10-CM diagnosis code, such as J06.9. */
export const Icd10 = code('ICD-10', /^[A-TV-Z]\d[0-9A-Z](\.[0-9A-Z]{1,4})?$/);
/** CPT procedure code, five digits (synthetic catalogue). */
export const Cpt = code('CPT', /^\d{4}[0-9A-Z]$/);
/** RxNorm concept id (RXCUI). */
export const RxNorm = code('RxNorm', /^\d{1,8}$/);
/** LOINC code, such as 2345-7. */
export const Loinc = code('LOINC', /^\d{1,5}-\d$/);

/**
 * The subject id of the person who entered a record: the access token's `sub`, a UUID (the
 * embedded provider, Cognito) or another opaque id. Never a name: no spaces, no `@` (an email
 * is not an opaque id), at most 128 characters.
 */
export const SubjectId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:|-]{0,127}$/,
    "must be an opaque subject id (the token's sub), never a name",
  );

/**
 * `patient-record.created` v1: what Billing, Scheduling and Prescription need from a new
 * medical record, and nothing more (HIPAA minimum necessary): no free-text note.
 * This whole object travels only inside the encrypted envelope.
 */
export const PatientRecordCreatedV1Schema = z.object({
  recordId: z.uuid(),
  clinicId: z.string().min(1).max(64),
  patient: z.object({
    patientId: z.uuid(),
    mrn: z.string().min(1).max(32),
    givenName: z.string().min(1).max(100),
    familyName: z.string().min(1).max(100),
    dateOfBirth: z.iso.date(),
    phone: z.string().max(32).optional(),
  }),
  physician: z.object({ physicianId: z.string().min(1).max(64), name: z.string().min(1).max(200) }),
  visit: z.object({ type: z.string().min(1).max(64), cptCode: Cpt, date: z.iso.datetime({ offset: true }) }),
  procedures: z
    .array(z.object({ cptCode: Cpt }))
    .max(50)
    .default([]),
  diagnoses: z.array(z.object({ icd10: Icd10, description: z.string().max(200) })).max(50),
  medications: z
    .array(
      z.object({
        rxnorm: RxNorm,
        name: z.string().min(1).max(200),
        dose: z.string().min(1).max(64),
        frequency: z.string().min(1).max(64),
        quantity: z.number().int().positive().max(1000),
        refills: z.number().int().min(0).max(12),
        pharmacyId: z.string().min(1).max(64),
      }),
    )
    .max(50),
  immunizations: z
    .array(z.object({ cvx: z.string().max(8), name: z.string().max(200), date: z.iso.date() }))
    .max(50),
  labOrders: z.array(z.object({ loinc: Loinc, name: z.string().max(200) })).max(50),
  labResults: z
    .array(
      z.object({
        loinc: Loinc,
        value: z.string().max(64),
        unit: z.string().max(32),
        flag: z.string().max(8).optional(),
      }),
    )
    .max(100),
  followUpDays: z.number().int().min(1).max(730).optional(),
  billable: z.boolean(),
  /**
   * Who entered the record (subject id), so that each system's effects are attributable.
   * Optional: events written to the outbox before sign-in existed stay valid.
   */
  enteredBy: SubjectId.optional(),
});

export type PatientRecordCreatedV1 = z.infer<typeof PatientRecordCreatedV1Schema>;

export const PatientRecordCreatedV1Event = defineEvent(
  'patient-record.created',
  1,
  PatientRecordCreatedV1Schema,
);

/**
 * One delivered `patient-record.created.v1`, as a consumer's batch carries it: the event's id
 * (the idempotency key, from the envelope) and the record.
 */
export interface RecordEvent {
  readonly eventId: string;
  readonly record: PatientRecordCreatedV1;
}
