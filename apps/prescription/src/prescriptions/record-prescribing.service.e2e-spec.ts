/**
 * Prescription's batch consumer against its own migrated schema (embedded PostgreSQL): a batch
 * of records becomes its prescriptions in one statement (claims and effect, no transaction around it), with per-event
 * failures, and a record is never prescribed twice.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { syntheticRecord, type PatientRecordCreatedV1, type RecordEvent } from '@app/contracts';
import { startCountedDatabase, type CountedDatabase } from '@app/platform/testing';
import { prescriptionDatabase } from '../database/prescription.database';
import { PrescriptionRepository } from './prescription.repository';
import { RecordPrescribingService } from './record-prescribing.service';

const BATCH = 10;

describe('RecordPrescribingService.prescribeRecords (a batch, embedded PostgreSQL)', () => {
  let db: CountedDatabase;
  let service: RecordPrescribingService;
  let logged: Array<{ level: string; entry: unknown }>;

  const eventOf = (record: PatientRecordCreatedV1 = syntheticRecord()): RecordEvent => ({
    eventId: randomUUID(),
    record,
  });
  const withMedication = (medication: Partial<PatientRecordCreatedV1['medications'][number]>) => {
    const record = syntheticRecord();
    return syntheticRecord({ medications: [{ ...record.medications[0], ...medication }] });
  };
  const rowsOf = async (recordId: string) =>
    db.dataSource.query<Array<{ event_id: string; status: string; rejection_reason: string | null }>>(
      'SELECT event_id, status, rejection_reason FROM prescriptions WHERE record_id = $1 ORDER BY position',
      [recordId],
    );

  beforeAll(async () => {
    db = await startCountedDatabase(prescriptionDatabase);
    service = new RecordPrescribingService(db.dataSource, new PrescriptionRepository(db.dataSource));
  }, 120_000);
  afterAll(() => db?.stop());
  beforeEach(() => {
    logged = [];
    jest
      .spyOn(Logger.prototype, 'log')
      .mockImplementation((entry: unknown) => void logged.push({ level: 'log', entry }));
    jest
      .spyOn(Logger.prototype, 'warn')
      .mockImplementation((entry: unknown) => void logged.push({ level: 'warn', entry }));
    db.resetCount();
  });
  afterEach(() => jest.restoreAllMocks());

  it('prescribes a batch in one statement, with one log line of counts and event ids', async () => {
    const batch = Array.from({ length: BATCH }, () => eventOf());
    expect(await service.prescribeRecords(batch)).toEqual(new Map());
    expect(db.statements()).toBe(1); // the claims with the prescriptions (was 4: START TRANSACTION, claims, prescriptions, COMMIT)
    for (const { eventId, record } of batch)
      expect(await rowsOf(record.recordId)).toEqual([
        { event_id: eventId, status: 'sent', rejection_reason: null },
      ]);
    const [prescription] = await new PrescriptionRepository(db.dataSource).byPatient(
      batch[0].record.patient.patientId,
    );
    const [medication] = batch[0].record.medications;
    expect(prescription).toMatchObject({
      position: 0,
      patientGivenName: 'Alex',
      patientFamilyName: 'Testpatient',
      patientDateOfBirth: '1980-01-01',
      prescriberId: 'phy-001',
      rxnorm: medication.rxnorm,
      medicationName: medication.name,
      quantity: medication.quantity,
      refills: medication.refills,
      pharmacyId: medication.pharmacyId,
      enteredBy: batch[0].record.enteredBy,
    });
    expect(prescription.transmittedAt).toBeInstanceOf(Date);
    expect(logged).toEqual([
      {
        level: 'log',
        entry: {
          msg: 'prescription transmitted',
          sent: BATCH,
          rejected: 0,
          eventIds: batch.map((e) => e.eventId),
        },
      },
    ]);
    expect(JSON.stringify(logged)).not.toMatch(/Testpatient|Amoxicillin|1980/);
  });

  it('records refusals with their reasons, and warns once with the counts by reason', async () => {
    const unknownMedication = eventOf(withMedication({ rxnorm: '99999999' }));
    const unknownPharmacy = eventOf(withMedication({ pharmacyId: 'pharm-unknown' }));
    const sent = eventOf();
    expect(await service.prescribeRecords([unknownMedication, sent, unknownPharmacy])).toEqual(new Map());
    expect(await rowsOf(unknownMedication.record.recordId)).toMatchObject([
      { status: 'rejected', rejection_reason: 'UNKNOWN_MEDICATION' },
    ]);
    expect(await rowsOf(unknownPharmacy.record.recordId)).toMatchObject([
      { status: 'rejected', rejection_reason: 'UNKNOWN_PHARMACY' },
    ]);
    expect(logged).toEqual([
      {
        level: 'warn',
        entry: {
          msg: 'prescription transmitted',
          sent: 1,
          rejected: 2,
          reasons: { UNKNOWN_MEDICATION: 1, UNKNOWN_PHARMACY: 1 },
          eventIds: [unknownMedication, sent, unknownPharmacy].map((e) => e.eventId),
        },
      },
    ]);
  });

  it('never prescribes a record twice: not for a copy, nor for the record re-published under another event id', async () => {
    const first = eventOf();
    await service.prescribeRecords([first]);
    const republished = eventOf(first.record);
    const inOneBatch = [eventOf(), eventOf()];
    inOneBatch[1] = { eventId: inOneBatch[1].eventId, record: inOneBatch[0].record };
    logged = [];
    const failures = await service.prescribeRecords([first, republished, ...inOneBatch]);
    expect(failures).toEqual(new Map());
    expect(await rowsOf(first.record.recordId)).toMatchObject([{ event_id: first.eventId }]);
    expect(await rowsOf(inOneBatch[0].record.recordId)).toMatchObject([{ event_id: inOneBatch[0].eventId }]);
    expect(logged).toContainEqual({
      level: 'warn',
      entry: expect.objectContaining({
        eventIds: [inOneBatch[0].eventId],
        alreadyPrescribed: [republished.eventId, inOneBatch[1].eventId],
      }) as unknown,
    });

    const again = eventOf(first.record);
    logged = [];
    expect(await service.prescribeRecords([again])).toEqual(new Map());
    expect(logged).toEqual([
      {
        level: 'warn',
        entry: {
          msg: 'record already prescribed; nothing to do',
          sent: 0,
          rejected: 0,
          eventIds: [],
          alreadyPrescribed: [again.eventId],
        },
      },
    ]);
  });

  it('skips a record without medications: no prescription, no claim, no failure, no log line', async () => {
    const none = eventOf(syntheticRecord({ medications: [] }));
    expect(await service.prescribeRecords([none])).toEqual(new Map());
    expect(db.statements()).toBe(0);
    expect(await rowsOf(none.record.recordId)).toEqual([]);
    expect(logged).toEqual([]);
  });

  it('fails alone an event whose insert fails; the others commit', async () => {
    const broken = eventOf(withMedication({ quantity: 0 })); // the table's CHECK (quantity > 0) refuses it
    const good = [eventOf(), eventOf()];
    const failures = await service.prescribeRecords([good[0], broken, good[1]]);
    expect([...failures.keys()]).toEqual([broken.eventId]);
    expect(await rowsOf(broken.record.recordId)).toEqual([]);
    for (const { record } of good) expect(await rowsOf(record.recordId)).toHaveLength(1);
  });
});
