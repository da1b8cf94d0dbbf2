import { Column, CreateDateColumn, Entity, Index, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import { InvoiceLine } from './invoice-line.entity';

export type InvoiceStatus = 'open' | 'paid' | 'void';

/** The patient's invoice for one visit (revenue cycle: accounts receivable). */
@Entity({ name: 'invoices' })
export class Invoice {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** One invoice per medical record. */
  @Index({ unique: true })
  @Column('uuid', { name: 'record_id' })
  recordId!: string;

  @Column('uuid', { name: 'event_id' })
  eventId!: string;

  @Index()
  @Column('uuid', { name: 'patient_id' })
  patientId!: string;

  /** Billing needs who to bill: name and MRN (minimum necessary). */
  @Column('text', { name: 'patient_name' })
  patientName!: string;

  @Column('text')
  mrn!: string;

  @Column('timestamptz', { name: 'visit_date' })
  visitDate!: Date;

  @Column('integer', { name: 'total_cents' })
  totalCents!: number;

  @Column('text', { default: 'USD' })
  currency!: string;

  @Column('text', { default: 'open' })
  status!: InvoiceStatus;

  /** Subject id of who entered the record (the event's `enteredBy`); null before sign-in existed. */
  @Column('text', { name: 'entered_by', nullable: true })
  enteredBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @OneToMany(() => InvoiceLine, (line) => line.invoice, { cascade: ['insert'], eager: true })
  lines!: InvoiceLine[];
}
