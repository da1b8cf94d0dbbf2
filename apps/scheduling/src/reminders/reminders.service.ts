import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { PatientRecordCreatedV1 } from '@app/contracts';
import type { PlannedReminder } from './reminder-plan';
import { MedicationReminder } from './reminder.entity';

@Injectable()
export class RemindersService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Saves planned reminders inside the caller's transaction (the one that claimed the event). */
  async create(
    manager: EntityManager,
    eventId: string,
    record: PatientRecordCreatedV1,
    planned: readonly PlannedReminder[],
  ): Promise<MedicationReminder[]> {
    if (planned.length === 0) return [];
    const reminders = planned.map((reminder) =>
      manager.create(MedicationReminder, {
        ...reminder,
        patientId: record.patient.patientId,
        recordId: record.recordId,
        eventId,
      }),
    );
    return manager.save(reminders);
  }

  /** A patient's reminders, by start date, medication and time of day. */
  async byPatient(patientId: string): Promise<MedicationReminder[]> {
    return this.dataSource.getRepository(MedicationReminder).find({
      where: { patientId },
      order: { startDate: 'ASC', medicationName: 'ASC', timeOfDay: 'ASC' },
    });
  }
}
