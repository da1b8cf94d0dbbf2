import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PatientRecordCreatedV1 } from '@app/contracts';
import { instantsOf, type DateRangeQuery } from '../calendar/date-range.query';
import { SchedulingSkip, SkipReason } from '../skips/scheduling-skip.entity';
import { SchedulingSkipRepository } from '../skips/scheduling-skip.repository';
import { Appointment, type BookableResource } from './appointment.entity';
import {
  NoFreeSlotError,
  scheduleOf,
  SEARCH_HORIZON_DAYS,
  type AppointmentRequest,
} from './appointment-plan';
import { AppointmentRepository, type NewAppointment } from './appointment.repository';
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
  constructor(
    private readonly appointments: AppointmentRepository,
    private readonly skips: SchedulingSkipRepository,
  ) {}

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
      const result = await this.bookFirstFree(manager, from, {
        kind: request.kind,
        resource: request.resource,
        loinc: request.loinc ?? null,
        patientId: record.patient.patientId,
        recordId: record.recordId,
        eventId,
        enteredBy: record.enteredBy ?? null,
      });
      if (result instanceof Appointment) {
        lastEnd.set(request.resource, result.slotEnd);
        booked.push(result);
      } else {
        skipped.push(
          await this.skips.insert(manager, {
            patientId: record.patient.patientId,
            recordId: record.recordId,
            eventId,
            kind: request.kind,
            code: request.loinc ?? null,
            day: isoDate(result.fullDay),
            reason: SkipReason.DailyAppointmentLimit,
            enteredBy: record.enteredBy ?? null,
          }),
        );
      }
    }
    return { booked, skipped };
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

  /**
   * Reads which slots are taken, then claims the first one that looks free. A concurrent
   * handler may have claimed it since the read: move on to the next candidate rather than
   * fail, so concurrent handlers neither fail nor double-book.
   * When the first free slot falls on a day the patient already holds
   * {@link MAX_APPOINTMENTS_PER_PATIENT_DAY} appointments, books nothing and names that day.
   */
  private async bookFirstFree(
    manager: EntityManager,
    from: Date,
    slot: Omit<NewAppointment, 'slotStart' | 'slotEnd'>,
  ): Promise<Appointment | { readonly fullDay: Date }> {
    const schedule = scheduleOf(slot.resource);
    const until = addDays(from, SEARCH_HORIZON_DAYS);
    let dayChecked: number | undefined;
    for (let windowStart = from; windowStart < until;) {
      const windowEnd = new Date(
        Math.min(addDays(windowStart, TAKEN_WINDOW_DAYS).getTime(), until.getTime()),
      );
      const taken = await this.appointments.takenSlots(manager, slot.resource, windowStart, windowEnd);
      for (const start of freeSlots(windowStart, schedule, taken, windowEnd)) {
        const day = startOfUtcDay(start);
        if (dayChecked !== day.getTime()) {
          if (
            (await this.appointments.countOnDay(manager, slot.patientId, day)) >=
            MAX_APPOINTMENTS_PER_PATIENT_DAY
          ) {
            return { fullDay: day };
          }
          dayChecked = day.getTime();
        }
        const booked = await this.appointments.claimSlot(manager, {
          ...slot,
          slotStart: start,
          slotEnd: slotEnd(start, schedule),
        });
        if (booked) return booked;
      }
      windowStart = windowEnd;
    }
    throw new NoFreeSlotError(slot.resource);
  }
}
