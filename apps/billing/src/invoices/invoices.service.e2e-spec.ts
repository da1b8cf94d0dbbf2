/**
 * Billing's batch consumer against its own migrated schema (embedded PostgreSQL): a batch of
 * records becomes its invoices in one statement (claims and effect, no transaction around it), with per-event failures.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { syntheticRecord, type PatientRecordCreatedV1, type RecordEvent } from '@app/contracts';
import { DeadLetterException } from '@app/crypto-messaging';
import { startCountedDatabase, type CountedDatabase } from '@app/platform/testing';
import { billingDatabase } from '../database/billing.database';
import { InvoiceRepository } from './invoice.repository';
import { InvoicesService } from './invoices.service';

const BATCH = 10;

describe('InvoicesService.invoiceRecords (a batch, embedded PostgreSQL)', () => {
  let db: CountedDatabase;
  let service: InvoicesService;
  let logged: unknown[];

  const eventOf = (record: PatientRecordCreatedV1 = syntheticRecord()): RecordEvent => ({
    eventId: randomUUID(),
    record,
  });
  const invoiceCount = async () =>
    Number((await db.dataSource.query<Array<{ n: string }>>('SELECT count(*) AS n FROM invoices'))[0].n);
  const codesOf = async (eventId: string) =>
    (
      await db.dataSource.query<Array<{ code: string }>>(
        `SELECT l.code FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
          WHERE i.event_id = $1 ORDER BY l.position`,
        [eventId],
      )
    ).map((row) => row.code);

  beforeAll(async () => {
    db = await startCountedDatabase(billingDatabase);
    service = new InvoicesService(db.dataSource, new InvoiceRepository(db.dataSource));
  }, 120_000);
  afterAll(() => db?.stop());
  beforeEach(() => {
    logged = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation((entry: unknown) => void logged.push(entry));
    db.resetCount();
  });
  afterEach(() => jest.restoreAllMocks());

  it('invoices a batch in one statement, with one log line of counts and event ids', async () => {
    const before = await invoiceCount();
    const batch = Array.from({ length: BATCH }, () =>
      eventOf(syntheticRecord({ procedures: [{ cptCode: '36415' }] })),
    );
    db.resetCount();
    expect(await service.invoiceRecords(batch)).toEqual(new Map());
    expect(db.statements()).toBe(1); // the claims with the invoices and their lines (was 4: START TRANSACTION, claims, invoices, COMMIT)
    expect(await invoiceCount()).toBe(before + BATCH);
    for (const { eventId } of batch) expect(await codesOf(eventId)).toEqual(['99213', '36415', '6690-2']);
    const [invoice] = await new InvoiceRepository(db.dataSource).byPatient(batch[0].record.patient.patientId);
    expect(invoice).toMatchObject({
      recordId: batch[0].record.recordId,
      patientName: 'Alex Testpatient',
      mrn: 'SYN-000123',
      visitDate: new Date('2026-11-28T09:30:00Z'),
      totalCents: 11_000 + 1_200 + 1_800,
      currency: 'USD',
      status: 'open',
      enteredBy: batch[0].record.enteredBy,
    });
    expect(invoice.lines.map((line) => [line.position, line.amountCents])).toEqual([
      [0, 11_000],
      [1, 1_200],
      [2, 1_800],
    ]);
    expect(logged).toEqual([
      { msg: 'invoice created', invoices: BATCH, lines: 3 * BATCH, eventIds: batch.map((e) => e.eventId) },
    ]);
    expect(JSON.stringify(logged)).not.toContain('Testpatient');
  });

  it('dead-letters a record with an unpriced code before any statement, and invoices the rest', async () => {
    const unpriced = eventOf(syntheticRecord({ procedures: [{ cptCode: '99999' }] }));
    const good = [eventOf(), eventOf()];
    const failures = await service.invoiceRecords([good[0], unpriced, good[1]]);
    expect([...failures.keys()]).toEqual([unpriced.eventId]);
    const failure = failures.get(unpriced.eventId);
    expect(failure).toBeInstanceOf(DeadLetterException);
    expect((failure as DeadLetterException).getError()).toMatchObject({
      deadLetter: true,
      code: 'UNPRICED_CODE',
    });
    expect(db.statements()).toBe(1);
    expect(await codesOf(unpriced.eventId)).toEqual([]);
    for (const { eventId } of good) expect(await codesOf(eventId)).toEqual(['99213', '6690-2']);
  });

  it('skips a record that is not billable: no invoice, no claim, no failure', async () => {
    const notBillable = eventOf(syntheticRecord({ billable: false }));
    const billable = eventOf();
    expect(await service.invoiceRecords([notBillable, billable])).toEqual(new Map());
    expect(await codesOf(notBillable.eventId)).toEqual([]);
    expect(await codesOf(billable.eventId)).toEqual(['99213', '6690-2']);
    const claims = await db.dataSource.query<unknown[]>(
      'SELECT 1 FROM processed_events WHERE event_id = $1',
      [notBillable.eventId],
    );
    expect(claims).toEqual([]);
  });

  it('changes nothing for copies of invoiced events, and logs no invoice', async () => {
    const batch = [eventOf(), eventOf()];
    await service.invoiceRecords(batch);
    const before = await invoiceCount();
    logged = [];
    expect(await service.invoiceRecords([...batch].reverse())).toEqual(new Map());
    expect(await invoiceCount()).toBe(before);
    expect(logged).not.toContainEqual(expect.objectContaining({ msg: 'invoice created' }));
  });

  it('fails alone an event whose insert fails (a record invoiced under another event id); the others commit', async () => {
    const invoiced = eventOf();
    await service.invoiceRecords([invoiced]);
    const republished = eventOf(invoiced.record);
    const fresh = eventOf();
    const failures = await service.invoiceRecords([republished, fresh]);
    expect([...failures.keys()]).toEqual([republished.eventId]);
    expect(failures.get(republished.eventId)).not.toBeInstanceOf(DeadLetterException);
    expect(await codesOf(fresh.eventId)).toEqual(['99213', '6690-2']);
    expect(await codesOf(republished.eventId)).toEqual([]);
  });
});
