import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from '@app/contracts';
import { DeadLetterException } from '@app/crypto-messaging';
import { runOnce, type EventConsumer, type OnceOutcome } from '@app/platform';
import {
  appointmentRequests,
  assertSchedulableVisit,
  NoFreeSlotError,
  UnknownLabTestError,
  VisitOutOfRangeError,
  type AppointmentRequest,
} from '../appointments/appointment-plan';
import { AppointmentsService } from '../appointments/appointments.service';
import { planReminders, UnknownFrequencyError, type PlannedReminder } from '../reminders/reminder-plan';
import { RemindersService } from '../reminders/reminders.service';
import { lockPatientSchedule } from '../skips/patient-lock';

/** Error codes of records Scheduling can never act on (the dead-letter reason). */
export enum SchedulingErrorCode {
  UnknownLabTest = 'UNKNOWN_LAB_TEST',
  UnknownFrequency = 'UNKNOWN_FREQUENCY',
  NoFreeSlot = 'NO_FREE_SLOT',
  VisitOutOfRange = 'VISIT_DATE_OUT_OF_RANGE',
}

/** Maps the planning errors to a dead-letter; anything else is left to retry. */
function deadLetterFor(error: unknown): DeadLetterException | undefined {
  if (error instanceof UnknownLabTestError) {
    return new DeadLetterException(SchedulingErrorCode.UnknownLabTest, error.message);
  }
  if (error instanceof UnknownFrequencyError) {
    return new DeadLetterException(SchedulingErrorCode.UnknownFrequency, error.message);
  }
  if (error instanceof NoFreeSlotError) {
    return new DeadLetterException(SchedulingErrorCode.NoFreeSlot, error.message);
  }
  if (error instanceof VisitOutOfRangeError) {
    return new DeadLetterException(SchedulingErrorCode.VisitOutOfRange, error.message);
  }
  return undefined;
}

/** What scheduling one record did, in counts (never times or medications: PHI). */
interface ScheduleOutcome {
  readonly appointments: number;
  readonly reminders: number;
  readonly skippedAppointments: number;
  readonly skippedReminders: number;
}

/** Turns a new medical record into appointments and medication reminders. */
@Injectable()
export class RecordSchedulingService {
  private readonly logger = new Logger(RecordSchedulingService.name);
  private readonly consumer: EventConsumer;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly appointments: AppointmentsService,
    private readonly reminders: RemindersService,
  ) {
    this.consumer = { dataSource, pattern: PatientRecordCreatedV1Event.pattern, logger: this.logger };
  }

  /**
   * Books and plans a record, once per event id: the processed-event row, the appointments and
   * the reminders commit together, so a redelivered or re-sent copy changes nothing, and a
   * failure part-way leaves nothing behind for the retry to trip over.
   */
  async scheduleRecord(eventId: string, record: PatientRecordCreatedV1): Promise<void> {
    let requests: AppointmentRequest[];
    let planned: PlannedReminder[];
    try {
      // Planning first, outside the transaction: a record that can never succeed costs no lock.
      // A visit dated in 9999 would fail every retry in the database (dates past year 9999),
      // then dead-letter: refuse it here, at once, with a code.
      assertSchedulableVisit(record);
      requests = appointmentRequests(record);
      planned = planReminders(record);
    } catch (error) {
      throw deadLetterFor(error) ?? error;
    }
    let ran: OnceOutcome<ScheduleOutcome>;
    try {
      ran = await runOnce(eventId, this.consumer, async (manager) => {
        await lockPatientSchedule(manager, record.patient.patientId);
        const booking = await this.appointments.book(manager, eventId, record, requests);
        const reminders = await this.reminders.create(manager, eventId, record, planned);
        return {
          appointments: booking.booked.length,
          reminders: reminders.created.length,
          skippedAppointments: booking.skipped.length,
          skippedReminders: reminders.skipped.length,
        };
      });
    } catch (error) {
      throw deadLetterFor(error) ?? error;
    }
    if (!ran.firstTime) return;
    const outcome = ran.value;
    // Ids and counts only: appointment times and medications of a patient are PHI.
    this.logger.log({ msg: 'record scheduled', eventId, recordId: record.recordId, ...outcome });
    if (outcome.skippedAppointments + outcome.skippedReminders > 0) {
      // Acked, not dead-lettered: the bound is policy, and the skips are kept for a scheduler.
      this.logger.warn({
        msg: 'per-patient bound reached; bookings skipped and recorded',
        eventId,
        recordId: record.recordId,
        skippedAppointments: outcome.skippedAppointments,
        skippedReminders: outcome.skippedReminders,
      });
    }
    // Sending is out of scope for this reference app: a real one would hand these to a notifier.
    if (outcome.reminders > 0) {
      this.logger.log({ msg: 'medication reminders scheduled', eventId, count: outcome.reminders });
    }
  }
}
