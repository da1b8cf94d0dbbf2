import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { SchedulingSkip } from './scheduling-skip.entity';

/** A skip as the bounds make it: everything but what the database assigns. */
export type NewSchedulingSkip = Omit<SchedulingSkip, 'id' | 'createdAt'>;

/** Where the skips of the per-patient bounds are kept and read. */
@Injectable()
export class SchedulingSkipRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Keeps skips inside the caller's transaction, in one statement. */
  async insertMany(manager: EntityManager, skips: readonly NewSchedulingSkip[]): Promise<void> {
    if (skips.length === 0) return;
    await manager.query(
      `INSERT INTO scheduling_skips (patient_id, record_id, event_id, kind, code, day, reason, entered_by)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::date[], $7::text[], $8::text[])`,
      [
        skips.map((s) => s.patientId),
        skips.map((s) => s.recordId),
        skips.map((s) => s.eventId),
        skips.map((s) => s.kind),
        skips.map((s) => s.code),
        skips.map((s) => s.day),
        skips.map((s) => s.reason),
        skips.map((s) => s.enteredBy),
      ],
    );
  }

  /** A patient's skips, newest first. */
  async byPatient(patientId: string): Promise<SchedulingSkip[]> {
    return this.dataSource
      .getRepository(SchedulingSkip)
      .find({ where: { patientId }, order: { createdAt: 'DESC', day: 'ASC' } });
  }
}
