import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from '@app/contracts';
import { DeadLetterException } from '@app/crypto-messaging';
import { runOnce, type EventConsumer } from '@app/platform';
import { Invoice } from './invoice.entity';
import { priceRecord, UnpricedCodeError } from './invoice-pricing';
import { InvoiceRepository } from './invoice.repository';

@Injectable()
export class InvoicesService {
  private readonly logger = new Logger(InvoicesService.name);
  private readonly consumer: EventConsumer;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly invoices: InvoiceRepository,
  ) {
    this.consumer = { dataSource, pattern: PatientRecordCreatedV1Event.pattern, logger: this.logger };
  }

  /**
   * Invoices a billable record, once per event id: the processed-event row and the invoice
   * commit together, so a redelivered or re-sent copy changes nothing.
   */
  async invoiceRecord(eventId: string, record: PatientRecordCreatedV1): Promise<void> {
    let priced: ReturnType<typeof priceRecord>;
    try {
      priced = priceRecord(record);
    } catch (error) {
      if (error instanceof UnpricedCodeError) throw new DeadLetterException('UNPRICED_CODE', error.message);
      throw error;
    }
    const ran = await runOnce(eventId, this.consumer, (manager) =>
      this.invoices.insert(manager, {
        recordId: record.recordId,
        eventId,
        patientId: record.patient.patientId,
        patientName: `${record.patient.givenName} ${record.patient.familyName}`,
        mrn: record.patient.mrn,
        visitDate: new Date(record.visit.date),
        totalCents: priced.totalCents,
        currency: 'USD',
        status: 'open',
        enteredBy: record.enteredBy ?? null,
        lines: priced.lines,
      }),
    );
    if (ran.firstTime) {
      this.logger.log({
        msg: 'invoice created',
        invoiceId: ran.value.id,
        eventId,
        lines: priced.lines.length,
      });
    }
  }

  async byPatient(patientId: string): Promise<Invoice[]> {
    return this.invoices.byPatient(patientId);
  }

  async recent(limit: number): Promise<Invoice[]> {
    return this.invoices.recent(limit);
  }

  async byId(id: string): Promise<Invoice> {
    const invoice = await this.invoices.byId(id);
    if (!invoice) throw new NotFoundException(`Invoice ${id} does not exist`);
    return invoice;
  }
}
