import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { PatientRecordCreatedV1Event, type RecordEvent } from '@app/contracts';
import { DeadLetterException } from '@app/crypto-messaging';
import { runBatchOnce, type EventConsumer } from '@app/platform';
import {
  appointmentRequests,
  assertSchedulableVisit,
  NoFreeSlotError,
  UnknownLabTestError,
  VisitOutOfRangeError,
  type AppointmentRequest,
} from '../appointments/appointment-plan';
import { AppointmentsService, type BookingAlong } from '../appointments/appointments.service';
import { planReminders, UnknownFrequencyError, type PlannedReminder } from '../reminders/reminder-plan';
import {
  outcomeOf,
  planReminderWrites,
  reminderWindow,
  reminderWrites,
  RemindersService,
  type ReminderOutcome,
} from '../reminders/reminders.service';
import { scheduleLockKeys } from './schedule-lock';

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

/** A record planned (outside any transaction): what to book and which reminders to save. */
interface PlannedRecord extends RecordEvent {
  readonly requests: readonly AppointmentRequest[];
  readonly planned: readonly PlannedReminder[];
}

/** What scheduling one event did, in counts (never times or medications: PHI). */
type ScheduleCounts = Record<
  'appointments' | 'reminders' | 'skippedAppointments' | 'skippedReminders',
  number
>;

const noCounts = (): ScheduleCounts => ({
  appointments: 0,
  reminders: 0,
  skippedAppointments: 0,
  skippedReminders: 0,
});

/** Turns new medical records into appointments and medication reminders. */
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
   * Books and plans a batch of records, once per event id: the processed-event rows, the
   * appointments and the reminders of the batch commit together ({@link runBatchOnce}), so a
   * redelivered or re-sent copy changes nothing, and a failure part-way leaves nothing behind.
   * Resolves with the events that failed and why: a record that can never be scheduled fails
   * with a {@link DeadLetterException} (its code says why); anything else is left to retry.
   */
  async scheduleRecords(batch: readonly RecordEvent[]): Promise<Map<string, unknown>> {
    const failures = new Map<string, unknown>();
    const planned: PlannedRecord[] = [];
    for (const event of batch) {
      try {
        planned.push(plan(event));
      } catch (error) {
        failures.set(event.eventId, deadLetterFor(error) ?? error);
      }
    }
    // Counts per event, from the effect's last run for it: the one that committed, if any.
    const counts = new Map<string, ScheduleCounts>();
    const run = await runBatchOnce(
      planned,
      this.consumer,
      async (manager, fresh) => {
        for (const [eventId, tally] of await this.schedule(manager, fresh)) counts.set(eventId, tally);
      },
      { locks: lockKeysOf },
    );
    for (const [eventId, error] of run.failures) failures.set(eventId, deadLetterFor(error) ?? error);
    if (run.done.length > 0)
      this.logDone(
        run.done.map((event) => event.eventId),
        counts,
      );
    return failures;
  }

  /** The effect, under the locks of {@link lockKeysOf}: bookings, reminders; the counts of each event. */
  private async schedule(
    manager: EntityManager,
    records: readonly PlannedRecord[],
  ): Promise<Map<string, ScheduleCounts>> {
    // When the batch books, its search reads the reminder periods and its insert writes the
    // reminders along: two statements less than reading and writing them apart.
    const window = reminderWindow(records);
    let reminders: ReminderOutcome = { created: [], skipped: [] };
    const along: BookingAlong | undefined = window && {
      reminders: window,
      writesFor: (periods) => {
        const writes = planReminderWrites(records, periods);
        reminders = outcomeOf(writes);
        return reminderWrites(writes);
      },
    };
    const booking = await this.appointments.book(manager, records, along);
    if (!booking.wroteAlong) reminders = await this.reminders.create(manager, records);
    const counts = new Map(records.map(({ eventId }) => [eventId, noCounts()]));
    const add = (eventIds: readonly string[], key: keyof ScheduleCounts) => {
      for (const eventId of eventIds) counts.get(eventId)![key]++;
    };
    add(booking.booked, 'appointments');
    add(booking.skipped, 'skippedAppointments');
    add(reminders.created, 'reminders');
    add(reminders.skipped, 'skippedReminders');
    return counts;
  }

  /** One line for the batch: event ids and counts only (appointment times and medications are PHI). */
  private logDone(eventIds: readonly string[], counts: ReadonlyMap<string, ScheduleCounts>): void {
    const total = noCounts();
    for (const eventId of eventIds) {
      const tally = counts.get(eventId)!;
      for (const key of Object.keys(total) as Array<keyof ScheduleCounts>) total[key] += tally[key];
    }
    // Skips are acked, not dead-lettered: the bound is policy, and the skips are kept for a
    // scheduler. Sending reminders is out of scope for this reference app. The fault suite
    // watches for this line's message.
    this.logger.log({ msg: 'record scheduled', records: eventIds.length, eventIds, ...total });
  }
}

/** The locks a batch's effect runs under, taken with its claims: its patients', then its resources'. */
function lockKeysOf(records: readonly PlannedRecord[]): string[] {
  return scheduleLockKeys(
    records.map(({ record }) => record.patient.patientId),
    records.flatMap(({ requests }) => requests.map((request) => request.resource)),
  );
}

/**
 * Plans a record outside the transaction: a record that can never succeed costs no lock. A visit
 * dated in 9999 would fail every retry in the database (dates past year 9999), then dead-letter:
 * it is refused here, at once, with a code.
 */
function plan(event: RecordEvent): PlannedRecord {
  assertSchedulableVisit(event.record);
  return { ...event, requests: appointmentRequests(event.record), planned: planReminders(event.record) };
}
