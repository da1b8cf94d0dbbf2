import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PatientRecordCreatedV1 } from '@app/contracts';
import { instantsOf, type DateRangeQuery } from '../calendar/date-range.query';
import type { ReminderPeriod } from '../reminders/reminder.repository';
import { SkipReason } from '../skips/scheduling-skip.entity';
import { skipsInsert, type NewSchedulingSkip } from '../skips/scheduling-skip.repository';
import type { UnnestInsert } from '../database/unnest-insert';
import type { Appointment } from './appointment.entity';
import { scheduleOf, SlotContentionError, type AppointmentRequest } from './appointment-plan';
import { AppointmentRepository, dayKey, type NewAppointment } from './appointment.repository';
import { SlotFinder } from './slot-finder';
import { isoDate, slotEnd, startOfUtcDay } from './slots';

/**
 * Most appointments one patient holds on one day. A request whose first free slot falls on a
 * day the patient already has this many is skipped (kept as a {@link SchedulingSkip}), not
 * moved on: moving on is what let 300 lab orders fill weeks of the lab's chair and push every
 * other patient's draw back; a skip costs one row, and nobody else's slot.
 */
export const MAX_APPOINTMENTS_PER_PATIENT_DAY = 3;

/**
 * Booking attempts of one batch: an attempt is undone and made again only when a slot it chose
 * was taken by a writer that did not wait for the resource's lock.
 */
const MAX_BOOKING_ATTEMPTS = 3;

/** One record's requests to book, under its event id. */
export interface RecordBooking {
  readonly eventId: string;
  readonly record: PatientRecordCreatedV1;
  readonly requests: readonly AppointmentRequest[];
}

/** What booking did: the event id of each appointment booked and of each request skipped. */
export interface BookingOutcome {
  readonly booked: readonly string[];
  readonly skipped: readonly string[];
  /** Whether the writes {@link BookingAlong} asked for were made (false: no booking ran, make them apart). */
  readonly wroteAlong: boolean;
}

/**
 * Reads and writes that ride along a booking's statements: the search also reads the patients'
 * reminder periods over `reminders`; the appointments' insert also makes the writes `writesFor`
 * returns from them (called once per booking attempt, the last call's writes are those made).
 */
export interface BookingAlong {
  readonly reminders: ReminderPeriod;
  readonly writesFor: (periods: Map<string, ReminderPeriod[]>) => readonly UnnestInsert[];
}

/** What one booking attempt chose, before anything is written. */
interface BookingPlan {
  readonly appointments: NewAppointment[];
  readonly skips: NewSchedulingSkip[];
  readonly reminderPeriods?: Map<string, ReminderPeriod[]>;
}

@Injectable()
export class AppointmentsService {
  constructor(private readonly appointments: AppointmentRepository) {}

  /**
   * Books the records' requests inside the caller's transaction (the one that claimed their
   * events), as if the records came one by one in the order given: each request gets the first
   * free slot of its resource from its start, unless the patient already holds
   * {@link MAX_APPOINTMENTS_PER_PATIENT_DAY} appointments that day (then it is skipped). The
   * caller holds the patients' and the resources' locks (`scheduleLockKeys`): bookings of one
   * resource are serialised, and the per-day bound holds under concurrency.
   *
   * Queries: one search (every start of the batch, the patients' days and, with `along`, the
   * periods of their reminders), one insert of the appointments in ascending slot order with the
   * skips and the writes `along` in the same statement. The unique
   * `(resource, slot_start)` stays the arbiter: a slot taken meanwhile by a writer that does not
   * take the lock undoes the attempt, and the next one searches again and books the next free one.
   */
  async book(
    manager: EntityManager,
    bookings: readonly RecordBooking[],
    along?: BookingAlong,
  ): Promise<BookingOutcome> {
    if (!bookings.some((booking) => booking.requests.length > 0))
      return { booked: [], skipped: [], wroteAlong: false };
    for (let attempt = 1; ; attempt++) {
      const plan = await this.plan(manager, bookings, along?.reminders);
      const writes = [
        ...(plan.skips.length > 0 ? [skipsInsert(plan.skips)] : []),
        ...(along ? along.writesFor(plan.reminderPeriods!) : []),
      ];
      const ids = await this.appointments.insertMany(manager, plan.appointments, writes);
      if (ids.length === plan.appointments.length) {
        return {
          booked: plan.appointments.map((a) => a.eventId),
          skipped: plan.skips.map((s) => s.eventId),
          wroteAlong: along !== undefined,
        };
      }
      await this.appointments.deleteMany(manager, ids);
      if (attempt === MAX_BOOKING_ATTEMPTS) throw new SlotContentionError(attempt);
    }
  }

  /** A patient's appointments, earliest slot first. */
  async byPatient(patientId: string): Promise<Appointment[]> {
    return this.appointments.byPatient(patientId);
  }

  /** Every appointment whose slot starts within the range's days, earliest first. */
  async inRange(range: DateRangeQuery): Promise<Appointment[]> {
    const { start, end } = instantsOf(range);
    return this.appointments.startingIn(start, end);
  }

  /** Chooses every request's slot, or its skip, from one search; appointments in slot order. */
  private async plan(
    manager: EntityManager,
    bookings: readonly RecordBooking[],
    reminders: ReminderPeriod | undefined,
  ): Promise<BookingPlan> {
    const { finder, dayCounts, reminderPeriods } = await SlotFinder.open(
      manager,
      this.appointments,
      bookings.flatMap((booking) => booking.requests),
      [...new Set(bookings.map((booking) => booking.record.patient.patientId))],
      reminders,
    );
    const appointments: NewAppointment[] = [];
    const skips: NewSchedulingSkip[] = [];
    for (const { eventId, record, requests } of bookings) {
      const patientId = record.patient.patientId;
      const enteredBy = record.enteredBy ?? null;
      for (const request of requests) {
        const slotStart = await finder.first(request);
        const day = dayKey(patientId, slotStart);
        const held = dayCounts.get(day) ?? 0;
        if (held >= MAX_APPOINTMENTS_PER_PATIENT_DAY) {
          skips.push({
            patientId,
            recordId: record.recordId,
            eventId,
            kind: request.kind,
            code: request.loinc ?? null,
            day: isoDate(startOfUtcDay(slotStart)),
            reason: SkipReason.DailyAppointmentLimit,
            enteredBy,
          });
          continue;
        }
        dayCounts.set(day, held + 1);
        finder.take(request.resource, slotStart);
        appointments.push({
          kind: request.kind,
          resource: request.resource,
          loinc: request.loinc ?? null,
          patientId,
          recordId: record.recordId,
          eventId,
          enteredBy,
          slotStart,
          slotEnd: slotEnd(slotStart, scheduleOf(request.resource)),
        });
      }
    }
    // Ascending (resource, slot): two transactions wait on each other's slots in one order.
    appointments.sort(
      (a, b) => a.resource.localeCompare(b.resource) || a.slotStart.getTime() - b.slotStart.getTime(),
    );
    return { appointments, skips, ...(reminderPeriods ? { reminderPeriods } : {}) };
  }
}
