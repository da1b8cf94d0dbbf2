import { reminderView } from '../../reminders/dto/reminder.view';
import type { MedicationReminder } from '../../reminders/reminder.entity';
import type { Appointment } from '../appointment.entity';
import { appointmentView } from './appointment.view';

// Entities carrying more than a scheduler may see: what a careless `return entity` would leak.
const clinical = {
  diagnoses: [{ icd10: 'J06.9', description: 'Acute upper respiratory infection' }],
  note: 'Synthetic note',
  patient: { givenName: 'Alex', dateOfBirth: '1980-01-01' },
};
const appointment = {
  id: '11111111-1111-4111-8111-111111111111',
  kind: 'lab',
  resource: 'lab',
  loinc: '6690-2',
  patientId: '44444444-4444-4444-8444-444444444444',
  recordId: '22222222-2222-4222-8222-222222222222',
  eventId: '33333333-3333-4333-8333-333333333333',
  slotStart: new Date('2026-11-26T07:00:00Z'),
  slotEnd: new Date('2026-11-26T07:15:00Z'),
  enteredBy: '7f0c6a0e-3b5d-4c1e-9a53-0d6f1c2b9a01',
  createdAt: new Date('2026-11-25T10:00:00Z'),
  ...clinical,
} as unknown as Appointment;
const reminder = {
  id: '55555555-5555-4555-8555-555555555555',
  patientId: appointment.patientId,
  recordId: appointment.recordId,
  eventId: appointment.eventId,
  rxnorm: '308182',
  medicationName: 'Amoxicillin 500 MG Oral Capsule',
  dose: '500 mg',
  frequency: 'every 8 hours',
  timeOfDay: '06:00',
  startDate: '2026-11-26',
  endDate: '2026-12-02',
  doses: 7,
  enteredBy: null,
  createdAt: new Date('2026-11-25T10:00:00Z'),
  ...clinical,
} as unknown as MedicationReminder;

const leaks = (view: object) => {
  const json = JSON.stringify(view);
  return ['diagnoses', 'J06.9', 'Acute upper', 'note', 'Synthetic note', 'Alex', '1980-01-01'].filter((s) =>
    json.includes(s),
  );
};

describe("the scheduler's models (minimum necessary)", () => {
  it('an appointment: what, where, when and who entered it; no diagnosis, note or demographics', () => {
    const view = appointmentView(appointment);
    expect(view).toMatchObject({ kind: 'lab', loinc: '6690-2', enteredBy: appointment.enteredBy });
    expect(leaks(view)).toEqual([]);
  });

  it('a reminder: what to take and when; no diagnosis, note or demographics', () => {
    const view = reminderView(reminder);
    expect(view).toMatchObject({
      medicationName: 'Amoxicillin 500 MG Oral Capsule',
      timeOfDay: '06:00',
      timeZone: 'UTC', // the clinic's time zone: a time of day without one is ambiguous
      enteredBy: null,
    });
    expect(leaks(view)).toEqual([]);
  });

  it('times carry their zone: a reminder names the clinic zone and its first and last instants with Z', () => {
    const view = reminderView(reminder);
    expect(view).toMatchObject({
      timeZone: 'UTC',
      firstAt: '2026-11-26T06:00:00.000Z',
      lastAt: '2026-12-02T06:00:00.000Z',
    });
    // Instants, as JSON sends them: ISO 8601 with Z.
    const json = JSON.parse(JSON.stringify(appointmentView(appointment))) as Record<string, string>;
    expect(json.slotStart).toBe('2026-11-26T07:00:00.000Z');
    expect(json.slotEnd).toBe('2026-11-26T07:15:00.000Z');
  });
});
