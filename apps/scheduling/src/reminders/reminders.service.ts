import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LessThanOrEqual, MoreThanOrEqual, type DataSource, type EntityManager } from 'typeorm';
import type { PatientRecordCreatedV1 } from '@app/contracts';
import type { DateRangeQuery } from '../calendar/date-range.query';
import { SchedulingSkip, SkipReason } from '../skips/scheduling-skip.entity';
import type { PlannedReminder } from './reminder-plan';
import { MedicationReminder } from './reminder.entity';

/**
 * Most medication reminders one patient has running over any period (a reminder is one time of
 * day, daily, from its start to its end date): 24 is a reminder an hour. Beyond it a reminder
 * is skipped (kept as a {@link SchedulingSkip}): records repeated by mistake or on purpose must
 * not have the patient's phone ring all day.
 */
export const MAX_ACTIVE_REMINDERS_PER_PATIENT = 24;

/** What planning a record's reminders did: reminders saved, reminders skipped by the bound. */
export interface ReminderOutcome {
  readonly created: MedicationReminder[];
  readonly skipped: SchedulingSkip[];
}

@Injectable()
export class RemindersService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Saves planned reminders inside the caller's transaction (the one that claimed the event,
   * holding the patient's schedule lock), each only while the patient has fewer than
   * {@link MAX_ACTIVE_REMINDERS_PER_PATIENT} reminders over its period; the others are skipped.
   */
  async create(
    manager: EntityManager,
    eventId: string,
    record: PatientRecordCreatedV1,
    planned: readonly PlannedReminder[],
  ): Promise<ReminderOutcome> {
    const created: MedicationReminder[] = [];
    const skipped: SchedulingSkip[] = [];
    const patientId = record.patient.patientId;
    const enteredBy = record.enteredBy ?? null;
    for (const reminder of planned) {
      const [{ count }] = await manager.query<Array<{ count: number }>>(
        'SELECT count(*)::int AS count FROM medication_reminders WHERE patient_id = $1 AND start_date <= $3 AND end_date >= $2',
        [patientId, reminder.startDate, reminder.endDate],
      );
      if (count >= MAX_ACTIVE_REMINDERS_PER_PATIENT) {
        skipped.push(
          await manager.save(
            manager.create(SchedulingSkip, {
              patientId,
              recordId: record.recordId,
              eventId,
              kind: 'reminder',
              code: reminder.rxnorm,
              day: reminder.startDate,
              reason: SkipReason.ActiveReminderLimit,
              enteredBy,
            }),
          ),
        );
        continue;
      }
      created.push(
        await manager.save(
          manager.create(MedicationReminder, {
            ...reminder,
            patientId,
            recordId: record.recordId,
            eventId,
            enteredBy,
          }),
        ),
      );
    }
    return { created, skipped };
  }

  /** A patient's reminders, by start date, medication and time of day. */
  async byPatient(patientId: string): Promise<MedicationReminder[]> {
    return this.dataSource.getRepository(MedicationReminder).find({
      where: { patientId },
      order: { startDate: 'ASC', medicationName: 'ASC', timeOfDay: 'ASC' },
    });
  }

  /** Every reminder running on at least one day of the range, by start date, time of day and medication. */
  async inRange(range: DateRangeQuery): Promise<MedicationReminder[]> {
    return this.dataSource.getRepository(MedicationReminder).find({
      where: { startDate: LessThanOrEqual(range.to), endDate: MoreThanOrEqual(range.from) },
      order: { startDate: 'ASC', timeOfDay: 'ASC', medicationName: 'ASC', id: 'ASC' },
    });
  }
}
