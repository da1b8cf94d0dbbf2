import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { Patient } from '../patients/patient.entity';

export interface RecordMedication {
  rxnorm: string;
  name: string;
  dose: string;
  frequency: string;
  quantity: number;
  refills: number;
  pharmacyId: string;
}

/** What a physician entered for one visit. The source of truth; events carry a subset. */
@Entity({ name: 'medical_records' })
export class MedicalRecord {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index()
  @Column('uuid', { name: 'patient_id' })
  patientId!: string;

  @ManyToOne(() => Patient, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'patient_id' })
  patient?: Patient;

  @Column('text', { name: 'physician_id' })
  physicianId!: string;

  @Column('text', { name: 'visit_type' })
  visitType!: string;

  @Column('text', { name: 'cpt_code' })
  cptCode!: string;

  @Column('timestamptz', { name: 'visit_date' })
  visitDate!: Date;

  @Column('jsonb')
  procedures!: Array<{ cptCode: string }>;

  @Column('jsonb')
  diagnoses!: Array<{ icd10: string; description: string }>;

  @Column('jsonb')
  medications!: RecordMedication[];

  @Column('jsonb')
  immunizations!: Array<{ cvx: string; name: string; date: string }>;

  @Column('jsonb', { name: 'lab_orders' })
  labOrders!: Array<{ loinc: string; name: string }>;

  @Column('jsonb', { name: 'lab_results' })
  labResults!: Array<{ loinc: string; value: string; unit: string; flag?: string }>;

  @Column('integer', { name: 'follow_up_days', nullable: true })
  followUpDays!: number | null;

  /** The physician's free-text note: stays in the EMR, never published (minimum necessary). */
  @Column('text', { default: '' })
  note!: string;

  @Column('boolean')
  billable!: boolean;

  /** Id of the `patient-record.created` event announcing this record: traceable, not PHI. */
  @Column('uuid', { name: 'event_id', unique: true })
  eventId!: string;

  /** Subject id of the person who entered it (the token's `sub`); null for records from before sign-in. */
  @Column('text', { name: 'entered_by', nullable: true })
  enteredBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
