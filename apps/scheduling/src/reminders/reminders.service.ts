import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PatientRecordCreatedV1 } from '@app/contracts';
import type { DateRangeQuery } from '../calendar/date-range.query';
import { SkipReason } from '../skips/scheduling-skip.entity';
import type { UnnestInsert } from '../database/unnest-insert';
import {
  SchedulingSkipRepository,
  skipsInsert,
  type NewSchedulingSkip,
} from '../skips/scheduling-skip.repository';
import type { PlannedReminder } from './reminder-plan';
import type { MedicationReminder } from './reminder.entity';
import {
  ReminderRepository,
  remindersInsert,
  type NewReminder,
  type ReminderPeriod,
} from './reminder.repository';

/**
 * Most medication reminders one patient has running over any period (a reminder is one time of
 * day, daily, from its start to its end date): 24 is a reminder an hour. Beyond it a reminder
 * is skipped (kept as a {@link SchedulingSkip}): records repeated by mistake or on purpose must
 * not have the patient's phone ring all day.
 */
export const MAX_ACTIVE_REMINDERS_PER_PATIENT = 24;

/** One record's planned reminders, under its event id. */
export interface RecordReminders {
  readonly eventId: string;
  readonly record: PatientRecordCreatedV1;
  readonly planned: readonly PlannedReminder[];
}

/** What saving reminders did: the event id of each reminder created and of each one skipped. */
export interface ReminderOutcome {
  readonly created: readonly string[];
  readonly skipped: readonly string[];
}

/** The days the records' planned reminders run over, first to last; undefined when none is planned. */
export function reminderWindow(records: readonly RecordReminders[]): ReminderPeriod | undefined {
  const all = records.flatMap(({ planned }) => planned);
  if (all.length === 0) return undefined;
  return {
    startDate: all.reduce((min, r) => (r.startDate < min ? r.startDate : min), all[0].startDate),
    endDate: all.reduce((max, r) => (r.endDate > max ? r.endDate : max), all[0].endDate),
  };
}

/** The reminders to write and those to skip. */
export interface ReminderWrites {
  readonly created: readonly NewReminder[];
  readonly skipped: readonly NewSchedulingSkip[];
}

/**
 * Which planned reminders to create, as if the records came one by one: each only while the
 * patient has fewer than {@link MAX_ACTIVE_REMINDERS_PER_PATIENT} reminders over its period
 * (`periods`: those of the patients' reminders over {@link reminderWindow}, read under their
 * locks); the others are skipped.
 */
export function planReminderWrites(
  records: readonly RecordReminders[],
  periods: ReadonlyMap<string, readonly ReminderPeriod[]>,
): ReminderWrites {
  const created: NewReminder[] = [];
  const skipped: NewSchedulingSkip[] = [];
  // Per patient: the periods read, then the reminders of the batch's earlier records.
  const runningBy = new Map<string, ReminderPeriod[]>();
  for (const { eventId, record, planned } of records) {
    const patientId = record.patient.patientId;
    const enteredBy = record.enteredBy ?? null;
    const running = runningBy.get(patientId) ?? [...(periods.get(patientId) ?? [])];
    runningBy.set(patientId, running);
    for (const reminder of planned) {
      const overlapping = running.filter(
        (p) => p.startDate <= reminder.endDate && p.endDate >= reminder.startDate,
      ).length;
      if (overlapping >= MAX_ACTIVE_REMINDERS_PER_PATIENT) {
        skipped.push({
          patientId,
          recordId: record.recordId,
          eventId,
          kind: 'reminder',
          code: reminder.rxnorm,
          day: reminder.startDate,
          reason: SkipReason.ActiveReminderLimit,
          enteredBy,
        });
        continue;
      }
      running.push(reminder);
      created.push({ ...reminder, patientId, recordId: record.recordId, eventId, enteredBy });
    }
  }
  return { created, skipped };
}

/** The inserts of some reminder writes, as parts of a larger statement (none for an empty list). */
export function reminderWrites(writes: ReminderWrites): UnnestInsert[] {
  return [
    ...(writes.created.length > 0 ? [remindersInsert(writes.created)] : []),
    ...(writes.skipped.length > 0 ? [skipsInsert(writes.skipped)] : []),
  ];
}

/** What some reminder writes did, by event id. */
export function outcomeOf(writes: ReminderWrites): ReminderOutcome {
  return { created: writes.created.map((r) => r.eventId), skipped: writes.skipped.map((s) => s.eventId) };
}

@Injectable()
export class RemindersService {
  constructor(
    private readonly reminders: ReminderRepository,
    private readonly skips: SchedulingSkipRepository,
  ) {}

  /**
   * Saves the records' planned reminders inside the caller's transaction (the one that claimed
   * their events, holding the patients' schedule locks), as {@link planReminderWrites} decides:
   * one read of the patients' periods, one insert of the reminders, one of the skips if any.
   * (A batch that books appointments has the search read the periods and the booking's insert
   * write the reminders instead: {@link planReminderWrites} and {@link reminderWrites}.)
   */
  async create(manager: EntityManager, records: readonly RecordReminders[]): Promise<ReminderOutcome> {
    const window = reminderWindow(records);
    if (!window) return { created: [], skipped: [] };
    const periods = await this.reminders.periods(
      manager,
      [...new Set(records.map(({ record }) => record.patient.patientId))],
      window.startDate,
      window.endDate,
    );
    const writes = planReminderWrites(records, periods);
    await this.reminders.insertMany(manager, writes.created);
    await this.skips.insertMany(manager, writes.skipped);
    return outcomeOf(writes);
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
