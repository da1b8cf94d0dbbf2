import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LessThanOrEqual, MoreThanOrEqual, type DataSource, type EntityManager } from 'typeorm';
import { unnestInsert, type UnnestInsert } from '../database/unnest-insert';
import { MedicationReminder } from './reminder.entity';

/** A reminder to save: everything but what the database assigns. */
export type NewReminder = Omit<MedicationReminder, 'id' | 'createdAt'>;

/** When a reminder runs: its first and last day, `YYYY-MM-DD`. */
export interface ReminderPeriod {
  readonly startDate: string;
  readonly endDate: string;
}

/** A row of {@link reminderPeriodsSql}. */
export interface ReminderPeriodRow {
  readonly patient_id: string;
  readonly start_date: string;
  readonly end_date: string;
}

/**
 * The periods (`YYYY-MM-DD`, both ends included) of the patients' reminders (parameter
 * `patientIds`, a uuid array) that run on some day of `[startDate, endDate]` (date parameters;
 * none when they are null), as {@link ReminderPeriodRow}s; a part of a larger query too.
 */
export function reminderPeriodsSql(patientIds: string, startDate: string, endDate: string): string {
  return `SELECT patient_id, start_date::text AS start_date, end_date::text AS end_date
         FROM medication_reminders
        WHERE patient_id = ANY(${patientIds}::uuid[]) AND start_date <= ${endDate}::date AND end_date >= ${startDate}::date`;
}

/** Period rows by patient id. */
export function periodsByPatient(rows: Iterable<ReminderPeriodRow>): Map<string, ReminderPeriod[]> {
  const periods = new Map<string, ReminderPeriod[]>();
  for (const row of rows) {
    const list = periods.get(row.patient_id) ?? [];
    list.push({ startDate: row.start_date, endDate: row.end_date });
    periods.set(row.patient_id, list);
  }
  return periods;
}

/** The insert of reminders, alone or as a part of a larger statement. */
export function remindersInsert(reminders: readonly NewReminder[]): UnnestInsert {
  return unnestInsert('medication_reminders', [
    ['patient_id', 'uuid', reminders.map((r) => r.patientId)],
    ['record_id', 'uuid', reminders.map((r) => r.recordId)],
    ['event_id', 'uuid', reminders.map((r) => r.eventId)],
    ['rxnorm', 'text', reminders.map((r) => r.rxnorm)],
    ['medication_name', 'text', reminders.map((r) => r.medicationName)],
    ['dose', 'text', reminders.map((r) => r.dose)],
    ['frequency', 'text', reminders.map((r) => r.frequency)],
    ['time_of_day', 'text', reminders.map((r) => r.timeOfDay)],
    ['start_date', 'date', reminders.map((r) => r.startDate)],
    ['end_date', 'date', reminders.map((r) => r.endDate)],
    ['doses', 'int', reminders.map((r) => r.doses)],
    ['entered_by', 'text', reminders.map((r) => r.enteredBy)],
  ]);
}

/** Where medication reminders are saved and read: the queries, none of the bounds. */
@Injectable()
export class ReminderRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The periods (`YYYY-MM-DD`, both ends included) of the patients' reminders that run on some
   * day of `[startDate, endDate]`, by patient id.
   */
  async periods(
    manager: EntityManager,
    patientIds: readonly string[],
    startDate: string,
    endDate: string,
  ): Promise<Map<string, ReminderPeriod[]>> {
    const rows = await manager.query<ReminderPeriodRow[]>(reminderPeriodsSql('$1', '$2', '$3'), [
      patientIds,
      startDate,
      endDate,
    ]);
    return periodsByPatient(rows);
  }

  /** Saves reminders inside the caller's transaction, in one statement. */
  async insertMany(manager: EntityManager, reminders: readonly NewReminder[]): Promise<void> {
    if (reminders.length === 0) return;
    const insert = remindersInsert(reminders);
    await manager.query(insert.sql(), [...insert.parameters]);
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
