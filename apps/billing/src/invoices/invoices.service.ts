import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from '@app/contracts';
import { DeadLetterException } from '@app/crypto-messaging';
import { claimEvent } from '@app/platform';
import { InvoiceLine } from './invoice-line.entity';
import { Invoice } from './invoice.entity';
import { priceRecord, UnpricedCodeError } from './invoice-pricing';

@Injectable()
export class InvoicesService {
  private readonly logger = new Logger(InvoicesService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

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
    const created = await this.dataSource.transaction(async (manager) => {
      if (!(await claimEvent(manager, eventId, PatientRecordCreatedV1Event.pattern))) return undefined;
      const invoice = manager.create(Invoice, {
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
        lines: priced.lines.map((line, position) => manager.create(InvoiceLine, { ...line, position })),
      });
      return manager.save(invoice);
    });
    if (created) {
      this.logger.log({ msg: 'invoice created', invoiceId: created.id, eventId, lines: priced.lines.length });
    } else {
      this.logger.log({ msg: 'event already processed; nothing to do', eventId });
    }
  }

  async byPatient(patientId: string): Promise<Invoice[]> {
    return this.dataSource.getRepository(Invoice).find({
      where: { patientId },
      order: { createdAt: 'DESC', lines: { position: 'ASC' } },
    });
  }

  /**
   * The `limit` most recent invoices of all patients, newest first, each with its lines. No
   * order on the lines here: with `take`, TypeORM pages over (invoice, line) pairs when a joined
   * column is in the order, and returns fewer invoices than asked; the view sorts the lines.
   */
  async recent(limit: number): Promise<Invoice[]> {
    return this.dataSource.getRepository(Invoice).find({
      order: { createdAt: 'DESC', id: 'ASC' },
      take: limit,
    });
  }

  async byId(id: string): Promise<Invoice> {
    const invoice = await this.dataSource
      .getRepository(Invoice)
      .findOne({ where: { id }, order: { lines: { position: 'ASC' } } });
    if (!invoice) throw new NotFoundException(`Invoice ${id} does not exist`);
    return invoice;
  }
}
