import { Column, CreateDateColumn, Entity, Index, OneToMany, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Fill } from './fill.entity';
import type { RejectionReason } from './prescription-rules';

/** Whether the prescription reached the pharmacy. */
export type PrescriptionStatus = 'sent' | 'rejected';

/** One medication order of a medical record, as an electronic prescription to one pharmacy. */
@Entity({ name: 'prescriptions' })
@Unique('prescriptions_record_id_position_key', ['recordId', 'position'])
export class Prescription {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The event that created it (for tracing; idempotency is keyed in `processed_events`). */
  @Column('uuid', { name: 'event_id' })
  eventId!: string;

  @Column('uuid', { name: 'record_id' })
  recordId!: string;

  /** Index of the medication in the record: one row per (record, medication), once. */
  @Column('integer')
  position!: number;

  @Index()
  @Column('uuid', { name: 'patient_id' })
  patientId!: string;

  /** The pharmacy must identify the patient: name and date of birth (minimum necessary). */
  @Column('text', { name: 'patient_given_name' })
  patientGivenName!: string;

  @Column('text', { name: 'patient_family_name' })
  patientFamilyName!: string;

  /** ISO date (YYYY-MM-DD); PostgreSQL `date` comes back as a string, without a time zone shift. */
  @Column('date', { name: 'patient_date_of_birth' })
  patientDateOfBirth!: string;

  @Column('text', { name: 'prescriber_id' })
  prescriberId!: string;

  @Column('text', { name: 'prescriber_name' })
  prescriberName!: string;

  @Column('text')
  rxnorm!: string;

  @Column('text', { name: 'medication_name' })
  medicationName!: string;

  @Column('text')
  dose!: string;

  @Column('text')
  frequency!: string;

  @Column('integer')
  quantity!: number;

  @Column('integer')
  refills!: number;

  @Column('text', { name: 'pharmacy_id' })
  pharmacyId!: string;

  @Column('text')
  status!: PrescriptionStatus;

  /** Set when `status` is 'rejected'. */
  @Column('text', { name: 'rejection_reason', nullable: true })
  rejectionReason!: RejectionReason | null;

  /** Set when `status` is 'sent'. */
  @Column('timestamptz', { name: 'transmitted_at', nullable: true })
  transmittedAt!: Date | null;

  /** Subject id of who entered the record (the event's `enteredBy`); null before sign-in existed. */
  @Column('text', { name: 'entered_by', nullable: true })
  enteredBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @OneToMany(() => Fill, (fill) => fill.prescription)
  fills!: Fill[];
}
