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
   * Saves records together with another INSERT (their outbox rows) in one statement: data-modifying
   * `WITH` parts commit together or not at all, so this is the records' transaction in one round
   * trip, without TypeORM's existence check and read-back. Each column goes as one array
   * parameter, so the statement's text is the same for any number of records (prepared once per
   * connection). `also` numbers its parameters after the records'. Sets each record's `createdAt`
   * as stored.
   */
  async insertAll(
    records: readonly MedicalRecord[],
    also: (first: number) => { sql: string; params: unknown[] },
  ): Promise<void> {
    const column = <T>(of: (record: MedicalRecord) => T): T[] => records.map(of);
    const json = (of: (record: MedicalRecord) => unknown) => column((record) => JSON.stringify(of(record)));
    const params: unknown[] = [
      column((r) => r.id),
      column((r) => r.patientId),
      column((r) => r.physicianId),
      column((r) => r.visitType),
      column((r) => r.cptCode),
      column((r) => r.visitDate),
      json((r) => r.procedures),
      json((r) => r.diagnoses),
      json((r) => r.medications),
      json((r) => r.immunizations),
      json((r) => r.labOrders),
      json((r) => r.labResults),
      column((r) => r.followUpDays),
      column((r) => r.note),
      column((r) => r.billable),
      column((r) => r.eventId),
      column((r) => r.enteredBy),
    ];
    const other = also(params.length + 1);
    const rows = await queryPrepared<{ id: string; created_at: Date }>(
      this.dataSource,
      `WITH other AS (${other.sql}),
       record AS (
         INSERT INTO medical_records (id, patient_id, physician_id, visit_type, cpt_code, visit_date,
           procedures, diagnoses, medications, immunizations, lab_orders, lab_results, follow_up_days,
           note, billable, event_id, entered_by)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
           $6::timestamptz[], $7::jsonb[], $8::jsonb[], $9::jsonb[], $10::jsonb[], $11::jsonb[],
           $12::jsonb[], $13::integer[], $14::text[], $15::boolean[], $16::uuid[], $17::text[])
         RETURNING id, created_at)
       SELECT id, created_at FROM record`,
      [...params, ...other.params],
    );
    const createdAt = new Map(rows.map((row) => [row.id, row.created_at]));
    for (const record of records) {
      const at = createdAt.get(record.id.toLowerCase());
      if (!at) throw new Error('A record of the group was not returned by its INSERT');
      record.createdAt = at;
    }
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
