import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { unnestInsert, type UnnestInsert } from '../database/unnest-insert';
import { SchedulingSkip } from './scheduling-skip.entity';

/** A skip as the bounds make it: everything but what the database assigns. */
export type NewSchedulingSkip = Omit<SchedulingSkip, 'id' | 'createdAt'>;

/** The insert of skips, alone or as a part of a larger statement. */
export function skipsInsert(skips: readonly NewSchedulingSkip[]): UnnestInsert {
  return unnestInsert('scheduling_skips', [
    ['patient_id', 'uuid', skips.map((s) => s.patientId)],
    ['record_id', 'uuid', skips.map((s) => s.recordId)],
    ['event_id', 'uuid', skips.map((s) => s.eventId)],
    ['kind', 'text', skips.map((s) => s.kind)],
    ['code', 'text', skips.map((s) => s.code)],
    ['day', 'date', skips.map((s) => s.day)],
    ['reason', 'text', skips.map((s) => s.reason)],
    ['entered_by', 'text', skips.map((s) => s.enteredBy)],
  ]);
}

/** Where the skips of the per-patient bounds are kept and read. */
@Injectable()
export class SchedulingSkipRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Keeps skips inside the caller's transaction, in one statement. */
  async insertMany(manager: EntityManager, skips: readonly NewSchedulingSkip[]): Promise<void> {
    if (skips.length === 0) return;
    const insert = skipsInsert(skips);
    await manager.query(insert.sql(), [...insert.parameters]);
  }

  /** A patient's skips, newest first. */
  async byPatient(patientId: string): Promise<SchedulingSkip[]> {
    return this.dataSource
      .getRepository(SchedulingSkip)
      .find({ where: { patientId }, order: { createdAt: 'DESC', day: 'ASC' } });
  }
}
