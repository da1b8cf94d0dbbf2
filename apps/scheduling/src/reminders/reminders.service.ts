import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PatientRecordCreatedV1 } from '@app/contracts';
import type { DateRangeQuery } from '../calendar/date-range.query';
import { SkipReason, type SchedulingSkip } from '../skips/scheduling-skip.entity';
import { SchedulingSkipRepository } from '../skips/scheduling-skip.repository';
import type { PlannedReminder } from './reminder-plan';
import type { MedicationReminder } from './reminder.entity';
import { ReminderRepository } from './reminder.repository';

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
  constructor(
    private readonly reminders: ReminderRepository,
    private readonly skips: SchedulingSkipRepository,
  ) {}

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
      const running = await this.reminders.countRunning(
        manager,
        patientId,
        reminder.startDate,
        reminder.endDate,
      );
      if (running >= MAX_ACTIVE_REMINDERS_PER_PATIENT) {
        skipped.push(
          await this.skips.insert(manager, {
            patientId,
            recordId: record.recordId,
            eventId,
            kind: 'reminder',
            code: reminder.rxnorm,
            day: reminder.startDate,
            reason: SkipReason.ActiveReminderLimit,
            enteredBy,
          }),
        );
        continue;
      }
      created.push(
        await this.reminders.insert(manager, {
          ...reminder,
          patientId,
          recordId: record.recordId,
          eventId,
          enteredBy,
        }),
      );
    }
    return { created, skipped };
  }

  /** A patient's reminders, by start date, medication and time of day. */
  async byPatient(patientId: string): Promise<MedicationReminder[]> {
    return this.reminders.byPatient(patientId);
  }

  /** Every reminder running on at least one day of the range, by start date, time of day and medication. */
  async inRange(range: DateRangeQuery): Promise<MedicationReminder[]> {
    return this.reminders.runningBetween(range.from, range.to);
  }
}
