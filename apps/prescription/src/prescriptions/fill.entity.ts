import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { Prescription } from './prescription.entity';

/** A pharmacy's report that it dispensed part (or all) of a prescription: the fill history. */
@Entity({ name: 'prescription_fills' })
export class Fill {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index()
  @Column('uuid', { name: 'prescription_id' })
  prescriptionId!: string;

  @ManyToOne(() => Prescription, (prescription) => prescription.fills, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'prescription_id' })
  prescription!: Prescription;

  @Column('text', { name: 'pharmacy_id' })
  pharmacyId!: string;

  /** Units dispensed by this fill. */
  @Column('integer')
  quantity!: number;

  /** When the pharmacy dispensed, as it reported. */
  @Column('timestamptz', { name: 'filled_at' })
  filledAt!: Date;

  /** Subject id of the pharmacist who recorded it; null for fills from before sign-in existed. */
  @Column('text', { name: 'filled_by', nullable: true })
  filledBy!: string | null;

  /** When we recorded the report. */
  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;
}
