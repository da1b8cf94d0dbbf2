import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A daily medication reminder at one time of day, from its start date to its end date. */
@Entity({ name: 'medication_reminders' })
export class MedicationReminder {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index()
  @Column('uuid', { name: 'patient_id' })
  patientId!: string;

  @Column('uuid', { name: 'record_id' })
  recordId!: string;

  @Column('uuid', { name: 'event_id' })
  eventId!: string;

  @Column('text')
  rxnorm!: string;

  @Column('text', { name: 'medication_name' })
  medicationName!: string;

  @Column('text')
  dose!: string;

  @Column('text')
  frequency!: string;

  /** Clinic time of day, `HH:MM`, as the catalogue writes reminder times. */
  @Column('text', { name: 'time_of_day' })
  timeOfDay!: string;

  /** `YYYY-MM-DD`: Postgres `date` columns come back as strings, with no time-zone shift. */
  @Column('date', { name: 'start_date' })
  startDate!: string;

  @Column('date', { name: 'end_date' })
  endDate!: string;

  @Column('integer')
  doses!: number;

  /** Subject id of who entered the record (the event's `enteredBy`); null before sign-in existed. */
  @Column('text', { name: 'entered_by', nullable: true })
  enteredBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
