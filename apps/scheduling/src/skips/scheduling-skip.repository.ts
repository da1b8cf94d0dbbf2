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

  /** Keeps a skip inside the caller's transaction. */
  async insert(manager: EntityManager, skip: NewSchedulingSkip): Promise<SchedulingSkip> {
    return manager.save(manager.create(SchedulingSkip, skip));
  }

  /** A patient's skips, newest first. */
  async byPatient(patientId: string): Promise<SchedulingSkip[]> {
    return this.dataSource
      .getRepository(SchedulingSkip)
      .find({ where: { patientId }, order: { createdAt: 'DESC', day: 'ASC' } });
  }
}
