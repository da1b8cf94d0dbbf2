import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryPrepared } from '@app/platform';
import { MedicalRecord } from './medical-record.entity';

/** A record as the EMR's rules make it: everything but what the database assigns. */
export type NewRecord = Omit<MedicalRecord, 'createdAt'>;

/** Where medical records are stored and read: the queries, none of the rules. */
@Injectable()
export class RecordRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** An unsaved record entity (what its event is built from before anything is written). */
  draft(fields: NewRecord): MedicalRecord {
    return Object.assign(new MedicalRecord(), fields);
  }

  /**
   * Saves a record together with another INSERT (its outbox row) in one statement: data-modifying
   * `WITH` parts commit together or not at all, so this is the record's transaction in one round
   * trip, without TypeORM's existence check and read-back. `with` numbers its parameters after
   * the record's. Resolves to the record as stored (with its `createdAt`).
   */
  async insertWith(
    record: MedicalRecord,
    also: (first: number) => { sql: string; params: unknown[] },
  ): Promise<MedicalRecord> {
    const params: unknown[] = [
      record.id,
      record.patientId,
      record.physicianId,
      record.visitType,
      record.cptCode,
      record.visitDate,
      JSON.stringify(record.procedures),
      JSON.stringify(record.diagnoses),
      JSON.stringify(record.medications),
      JSON.stringify(record.immunizations),
      JSON.stringify(record.labOrders),
      JSON.stringify(record.labResults),
      record.followUpDays,
      record.note,
      record.billable,
      record.eventId,
      record.enteredBy,
    ];
    const other = also(params.length + 1);
    const [row] = await queryPrepared<{ created_at: Date }>(
      this.dataSource,
      `WITH other AS (${other.sql}),
       record AS (
         INSERT INTO medical_records (id, patient_id, physician_id, visit_type, cpt_code, visit_date,
           procedures, diagnoses, medications, immunizations, lab_orders, lab_results, follow_up_days,
           note, billable, event_id, entered_by)
         VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::timestamptz, $7::jsonb, $8::jsonb, $9::jsonb,
           $10::jsonb, $11::jsonb, $12::jsonb, $13::integer, $14, $15::boolean, $16::uuid, $17)
         RETURNING created_at)
       SELECT created_at FROM record`,
      [...params, ...other.params],
    );
    record.createdAt = row.created_at;
    return record;
  }

  async byId(id: string): Promise<MedicalRecord | null> {
    return this.dataSource.getRepository(MedicalRecord).findOne({ where: { id } });
  }

  /** A patient's records, newest visit first. */
  async byPatient(patientId: string): Promise<MedicalRecord[]> {
    return this.dataSource
      .getRepository(MedicalRecord)
      .find({ where: { patientId }, order: { visitDate: 'DESC' } });
  }

  /** The id of the event a record was published under, or undefined for an unknown record. */
  async eventIdOf(recordId: string): Promise<string | undefined> {
    const record = await this.dataSource
      .getRepository(MedicalRecord)
      .findOne({ where: { id: recordId }, select: { id: true, eventId: true } });
    return record?.eventId;
  }
}
