import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { MedicalRecord } from './medical-record.entity';

/** A record as the EMR's rules make it: everything but what the database assigns. */
export type NewRecord = Omit<MedicalRecord, 'createdAt'>;

/** Where medical records are stored and read: the queries, none of the rules. */
@Injectable()
export class RecordRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** An unsaved record entity (what its event is built from before the transaction opens). */
  draft(fields: NewRecord): MedicalRecord {
    return this.dataSource.getRepository(MedicalRecord).create(fields);
  }

  /** Saves a record inside the caller's transaction. */
  async insert(manager: EntityManager, record: MedicalRecord): Promise<MedicalRecord> {
    return manager.save(record);
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
