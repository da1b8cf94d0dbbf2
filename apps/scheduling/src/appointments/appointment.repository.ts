import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { And, LessThan, MoreThanOrEqual, type DataSource, type EntityManager } from 'typeorm';
import { queryPrepared } from '@app/platform';
import {
  periodsByPatient,
  reminderPeriodsSql,
  type ReminderPeriod,
  type ReminderPeriodRow,
} from '../reminders/reminder.repository';
import type { UnnestInsert } from '../database/unnest-insert';
import { Appointment, type BookableResource } from './appointment.entity';
import { isoWeekday, slotGrid, startOfUtcDay, type SlotSchedule } from './slots';

/** An appointment to book: everything but what the database assigns. */
export type NewAppointment = Omit<Appointment, 'id' | 'createdAt'>;

/** One free-slot search: the first `wanted` free slots of a resource in `[from, until)`. */
export interface SlotSearch {
  readonly resource: BookableResource;
  readonly schedule: SlotSchedule;
  readonly from: Date;
  readonly until: Date;
  readonly wanted: number;
}

/** Appointments held by some patients, by patient and UTC day (and their reminders' periods, if asked). */
export interface DayCountsQuery {
  readonly patientIds: readonly string[];
  /** Only days from this instant on are counted. */
  readonly from: Date;
  /** Also read the periods of the patients' reminders that run on some day of this one. */
  readonly reminders?: ReminderPeriod;
}

/** What {@link AppointmentRepository.search} found. */
export interface SearchResult {
  /** For each search, in order: its free slots, earliest first. */
  readonly free: Date[][];
  /** Appointments (any resource) per `dayKey(patientId, day)`; days without any are absent. */
  readonly dayCounts: Map<string, number>;
  /** When asked ({@link DayCountsQuery.reminders}): the patients' reminder periods, by patient id. */
  readonly reminderPeriods?: Map<string, ReminderPeriod[]>;
}

const MS_PER_DAY = 86_400_000;

/** The key of a patient's UTC day in {@link SearchResult.dayCounts}. */
export function dayKey(patientId: string, day: Date): string {
  return `${patientId} ${startOfUtcDay(day).getTime()}`;
}

/**
 * Free slots of each search, the patients' appointments per day and their reminders' periods, in
 * one statement (one snapshot, read under the caller's locks). Slots are
 * generated as {@link slotsOfDay} cuts them, from UTC midnights in whole minutes (no time-zone
 * arithmetic), and each checked against the `(resource, slot_start)` unique index.
 */
const SEARCH_SQL = `
SELECT s.search, f.slot_start AS at, NULL::uuid AS patient_id, NULL::int AS n,
       NULL::text AS start_date, NULL::text AS end_date
  FROM unnest($1::int[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::int[],
              $7::int[], $8::int[], $9::int[], $10::int[], $11::int[], $12::int[])
       AS s(search, resource, day0, from_at, until_at, days, dow0, wanted, open_min, slot_min, per_day, weekdays)
 CROSS JOIN LATERAL (
   SELECT c.slot_start
     FROM (SELECT s.day0 + (i / s.per_day * 1440 + s.open_min + i % s.per_day * s.slot_min) * interval '1 minute',
                  i / s.per_day
             FROM generate_series(0, s.days * s.per_day - 1) AS i) AS c(slot_start, d)
    WHERE (s.weekdays >> ((s.dow0 - 1 + c.d) % 7 + 1)) & 1 = 1
      AND c.slot_start >= s.from_at AND c.slot_start < s.until_at
      AND NOT EXISTS (
        SELECT 1 FROM appointments a
         WHERE a.resource = s.resource AND a.slot_start >= s.from_at AND a.slot_start < s.until_at
           AND a.slot_start = c.slot_start)
    ORDER BY c.slot_start
    LIMIT s.wanted
 ) AS f
UNION ALL
SELECT NULL, date_trunc('day', slot_start, 'UTC'), patient_id, count(*)::int, NULL, NULL
  FROM appointments
 WHERE patient_id = ANY($13::uuid[]) AND slot_start >= $14
 GROUP BY 2, 3
UNION ALL
SELECT NULL, NULL, patient_id, NULL, start_date, end_date FROM (${reminderPeriodsSql('$13', '$15', '$16')}) AS p`;

