/**
 * How RecordsService groups records entered at the same time (ADR 0024), against repositories
 * that record what they were asked: which records each statement carried, which failures are
 * retried record by record and which are not. The same paths run against PostgreSQL in
 * record-queries.e2e-spec.ts.
 */
import { randomUUID } from 'node:crypto';
import { SYNTHETIC_PATIENT_REQUEST, syntheticRecordRequest } from '@app/contracts';
import type { SealedEvent } from '@app/crypto-messaging';
import type { OutboxWriter } from '../outbox/outbox.writer';
import { Patient } from '../patients/patient.entity';
import type { PatientRepository } from '../patients/patient.repository';
import { MedicalRecord } from './medical-record.entity';
import type { RecordRepository } from './record.repository';
import { RecordsService } from './records.service';

/** An error as pg reports one PostgreSQL sent. */
const serverError = (code: string) =>
  Object.assign(new Error(`server error ${code}`), { code, severity: 'ERROR' });

/**
 * A read takes 1 ms and a save 10 ms: records that came after the first have their patient
 * while its save is under way, and so wait for it (well within the records' 20 ms patience).
 */
const STATEMENT_MS = 10;

function harness(fail: (records: readonly MedicalRecord[]) => Error | undefined = () => undefined) {
  const patientId: string = randomUUID();
  const patient = Object.assign(new Patient(), {
    id: patientId,
    mrn: 'MRN-0000001',
    givenName: SYNTHETIC_PATIENT_REQUEST.givenName,
    familyName: SYNTHETIC_PATIENT_REQUEST.familyName,
    dateOfBirth: SYNTHETIC_PATIENT_REQUEST.dateOfBirth,
    phone: null,
    createdAt: new Date(),
  });
  const reads: string[][] = [];
  const statements: string[][] = [];
  const saved: string[] = [];
  /** The most saving statements under way at once. */
  const inFlight = { now: 0, most: 0 };
  const patients = {
    byIds: async (ids: readonly string[]) => {
      reads.push([...ids]);
      await new Promise((resolve) => setTimeout(resolve, 1));
      return new Map(ids.filter((id) => id === patientId).map((id) => [id, patient]));
    },
  } as unknown as PatientRepository;
  const records = {
    draft: (fields: object) => Object.assign(new MedicalRecord(), fields),
    insertAll: async (group: readonly MedicalRecord[]) => {
      statements.push(group.map((record) => record.note));
      inFlight.most = Math.max(inFlight.most, ++inFlight.now);
      try {
        await new Promise((resolve) => setTimeout(resolve, STATEMENT_MS));
        const error = fail(group);
        if (error) throw error;
        for (const record of group) record.createdAt = new Date();
        saved.push(...group.map((record) => record.note));
      } finally {
        inFlight.now--;
      }
    },
  } as unknown as RecordRepository;
  const outbox = {
    seal: (request: { id: string }) =>
      Promise.resolve({ eventId: request.id, eventType: 't', schemaVersion: 1 } as unknown as SealedEvent),
    insertion: () => ({ sql: '', params: [] }),
  } as unknown as OutboxWriter;
  const service = new RecordsService(records, patients, outbox);
  const create = (note: string, target = patientId) =>
    service.create(target, syntheticRecordRequest({ note }), 'subject-1');
  return { service, create, patientId, reads, statements, saved, inFlight };
}

const notes = (count: number) => Array.from({ length: count }, (_, i) => `record ${i}`);

describe('RecordsService: records entered at the same time', () => {
  it('reads their patients and saves them in groups: the first alone, the ones that came meanwhile together', async () => {
    const { create, patientId, reads, statements, saved } = harness();
    const created = await Promise.all(notes(10).map((note) => create(note)));
    expect(created.map((record) => record.note)).toEqual(notes(10));
    expect(reads).toEqual([[patientId], [patientId]]); // the nine later ones: one id, read once
    expect(statements).toEqual([['record 0'], notes(10).slice(1)]);
    expect(saved.sort()).toEqual(notes(10).sort());
  });

  it('answers each record for its own patient: 404 for an unknown one, either case of a known one', async () => {
    const { create, patientId } = harness();
    const answers = await Promise.allSettled([
      create('a'),
      create('b', randomUUID()),
      create('c', patientId.toUpperCase()),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((answers[1] as PromiseRejectedResult).reason).toMatchObject({ status: 404 });
  });

  it.each(['23514', '23505', '23503', '22001', '22P02'])(
    'saves the group again record by record, all at once, when one record fails it (SQLSTATE %s)',
    async (code) => {
      const { create, statements, saved } = harness((group) =>
        group.some((record) => record.note === 'record 4') ? serverError(code) : undefined,
      );
      const answers = await Promise.allSettled(notes(8).map((note) => create(note)));
      expect(answers.map((answer) => answer.status)).toEqual(
        notes(8).map((note) => (note === 'record 4' ? 'rejected' : 'fulfilled')),
      );
      expect((answers[4] as PromiseRejectedResult).reason).toMatchObject({ code });
      expect(saved.sort()).toEqual(
        notes(8)
          .filter((note) => note !== 'record 4')
          .sort(),
      );
      // The group of seven, then each of its records alone.
      expect(statements).toEqual([
        ['record 0'],
        notes(8).slice(1),
        ...notes(8)
          .slice(1)
          .map((note) => [note]),
      ]);
    },
  );

  it.each([
    ['a connection failure (08006)', serverError('08006')],
    ['a statement cancelled by its time-out (57014)', serverError('57014')],
    ['a serialization failure (40001)', serverError('40001')],
    ["the client's read time-out (no SQLSTATE)", new Error('Query read timeout')],
  ])('fails the whole group, untried again, on %s: not a fault of one record', async (_, error) => {
    const { create, statements } = harness((group) => (group.length > 1 ? error : undefined));
    const answers = await Promise.allSettled(notes(6).map((note) => create(note)));
    expect(answers.map((answer) => answer.status)).toEqual([
      'fulfilled',
      ...Array<string>(5).fill('rejected'),
    ]);
    for (const answer of answers.slice(1)) expect((answer as PromiseRejectedResult).reason).toBe(error);
    expect(statements).toEqual([['record 0'], notes(6).slice(1)]);
  });

  it('retries the records of a group side by side, not one after another', async () => {
    const { create, inFlight, saved } = harness((group) =>
      group.some((record) => record.note === 'record 1') ? serverError('23514') : undefined,
    );
    await Promise.allSettled(notes(30).map((note) => create(note)));
    expect(inFlight.most).toBe(29); // the group of 29, each alone, all at once
    expect(saved).toHaveLength(29);
  });
});
