import { catalogue, OPENING_HOURS } from '@app/catalogue';
import type { PatientRecordCreatedV1 } from '@app/contracts';
import type { AppointmentKind, BookableResource } from './appointment.entity';
import { addDays, nextOpening, startOfUtcDay } from './slots';

/** How far ahead of its earliest start a booking searches before giving up, in days. */
export const SEARCH_HORIZON_DAYS = 730;

/**
 * The visit dates Scheduling can act on: from 1900 to this many days ahead of now. The EMR
 * accepts visits up to 366 days ahead; a record beyond (a bug or another publisher) would put
 * follow-ups, lab slots and reminders past what anyone can book or store.
 */
export const MAX_VISIT_DAYS_AHEAD = 730;
const EARLIEST_VISIT_MS = Date.UTC(1900, 0, 1);
const MS_PER_DAY = 86_400_000;

/** A visit dated where no appointment or reminder can be planned: the record can never be booked. */
export class VisitOutOfRangeError extends Error {
  constructor() {
    super(`The visit date is before 1900 or more than ${MAX_VISIT_DAYS_AHEAD} days ahead`);
    this.name = 'VisitOutOfRangeError';
  }
}

/** Throws {@link VisitOutOfRangeError} unless the record's visit date is schedulable. */
export function assertSchedulableVisit(record: PatientRecordCreatedV1, now = Date.now()): void {
  const visit = Date.parse(record.visit.date);
  if (Number.isNaN(visit) || visit < EARLIEST_VISIT_MS || visit > now + MAX_VISIT_DAYS_AHEAD * MS_PER_DAY) {
    throw new VisitOutOfRangeError();
  }
}

/** An appointment to book: the first free slot of `resource` at or after `from`. */
export interface AppointmentRequest {
  readonly kind: AppointmentKind;
  readonly resource: BookableResource;
  /** LOINC code of a lab appointment. */
  readonly loinc?: string;
  /** Earliest acceptable slot start. */
  readonly from: Date;
}

/** A lab order for a test the lab does not perform: the record can never be booked. */
export class UnknownLabTestError extends Error {
  constructor(readonly loinc: string) {
    super(`LOINC code ${loinc} is not a lab test of the clinic`);
    this.name = 'UnknownLabTestError';
  }
}

/** No free slot within the search horizon (or the resource never opens). */
export class NoFreeSlotError extends Error {
  constructor(readonly resource: BookableResource) {
    super(`No free ${resource} slot within ${SEARCH_HORIZON_DAYS} days`);
    this.name = 'NoFreeSlotError';
  }
}

/**
 * The slots a booking chose were taken, attempt after attempt, by writers that do not take the
 * resource's lock: transient, so the event is retried later (not dead-lettered).
 */
export class SlotContentionError extends Error {
  constructor(readonly attempts: number) {
    super(`Slots were taken concurrently on each of ${attempts} booking attempts`);
    this.name = 'SlotContentionError';
  }
}

/**
 * What a record asks Scheduling to book, in booking order: the follow-up (if the physician set
 * an interval) from the start of the day `followUpDays` after the visit, then one lab slot per
 * lab order from the lab's next opening after the visit (the lab opens mornings, for fasting
 * draws; the patient is not asked to be at the lab during the visit itself). Pure.
 */
export function appointmentRequests(record: PatientRecordCreatedV1): AppointmentRequest[] {
  const visit = new Date(record.visit.date);
  const requests: AppointmentRequest[] = [];
  if (record.followUpDays !== undefined) {
    requests.push({
      kind: 'follow-up',
      resource: 'clinic',
      from: addDays(startOfUtcDay(visit), record.followUpDays),
    });
  }
  if (record.labOrders.length === 0) return requests;
  for (const { loinc } of record.labOrders) {
    if (!catalogue.labTest(loinc)) throw new UnknownLabTestError(loinc);
  }
  const labFrom = nextOpening(visit, scheduleOf('lab'), addDays(visit, SEARCH_HORIZON_DAYS));
  if (!labFrom) throw new NoFreeSlotError('lab');
  for (const { loinc } of record.labOrders)
    requests.push({ kind: 'lab', resource: 'lab', loinc, from: labFrom });
  return requests;
}

/** The opening hours of a resource, from the catalogue. */
export function scheduleOf(resource: BookableResource) {
  return OPENING_HOURS[resource];
}
