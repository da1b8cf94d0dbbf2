import { ApiProperty } from '@nestjs/swagger';
import { CLINIC } from '@app/catalogue';
import type { MedicationReminder } from '../reminder.entity';

/**
 * A medication reminder as a scheduler reads it: which medication, dose and time of day to
 * remind the patient of, from when to when. No diagnosis and no note: a reminder says what to
 * take, not why.
 */
export class ReminderView {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ format: 'uuid' })
  patientId!: string;
  @ApiProperty({ format: 'uuid' })
  recordId!: string;
  @ApiProperty({ format: 'uuid', description: 'The event that planned it (tracing)' })
  eventId!: string;
  @ApiProperty({ example: '308182', description: 'RxNorm concept id' })
  rxnorm!: string;
  @ApiProperty({ example: 'Amoxicillin 500 MG Oral Capsule' })
  medicationName!: string;
  @ApiProperty({ example: '500 mg' })
  dose!: string;
  @ApiProperty({ example: 'every 8 hours' })
  frequency!: string;
  @ApiProperty({ example: '06:00', description: 'Clinic time of day, HH:MM, in `timeZone`' })
  timeOfDay!: string;
  @ApiProperty({ example: 'UTC', description: "The clinic's time zone (IANA name) of `timeOfDay`" })
  timeZone!: string;
  @ApiProperty({ example: '2026-11-26' })
  startDate!: string;
  @ApiProperty({ example: '2026-12-02', description: 'Last day, inclusive' })
  endDate!: string;
  @ApiProperty({ example: 7, description: 'Doses this reminder announces, one a day' })
  doses!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Subject id of who entered the record (never a name); null before sign-in existed',
  })
  enteredBy!: string | null;
  @ApiProperty()
  createdAt!: Date;
}

export function reminderView(reminder: MedicationReminder): ReminderView {
  return {
    id: reminder.id,
    patientId: reminder.patientId,
    recordId: reminder.recordId,
    eventId: reminder.eventId,
    rxnorm: reminder.rxnorm,
    medicationName: reminder.medicationName,
    dose: reminder.dose,
    frequency: reminder.frequency,
    timeOfDay: reminder.timeOfDay,
    // A time of day means nothing without its zone: the clinic's, where the reminder is planned.
    timeZone: CLINIC.timeZone,
    startDate: reminder.startDate,
    endDate: reminder.endDate,
    doses: reminder.doses,
    enteredBy: reminder.enteredBy,
    createdAt: reminder.createdAt,
  };
}
