import { catalogue } from '@app/catalogue';
import type { PatientRecordCreatedV1 } from '@app/contracts';
import { addDays, isoDate, startOfUtcDay } from '../appointments/slots';

/** One daily reminder of one medication, before it is saved. */
export interface PlannedReminder {
  readonly rxnorm: string;
  readonly medicationName: string;
  readonly dose: string;
  readonly frequency: string;
  /** Clinic time of day, `HH:MM`, from the frequency's reminder times. */
  readonly timeOfDay: string;
  /** First day of the reminder, `YYYY-MM-DD`. */
  readonly startDate: string;
  /** Last day of the reminder (inclusive), `YYYY-MM-DD`. */
  readonly endDate: string;
  /** How many doses this reminder announces: one a day from start to end. */
  readonly doses: number;
}

/** A frequency the catalogue does not know: the record can never be planned. */
export class UnknownFrequencyError extends Error {
  constructor(readonly frequency: string) {
    super(`Medication frequency "${frequency}" is not in the catalogue`);
    this.name = 'UnknownFrequencyError';
  }
}

/**
 * Plans medication reminders. Doses start the day after the visit (the prescription has to be
 * filled first) and are taken at the frequency's times of day, in order, until `quantity`
 * doses are used up: with n times a day, the reminder at time j announces
 * `ceil((quantity - j) / n)` doses, so the reminders add up to exactly `quantity` doses and the
 * last day may carry only the first few times. A time that gets no dose (quantity below n) has
 * no reminder. 'as needed' has no reminder times, hence no scheduled reminder. Pure.
 */
export function planReminders(record: PatientRecordCreatedV1): PlannedReminder[] {
  const start = addDays(startOfUtcDay(new Date(record.visit.date)), 1);
  const planned: PlannedReminder[] = [];
  for (const medication of record.medications) {
    const frequency = catalogue.frequency(medication.frequency);
    if (!frequency) throw new UnknownFrequencyError(medication.frequency);
    const perDay = frequency.times.length;
    frequency.times.forEach((timeOfDay, j) => {
      const doses = Math.ceil((medication.quantity - j) / perDay);
      if (doses < 1) return;
      planned.push({
        rxnorm: medication.rxnorm,
        medicationName: medication.name,
        dose: medication.dose,
        frequency: medication.frequency,
        timeOfDay,
        startDate: isoDate(start),
        endDate: isoDate(addDays(start, doses - 1)),
        doses,
      });
    });
  }
  return planned;
}
