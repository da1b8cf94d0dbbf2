import { syntheticRecord, type PatientRecordCreatedV1 } from '@app/contracts';
import { planReminders, UnknownFrequencyError } from './reminder-plan';

type Medication = PatientRecordCreatedV1['medications'][number];
const medication = (
  frequency: string,
  quantity: number,
  name = 'Amoxicillin 500 MG Oral Capsule',
): Medication => ({
  rxnorm: '308182',
  name,
  dose: '500 mg',
  frequency,
  quantity,
  refills: 0,
  pharmacyId: 'pharm-001',
});
const recordWith = (...medications: Medication[]) =>
  syntheticRecord({
    visit: { type: 'office-visit-established', cptCode: '99213', date: '2026-11-25T09:30:00Z' },
    medications,
  });
const summary = (record: PatientRecordCreatedV1) =>
  planReminders(record).map((r) => [r.frequency, r.timeOfDay, r.startDate, r.endDate, r.doses]);

describe('planReminders', () => {
  it('reminds at each time of the frequency, from the day after the visit until the doses run out', () => {
    expect(summary(recordWith(medication('every 8 hours', 21)))).toEqual([
      ['every 8 hours', '06:00', '2026-11-26', '2026-12-02', 7],
      ['every 8 hours', '14:00', '2026-11-26', '2026-12-02', 7],
      ['every 8 hours', '22:00', '2026-11-26', '2026-12-02', 7],
    ]);
  });

  it('ends the later times of day a day early when the doses do not fill the last day', () => {
    expect(summary(recordWith(medication('twice daily', 3)))).toEqual([
      ['twice daily', '08:00', '2026-11-26', '2026-11-27', 2],
      ['twice daily', '20:00', '2026-11-26', '2026-11-26', 1],
    ]);
    // Fewer doses than times a day: the third time never comes.
    expect(summary(recordWith(medication('three times daily', 2)))).toEqual([
      ['three times daily', '08:00', '2026-11-26', '2026-11-26', 1],
      ['three times daily', '14:00', '2026-11-26', '2026-11-26', 1],
    ]);
  });

  it('announces exactly the quantity prescribed, whatever the frequency', () => {
    for (const frequency of [
      'once daily',
      'twice daily',
      'every 8 hours',
      'three times daily',
      'at bedtime',
    ]) {
      for (const quantity of [1, 2, 7, 20, 30, 90]) {
        const total = planReminders(recordWith(medication(frequency, quantity))).reduce(
          (n, r) => n + r.doses,
          0,
        );
        expect({ frequency, quantity, total }).toEqual({ frequency, quantity, total: quantity });
      }
    }
  });

  it('schedules nothing for a medication taken as needed', () => {
    expect(
      summary(
        recordWith(
          medication('as needed', 200, 'Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler'),
          medication('at bedtime', 2),
        ),
      ),
    ).toEqual([['at bedtime', '22:00', '2026-11-26', '2026-11-27', 2]]);
  });

  it('keeps the medication name and dose on each reminder', () => {
    const [reminder] = planReminders(recordWith(medication('once daily', 1)));
    expect(reminder).toMatchObject({
      rxnorm: '308182',
      medicationName: 'Amoxicillin 500 MG Oral Capsule',
      dose: '500 mg',
    });
  });

  it('refuses a frequency the catalogue does not know, naming it', () => {
    expect(() => planReminders(recordWith(medication('every full moon', 3)))).toThrow(
      new UnknownFrequencyError('every full moon'),
    );
  });
});
