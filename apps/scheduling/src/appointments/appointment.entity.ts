import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** What an appointment is for: the follow-up visit, or a lab draw for one lab order. */
export type AppointmentKind = 'follow-up' | 'lab';

/** What an appointment occupies: the clinic's one consulting room or the lab's one chair. */
export type BookableResource = 'clinic' | 'lab';

/**
 * A booked slot. `UNIQUE (resource, slot_start)` is what makes double-booking impossible, even
 * for handlers booking at the same moment: the database, not the code, is the arbiter.
 */
@Entity({ name: 'appointments' })
@Unique('appointments_resource_slot_start_key', ['resource', 'slotStart'])
export class Appointment {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  kind!: AppointmentKind;

  @Column('text')
  resource!: BookableResource;

  /** The lab test (LOINC) a lab appointment draws for; null for a follow-up. */
  @Column('text', { nullable: true })
  loinc!: string | null;

  @Index()
  @Column('uuid', { name: 'patient_id' })
  patientId!: string;

  @Column('uuid', { name: 'record_id' })
  recordId!: string;

  @Column('uuid', { name: 'event_id' })
  eventId!: string;

  @Column('timestamptz', { name: 'slot_start' })
  slotStart!: Date;

  @Column('timestamptz', { name: 'slot_end' })
  slotEnd!: Date;

  /** Subject id of who entered the record (the event's `enteredBy`); null before sign-in existed. */
  @Column('text', { name: 'entered_by', nullable: true })
  enteredBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