/** Where appointments are booked and read: the queries, none of the booking rules. */
@Injectable()
export class AppointmentRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs the searches and counts the patients' appointments per day, in one round trip, inside
   * the caller's transaction. A search sees the slots committed when the statement starts (and
   * the transaction's own).
   */
  async search(
    manager: EntityManager,
    searches: readonly SlotSearch[],
    counts: DayCountsQuery = { patientIds: [], from: new Date(0) },
  ): Promise<SearchResult> {
    const columns = searches.map((search, i) => {
      const day0 = startOfUtcDay(search.from);
      const grid = slotGrid(search.schedule);
      return [
        i,
        search.resource,
        day0.toISOString(),
        search.from.toISOString(),
        search.until.toISOString(),
        Math.ceil((search.until.getTime() - day0.getTime()) / MS_PER_DAY),
        isoWeekday(day0),
        search.wanted,
        grid.openMinute,
        grid.slotMinutes,
        grid.slotsPerDay,
        grid.weekdayBits,
      ];
    });
    const params = Array.from({ length: 12 }, (_, c) => columns.map((row) => row[c]));
    const rows = await queryPrepared<{
      search: number | null;
      at: Date;
      patient_id: string | null;
      n: number | null;
      start_date: string | null;
      end_date: string | null;
    }>(manager, SEARCH_SQL, [
      ...params,
      counts.patientIds,
      counts.from.toISOString(),
      counts.reminders?.startDate ?? null,
      counts.reminders?.endDate ?? null,
    ]);
    const free = searches.map((): Date[] => []);
    const dayCounts = new Map<string, number>();
    const periods: ReminderPeriodRow[] = [];
    for (const row of rows) {
      if (row.search !== null) free[row.search].push(row.at);
      else if (row.n !== null) dayCounts.set(dayKey(row.patient_id!, row.at), row.n);
      else
        periods.push({ patient_id: row.patient_id!, start_date: row.start_date!, end_date: row.end_date! });
    }
    return {
      free,
      dayCounts,
      ...(counts.reminders ? { reminderPeriods: periodsByPatient(periods) } : {}),
    };
  }

  /**
   * Inserts appointments in one statement, each with `ON CONFLICT DO NOTHING` on its slot, in the
   * order given (callers give ascending slots per resource, so that two transactions wait on
   * each other's slots in one order). Returns the ids inserted, in order; a slot taken since the
   * search (by a writer that did not wait for the resource's lock) has none. The inserts `along`
   * run in the same statement, and write only if every appointment was inserted (the booking
   * stands; otherwise the caller undoes it and tries again, along included).
   */
  async insertMany(
    manager: EntityManager,
    slots: readonly NewAppointment[],
    along: readonly UnnestInsert[] = [],
  ): Promise<string[]> {
    if (slots.length === 0 && along.length === 0) return [];
    const parameters: unknown[] = [
      slots.map((s) => s.kind),
      slots.map((s) => s.resource),
      slots.map((s) => s.loinc),
      slots.map((s) => s.patientId),
      slots.map((s) => s.recordId),
      slots.map((s) => s.eventId),
      slots.map((s) => s.enteredBy),
      slots.map((s) => s.slotStart.toISOString()),
      slots.map((s) => s.slotEnd.toISOString()),
      ...(along.length > 0 ? [slots.length] : []),
    ];
    // The count of appointments to book, the last parameter before the inserts along.
    const whole = `(SELECT count(*) FROM booked) = $${parameters.length}`;
    const parts = along.map((insert, i) => {
      const part = `, along${i} AS (${insert.sql(parameters.length + 1, whole)})`;
      parameters.push(...insert.parameters);
      return part;
    });
    const rows = await queryPrepared<{ id: string }>(
      manager,
      `WITH booked AS (
         INSERT INTO appointments (kind, resource, loinc, patient_id, record_id, event_id, entered_by, slot_start, slot_end)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[],
                              $8::timestamptz[], $9::timestamptz[])
         ON CONFLICT (resource, slot_start) DO NOTHING
         RETURNING id
       )${parts.join('')}
       SELECT id FROM booked`,
      parameters,
    );
    return rows.map((row) => row.id);
  }

  /** Deletes appointments by id inside the caller's transaction (a booking attempt undone). */
  async deleteMany(manager: EntityManager, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await manager.query('DELETE FROM appointments WHERE id = ANY($1::uuid[])', [ids]);
  }

  /** A patient's appointments, earliest slot first. */
  async byPatient(patientId: string): Promise<Appointment[]> {
    return this.dataSource.getRepository(Appointment).find({
      where: { patientId },
      order: { slotStart: 'ASC', resource: 'ASC' },
    });
  }

  /** Every appointment whose slot starts in `[start, end)`, earliest first. */
  async startingIn(start: Date, end: Date): Promise<Appointment[]> {
    return this.dataSource.getRepository(Appointment).find({
      where: { slotStart: And(MoreThanOrEqual(start), LessThan(end)) },
      order: { slotStart: 'ASC', resource: 'ASC' },
    });
  }
}
