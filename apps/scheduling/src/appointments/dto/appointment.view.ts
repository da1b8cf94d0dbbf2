import { ApiProperty } from '@nestjs/swagger';
import type { Appointment, AppointmentKind, BookableResource } from '../appointment.entity';

/**
 * An appointment as a scheduler reads it: what, where and when, for which patient. No
 * diagnosis, medication or note: a scheduler books and reminds, and needs none of them
 * (minimum necessary). A lab appointment names the test (LOINC) so the draw is prepared.
 */
export class AppointmentView {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ enum: ['follow-up', 'lab'] })
  kind!: AppointmentKind;
  @ApiProperty({ enum: ['clinic', 'lab'] })
  resource!: BookableResource;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '6690-2',
    description: 'Lab test (LOINC) of a lab appointment',
  })
  loinc!: string | null;
  @ApiProperty({ format: 'uuid' })
  patientId!: string;
  @ApiProperty({ format: 'uuid', description: 'The medical record that asked for it' })
  recordId!: string;
  @ApiProperty({ format: 'uuid', description: 'The event that booked it (tracing)' })
  eventId!: string;
  @ApiProperty()
  slotStart!: Date;
  @ApiProperty()
  slotEnd!: Date;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Subject id of who entered the record (never a name); null before sign-in existed',
  })
  enteredBy!: string | null;
  @ApiProperty()
  createdAt!: Date;
}

export function appointmentView(appointment: Appointment): AppointmentView {
  return {
    id: appointment.id,
    kind: appointment.kind,
    resource: appointment.resource,
    loinc: appointment.loinc,
    patientId: appointment.patientId,
    recordId: appointment.recordId,
    eventId: appointment.eventId,
    slotStart: appointment.slotStart,
    slotEnd: appointment.slotEnd,
    enteredBy: appointment.enteredBy,
    createdAt: appointment.createdAt,
  };
}
