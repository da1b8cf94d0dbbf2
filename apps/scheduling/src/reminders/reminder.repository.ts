import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LessThanOrEqual, MoreThanOrEqual, type DataSource, type EntityManager } from 'typeorm';
import { MedicationReminder } from './reminder.entity';

/** A reminder to save: everything but what the database assigns. */
export type NewReminder = Omit<MedicationReminder, 'id' | 'createdAt'>;

/** Where medication reminders are saved and read: the queries, none of the bounds. */
@Injectable()
export class ReminderRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** How many of the patient's reminders run on some day of `[startDate, endDate]` (`YYYY-MM-DD`). */
  async countRunning(
    manager: EntityManager,
    patientId: string,
    startDate: string,
    endDate: string,
  ): Promise<number> {
    const [{ count }] = await manager.query<Array<{ count: number }>>(
      'SELECT count(*)::int AS count FROM medication_reminders WHERE patient_id = $1 AND start_date <= $3 AND end_date >= $2',
      [patientId, startDate, endDate],
    );
    return count;
  }

  /** Saves a reminder inside the caller's transaction. */
  async insert(manager: EntityManager, reminder: NewReminder): Promise<MedicationReminder> {
    return manager.save(manager.create(MedicationReminder, reminder));
  }

  /** A patient's reminders, by start date, medication and time of day. */
  async byPatient(patientId: string): Promise<MedicationReminder[]> {
    return this.dataSource.getRepository(MedicationReminder).find({
      where: { patientId },
      order: { startDate: 'ASC', medicationName: 'ASC', timeOfDay: 'ASC' },
    });
  }

  /** Every reminder running on at least one day of `[from, to]`, by start date, time of day and medication. */
  async runningBetween(from: string, to: string): Promise<MedicationReminder[]> {
    return this.dataSource.getRepository(MedicationReminder).find({
      where: { startDate: LessThanOrEqual(to), endDate: MoreThanOrEqual(from) },
      order: { startDate: 'ASC', timeOfDay: 'ASC', medicationName: 'ASC', id: 'ASC' },
    });
  }
}
