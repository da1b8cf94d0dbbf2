import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Invoice } from './invoice.entity';

/** A priced line: a visit or procedure (CPT) or a lab test (LOINC). */
@Entity({ name: 'invoice_lines' })
export class InvoiceLine {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @ManyToOne(() => Invoice, (invoice) => invoice.lines, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'invoice_id' })
  invoice!: Invoice;

  @Column('integer')
  position!: number;

  @Column('text', { name: 'code_system' })
  codeSystem!: 'CPT' | 'LOINC';

  @Column('text')
  code!: string;

  @Column('text')
  description!: string;

  @Column('integer')
  quantity!: number;

  @Column('integer', { name: 'unit_cents' })
  unitCents!: number;

  @Column('integer', { name: 'amount_cents' })
  amountCents!: number;
}
