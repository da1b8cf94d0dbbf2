import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { And, LessThan, MoreThanOrEqual, type DataSource, type EntityManager } from 'typeorm';
import type { PatientRecordCreatedV1 } from '@app/contracts';
import { Appointment, type BookableResource } from './appointment.entity';
import {
  NoFreeSlotError,
  scheduleOf,
  SEARCH_HORIZON_DAYS,
  type AppointmentRequest,
} from './appointment-plan';
import { instantsOf, type DateRangeQuery } from '../calendar/date-range.query';
import { SchedulingSkip, SkipReason } from '../skips/scheduling-skip.entity';
import { addDays, freeSlots, isoDate, slotEnd, startOfUtcDay } from './slots';

/** Days of bookings read at once while searching: one query usually covers a whole search. */
const TAKEN_WINDOW_DAYS = 14;

/**
 * Most appointments one patient holds on one day. A request whose first free slot falls on a
 * day the patient already has this many is skipped (kept as a {@link SchedulingSkip}), not
 * moved on: moving on is what let 300 lab orders fill weeks of the lab's chair and push every
 * other patient's draw back; a skip costs one row, and nobody else's slot.
 */
export const MAX_APPOINTMENTS_PER_PATIENT_DAY = 3;

/** What booking a record's requests did: appointments booked, requests skipped by the bound. */
export interface BookingOutcome {
  readonly booked: Appointment[];
  readonly skipped: SchedulingSkip[];
}

@Injectable()
export class AppointmentsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Books each request into the first free slot, inside the caller's transaction (the one that
   * claimed the event). Requests are booked in order, and for one resource each search starts
   * after the slot booked before it: every transaction then tries slots in ascending order per
   * resource, and follow-ups (clinic) before labs, so two concurrent bookings can wait on each
   * other but never deadlock. The caller holds the patient's schedule lock
   * ({@link lockPatientSchedule}), so the per-day bound holds under concurrency too.
   */
  async book(
    manager: EntityManager,
    eventId: string,
    record: PatientRecordCreatedV1,
    requests: readonly AppointmentRequest[],
  ): Promise<BookingOutcome> {
    const booked: Appointment[] = [];
    const skipped: SchedulingSkip[] = [];
    const lastEnd = new Map<BookableResource, Date>();
    for (const request of requests) {
      const after = lastEnd.get(request.resource);
      const from = after && after > request.from ? after : request.from;
      const result = await this.bookFirstFree(manager, {
        kind: request.kind,
        resource: request.resource,
        loinc: request.loinc ?? null,
        patientId: record.patient.patientId,
        recordId: record.recordId,
        eventId,
        enteredBy: record.enteredBy ?? null,
        from,
      });
      if (result instanceof Appointment) {
        lastEnd.set(request.resource, result.slotEnd);
        booked.push(result);
      } else {
        skipped.push(
          await manager.save(
            manager.create(SchedulingSkip, {
              patientId: record.patient.patientId,
              recordId: record.recordId,
              eventId,
              kind: request.kind,
              code: request.loinc ?? null,
              day: isoDate(result.fullDay),
              reason: SkipReason.DailyAppointmentLimit,
              enteredBy: record.enteredBy ?? null,
            }),
          ),
        );
      }
    }
    return { booked, skipped };
  }

  /** A patient's appointments, earliest slot first. */
  async byPatient(patientId: string): Promise<Appointment[]> {
    return this.dataSource.getRepository(Appointment).find({
      where: { patientId },
      order: { slotStart: 'ASC', resource: 'ASC' },
    });
  }

  /** Every appointment whose slot starts within the range's days, earliest first. */
  async inRange(range: DateRangeQuery): Promise<Appointment[]> {
    const { start, end } = instantsOf(range);
    return this.dataSource.getRepository(Appointment).find({
      where: { slotStart: And(MoreThanOrEqual(start), LessThan(end)) },
      order: { slotStart: 'ASC', resource: 'ASC' },
    });
  }

  /**
   * Reads which slots are taken, then claims the first one that looks free with
   * `INSERT ... ON CONFLICT DO NOTHING`. A concurrent handler may have claimed it since the
   * read (Postgres then waits for that transaction and reports the conflict): move on to the
   * next candidate rather than fail, so concurrent handlers neither fail nor double-book.
   * When the first free slot falls on a day the patient already holds
   * {@link MAX_APPOINTMENTS_PER_PATIENT_DAY} appointments, books nothing and names that day.
   */
  private async bookFirstFree(
    manager: EntityManager,
    slot: Omit<Appointment, 'id' | 'slotStart' | 'slotEnd' | 'createdAt'> & { from: Date },
  ): Promise<Appointment | { readonly fullDay: Date }> {
    const schedule = scheduleOf(slot.resource);
    const until = addDays(slot.from, SEARCH_HORIZON_DAYS);
    let dayChecked: number | undefined;
    for (let windowStart = slot.from; windowStart < until;) {
      const windowEnd = new Date(
        Math.min(addDays(windowStart, TAKEN_WINDOW_DAYS).getTime(), until.getTime()),
      );
      const taken = await this.takenSlots(manager, slot.resource, windowStart, windowEnd);
      for (const start of freeSlots(windowStart, schedule, taken, windowEnd)) {
        const day = startOfUtcDay(start);
        if (dayChecked !== day.getTime()) {
          if (
            (await this.patientAppointmentsOn(manager, slot.patientId, day)) >=
            MAX_APPOINTMENTS_PER_PATIENT_DAY
          ) {
            return { fullDay: day };
          }
          dayChecked = day.getTime();
        }
        const end = slotEnd(start, schedule);
        const rows: Array<{ id: string; created_at: Date }> = await manager.query(
          `INSERT INTO appointments (kind, resource, loinc, patient_id, record_id, event_id, entered_by, slot_start, slot_end)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (resource, slot_start) DO NOTHING
           RETURNING id, created_at`,
          [
            slot.kind,
            slot.resource,
            slot.loinc,
            slot.patientId,
            slot.recordId,
            slot.eventId,
            slot.enteredBy,
            start,
            end,
          ],
        );
        if (rows.length === 1) {
          return manager.create(Appointment, {
            id: rows[0].id,
            kind: slot.kind,
            resource: slot.resource,
            loinc: slot.loinc,
            patientId: slot.patientId,
            recordId: slot.recordId,
            eventId: slot.eventId,
            enteredBy: slot.enteredBy,
            slotStart: start,
            slotEnd: end,
            createdAt: rows[0].created_at,
          });
        }
      }
      windowStart = windowEnd;
    }
    throw new NoFreeSlotError(slot.resource);
  }

  /** How many appointments (any resource) the patient holds on the UTC day starting at `day`. */
  private async patientAppointmentsOn(manager: EntityManager, patientId: string, day: Date): Promise<number> {
    const [{ count }] = await manager.query<Array<{ count: number }>>(
      'SELECT count(*)::int AS count FROM appointments WHERE patient_id = $1 AND slot_start >= $2 AND slot_start < $3',
      [patientId, day, addDays(day, 1)],
    );
    return count;
  }

  /** Starts (epoch ms) of the booked slots of a resource in `[from, until)`. */
  private async takenSlots(
    manager: EntityManager,
    resource: BookableResource,
    from: Date,
    until: Date,
  ): Promise<Set<number>> {
    const rows: Array<{ slot_start: Date }> = await manager.query(
      'SELECT slot_start FROM appointments WHERE resource = $1 AND slot_start >= $2 AND slot_start < $3',
      [resource, from, until],
    );
    return new Set(rows.map((row) => row.slot_start.getTime()));
  }
}
