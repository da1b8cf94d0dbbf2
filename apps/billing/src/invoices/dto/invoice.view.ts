import { ApiProperty } from '@nestjs/swagger';
import type { InvoiceLine } from '../invoice-line.entity';
import type { Invoice, InvoiceStatus } from '../invoice.entity';

/** One priced line of an invoice: a code, what it is, and what it costs. */
export class InvoiceLineView {
  @ApiProperty({ example: 1, description: 'Order of the line on the invoice' })
  position!: number;
  @ApiProperty({ enum: ['CPT', 'LOINC'] })
  codeSystem!: 'CPT' | 'LOINC';
  @ApiProperty({ example: '99213' })
  code!: string;
  @ApiProperty({ example: 'Office visit, established patient', description: 'The fee schedule entry' })
  description!: string;
  @ApiProperty({ example: 1 })
  quantity!: number;
  @ApiProperty({ example: 11000, description: 'US cents' })
  unitCents!: number;
  @ApiProperty({ example: 11000, description: 'US cents' })
  amountCents!: number;
}

/**
 * An invoice as a billing clerk reads it: who to bill (name and MRN), the visit date, codes
 * and amounts. No diagnosis, medication or clinical note: Billing never receives the note, and
 * the rest is not needed to collect a payment (minimum necessary).
 */
export class InvoiceView {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ format: 'uuid', description: 'The medical record billed (one invoice per record)' })
  recordId!: string;
  @ApiProperty({ format: 'uuid', description: 'The event that created it (tracing)' })
  eventId!: string;
  @ApiProperty({ format: 'uuid' })
  patientId!: string;
  @ApiProperty({ example: 'Alex Testpatient', description: 'Who to bill' })
  patientName!: string;
  @ApiProperty({ example: 'SYN-000123' })
  mrn!: string;
  @ApiProperty()
  visitDate!: Date;
  @ApiProperty({ example: 14000, description: 'Sum of the lines, in cents' })
  totalCents!: number;
  @ApiProperty({ example: 'USD' })
  currency!: string;
  @ApiProperty({ enum: ['open', 'paid', 'void'] })
  status!: InvoiceStatus;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Subject id of who entered the record (never a name); null before sign-in existed',
  })
  enteredBy!: string | null;
  @ApiProperty()
  createdAt!: Date;
  @ApiProperty({ type: [InvoiceLineView] })
  lines!: InvoiceLineView[];
}

function lineView(line: InvoiceLine): InvoiceLineView {
  return {
    position: line.position,
    codeSystem: line.codeSystem,
    code: line.code,
    description: line.description,
    quantity: line.quantity,
    unitCents: line.unitCents,
    amountCents: line.amountCents,
  };
}

export function invoiceView(invoice: Invoice): InvoiceView {
  return {
    id: invoice.id,
    recordId: invoice.recordId,
    eventId: invoice.eventId,
    patientId: invoice.patientId,
    patientName: invoice.patientName,
    mrn: invoice.mrn,
    visitDate: invoice.visitDate,
    totalCents: invoice.totalCents,
    currency: invoice.currency,
    status: invoice.status,
    enteredBy: invoice.enteredBy,
    createdAt: invoice.createdAt,
    lines: [...invoice.lines].sort((a, b) => a.position - b.position).map(lineView),
  };
}
