import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1, type RecordEvent } from '@app/contracts';
import { DeadLetterException } from '@app/crypto-messaging';
import { runBatchOnceInOneStatement, type EventConsumer } from '@app/platform';
import { Invoice } from './invoice.entity';
import { priceRecord, UnpricedCodeError } from './invoice-pricing';
import { InvoiceRepository, type NewInvoice } from './invoice.repository';

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
   * Invoices the billable records of a batch, once per event id: the processed-event rows and
   * the invoices of the whole batch are one statement, so they commit together (a redelivered or
   * re-sent copy changes nothing).
   * A record that is not billable is skipped (defence in depth: the filter policy routes only
   * billable records here).
   * A record with a code the fee schedule lacks fails alone, before any statement, with a
   * dead-letter `UNPRICED_CODE`; an event whose insert fails fails alone too. Resolves the
   * failures by event id (absent: invoiced, or invoiced before).
   */
  async invoiceRecords(batch: ReadonlyArray<RecordEvent>): Promise<Map<string, unknown>> {
    const failures = new Map<string, unknown>();
    const priced: Array<{ readonly eventId: string; readonly invoice: NewInvoice }> = [];
    for (const { eventId, record } of batch) {
      if (!record.billable) continue;
      try {
        priced.push({ eventId, invoice: invoiceOf(eventId, record, priceRecord(record)) });
      } catch (error) {
        failures.set(eventId, deadLetterFor(error) ?? error);
      }
    }
    const run = await runBatchOnceInOneStatement(priced, this.consumer, (events) =>
      this.invoices.insertForClaimed(events.map((event) => event.invoice)),
    );
    for (const [eventId, error] of run.failures) failures.set(eventId, error);
    if (run.done.length > 0) {
      // One line per batch: counts and event ids, nothing of the patient.
      this.logger.log({
        msg: 'invoice created',
        invoices: run.done.length,
        lines: run.done.reduce((sum, event) => sum + event.invoice.lines.length, 0),
        eventIds: run.done.map((event) => event.eventId),
      });
    }
    return failures;
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

/** A priced record as its invoice. */
function invoiceOf(
  eventId: string,
  record: PatientRecordCreatedV1,
  priced: ReturnType<typeof priceRecord>,
): NewInvoice {
  return {
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
  };
}

/** A record the fee schedule can never price goes to the dead-letter queue, not back to the queue. */
function deadLetterFor(error: unknown): DeadLetterException | undefined {
  if (error instanceof UnpricedCodeError) return new DeadLetterException('UNPRICED_CODE', error.message);
  return undefined;
}
