/**
 * Scheduling's record batches against a real PostgreSQL (embedded), without a broker: what a
 * batch books, the per-patient bounds inside one batch, slots under concurrent batches and a
 * concurrent writer, and how many queries a batch costs.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { syntheticRecord, type PatientRecordCreatedV1 } from '@app/contracts';
import { freePort } from '@app/crypto-messaging/testing';
import { startPostgres, type EmbeddedPostgres } from '@app/local-stack';
import { runMigrations } from '@app/platform';
import { countingClient } from '@app/platform/testing';
import { OPENING_HOURS } from '@app/catalogue';
import { DeadLetterException } from '@app/crypto-messaging';
import { AppointmentRepository } from '../appointments/appointment.repository';
import { openSlots } from '../appointments/slots';
import { AppointmentsService } from '../appointments/appointments.service';
import { schedulingDatabase } from '../database/scheduling.database';
import { planReminders } from '../reminders/reminder-plan';
import { ReminderRepository } from '../reminders/reminder.repository';
import { RemindersService } from '../reminders/reminders.service';
import { SchedulingSkipRepository } from '../skips/scheduling-skip.repository';
import { RecordSchedulingService, SchedulingErrorCode } from './record-scheduling.service';

const visit = (date: string) => ({ type: 'office-visit-established', cptCode: '99213', date });
const lab = (loinc: string) => ({ loinc, name: 'Synthetic lab test' });

/** Counts the statements sent, transaction control included (at the connection: see countingClient). */
class QueryCounter {
  count = 0;
  readonly client = countingClient(() => void this.count++);
}

describe('RecordSchedulingService (batches, embedded PostgreSQL)', () => {
  let dir: string;
  let pg: EmbeddedPostgres;
  let dataSource: DataSource;
  let queries: QueryCounter;
  let service: RecordSchedulingService;

  const build = (ds: DataSource) => {
    const skips = new SchedulingSkipRepository(ds);
    return new RecordSchedulingService(
      ds,
      new AppointmentsService(new AppointmentRepository(ds)),
      new RemindersService(new ReminderRepository(ds), skips),
    );
  };
  const rows = async <T>(sql: string, params: unknown[] = []) => dataSource.query<T[]>(sql, params);
  const slotsOf = async (record: PatientRecordCreatedV1) =>
    (
      await rows<{ slot: Date; loinc: string | null }>(
        'SELECT slot_start AS slot, loinc FROM appointments WHERE record_id = $1 ORDER BY slot_start',
        [record.recordId],
      )
    ).map((r) => r.slot.toISOString());
  const item = (record: PatientRecordCreatedV1) => ({ eventId: randomUUID(), record });
  /** Polls a condition (10 s at most), then fails if it still does not hold. */
  const waitUntil = async (condition: () => Promise<boolean>) => {
    const deadline = Date.now() + 10_000;
    while (!(await condition()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(await condition()).toBe(true);
  };
  /**
   * Schedules a record while a writer that takes no lock holds an uncommitted follow-up at
   * `slotStart`: the batch, which chose that slot too, waits on the writer's row until it commits.
   */
  const scheduleAgainstWriter = async (record: PatientRecordCreatedV1, slotStart: string) => {
    const writer = new Client({ connectionString: pg.url('scheduling') });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(
        `INSERT INTO appointments (kind, resource, patient_id, record_id, event_id, slot_start, slot_end)
         VALUES ('follow-up', 'clinic', gen_random_uuid(), gen_random_uuid(), gen_random_uuid(),
                 $1, $1::timestamptz + interval '30 minutes')`,
        [slotStart],
      );
      const scheduled = service.scheduleRecords([item(record)]);
      await waitUntil(async () => (await waitingOnLocks()) === 1);
      await writer.query('COMMIT');
      return await scheduled;
    } finally {
      await writer.end();
    }
  };
  /** Statements of this database waiting for a lock held by another transaction. */
  const waitingOnLocks = async () =>
    (
      await rows<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      )
    )[0].n;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'scheduling-batch-'));
    chmodSync(dir, 0o711); // as root, PostgreSQL runs as the postgres user, which must enter it
    pg = await startPostgres({
      dataDir: path.join(dir, 'data'),
      port: await freePort(),
      databases: ['scheduling'],
    });
    await runMigrations(pg.url('scheduling'), schedulingDatabase);
    queries = new QueryCounter();
    dataSource = await new DataSource({
      type: 'postgres',
      url: pg.url('scheduling'),
      entities: schedulingDatabase.entities,
      extra: { Client: queries.client },
    }).initialize();
    service = build(dataSource);
  }, 120_000);
  afterAll(async () => {
    await dataSource?.destroy();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('costs few queries: a typical record alone, and ten in one batch', async () => {
    // A typical record: a follow-up, one lab order, one medication (three reminders).
    const one = syntheticRecord({ visit: visit('2027-09-01T09:30:00Z') });
    queries.count = 0;
    await service.scheduleRecords([item(one)]);
    const alone = queries.count;
    const ten = Array.from({ length: 10 }, () =>
      item(syntheticRecord({ visit: visit('2027-09-08T09:30:00Z') })),
    );
    queries.count = 0;
    await service.scheduleRecords(ten);
    const batched = queries.count / ten.length;
    process.stdout.write(`queries per record: alone ${alone}, in a batch of 10 ${batched}\n`);
    expect(alone).toBeLessThanOrEqual(8);
    expect(batched).toBeLessThanOrEqual(1);
  });
  it('books a batch as if its records came one by one, the per-patient bounds across records included', async () => {
    const patient = syntheticRecord().patient;
    const medication = syntheticRecord().medications[0]; // every 8 hours: 3 reminders
    // A Wednesday: the lab's next opening is Thursday 07:00.
    const record = (labs: number, medications: number) =>
      syntheticRecord({
        patient,
        visit: visit('2027-10-06T09:30:00Z'),
        followUpDays: undefined,
        labOrders: Array.from({ length: labs }, () => lab('6690-2')),
        medications: Array.from({ length: medications }, () => medication),
      });
    const first = record(2, 5);
    const second = record(2, 5);
    const other = syntheticRecord({
      visit: visit('2027-10-06T09:30:00Z'),
      followUpDays: undefined,
      medications: [],
    });
    const batch = [item(first), item(second), item(other)];
    const log = jest.spyOn(service['logger'], 'log');
    try {
      expect(await service.scheduleRecords(batch)).toEqual(new Map());
      // One line for the batch: event ids and counts, no time or medication.
      expect(log.mock.calls).toEqual([
        [
          {
            msg: 'record scheduled',
            records: 3,
            eventIds: batch.map((e) => e.eventId),
            appointments: 4,
            reminders: 24,
            skippedAppointments: 1,
            skippedReminders: 6,
          },
        ],
      ]);
    } finally {
      log.mockRestore();
    }
    expect(await slotsOf(first)).toEqual(['2027-10-07T07:00:00.000Z', '2027-10-07T07:15:00.000Z']);
    // The patient's third appointment of the day is booked, the fourth skipped; the other
    // patient takes the next slot, as if the records had come one by one.
    expect(await slotsOf(second)).toEqual(['2027-10-07T07:30:00.000Z']);
    expect(await slotsOf(other)).toEqual(['2027-10-07T07:45:00.000Z']);
    const skips = await rows<{ event_id: string; kind: string; reason: string; day: string }>(
      'SELECT event_id, kind, reason, day::text AS day FROM scheduling_skips WHERE patient_id = $1 ORDER BY kind',
      [patient.patientId],
    );
    // 30 reminders asked for, 24 kept: the second record's last two medications are skipped.
    expect(skips).toEqual([
      { event_id: batch[1].eventId, kind: 'lab', reason: 'DAILY_APPOINTMENT_LIMIT', day: '2027-10-07' },
      ...Array.from({ length: 6 }, () => ({
        event_id: batch[1].eventId,
        kind: 'reminder',
        reason: 'ACTIVE_REMINDER_LIMIT',
        day: '2027-10-07',
      })),
    ]);
    const [{ n }] = await rows<{ n: number }>(
      'SELECT count(*)::int AS n FROM medication_reminders WHERE patient_id = $1',
      [patient.patientId],
    );
    expect(n).toBe(24);
  });

  it('fails alone an event it can never schedule, with its code; the others of the batch commit', async () => {
    const good = syntheticRecord({ visit: visit('2027-10-13T09:30:00Z') });
    const bad = syntheticRecord({ labOrders: [lab('99999-9')] });
    const far = syntheticRecord({ visit: visit('9999-12-31T00:00:00Z') });
    const batch = [item(good), item(bad), item(far)];
    const failures = await service.scheduleRecords(batch);
    expect([...failures.keys()]).toEqual([batch[1].eventId, batch[2].eventId]);
    expect(failures.get(batch[1].eventId)).toBeInstanceOf(DeadLetterException);
    expect(failures.get(batch[1].eventId)).toMatchObject({
      error: { code: SchedulingErrorCode.UnknownLabTest },
    });
    expect(failures.get(batch[2].eventId)).toMatchObject({
      error: { code: SchedulingErrorCode.VisitOutOfRange },
    });
    expect(await slotsOf(good)).toHaveLength(2);
    // A copy of the batch changes nothing.
    expect(await service.scheduleRecords([batch[0]])).toEqual(new Map());
    expect(await slotsOf(good)).toHaveLength(2);
  });

  it('a statement failing for one event of a batch fails that event alone, to retry; the others commit', async () => {
    const medication = { ...syntheticRecord().medications[0], dose: `9${randomUUID().slice(0, 8)} mg` };
    await rows(
      `ALTER TABLE medication_reminders ADD CONSTRAINT batch_guard CHECK (dose <> '${medication.dose}')`,
    );
    const records = [0, 1, 2].map((i) =>
      syntheticRecord({
        visit: visit('2028-05-03T09:30:00Z'),
        medications: i === 1 ? [medication] : syntheticRecord().medications,
      }),
    );
    const batch = records.map(item);
    let failures: Map<string, unknown>;
    try {
      failures = await service.scheduleRecords(batch);
    } finally {
      await rows('ALTER TABLE medication_reminders DROP CONSTRAINT batch_guard');
    }
    expect([...failures.keys()]).toEqual([batch[1].eventId]);
    expect(failures.get(batch[1].eventId)).not.toBeInstanceOf(DeadLetterException);
    // The driver's own error (the booking statement is a prepared statement sent by the driver).
    expect(failures.get(batch[1].eventId)).toMatchObject({ constraint: 'batch_guard' });
    expect((await Promise.all(records.map(slotsOf))).map((slots) => slots.length)).toEqual([2, 0, 2]);
    // Its retry, once the statement passes, takes effect.
    expect(await service.scheduleRecords([batch[1]])).toEqual(new Map());
    expect(await slotsOf(records[1])).toHaveLength(2);
  });

  it('two consumers booking the same day at once: distinct slots, the first 20 of the day', async () => {
    const other = build(dataSource);
    const records = Array.from({ length: 20 }, () =>
      syntheticRecord({
        visit: visit('2027-11-03T10:00:00Z'),
        followUpDays: 7,
        labOrders: [],
        medications: [],
      }),
    );
    const [a, b] = await Promise.all([
      service.scheduleRecords(records.slice(0, 10).map(item)),
      other.scheduleRecords(records.slice(10).map(item)),
    ]);
    expect([a, b]).toEqual([new Map(), new Map()]);
    const booked = (await Promise.all(records.map(slotsOf))).flat().sort();
    const expected = [
      ...openSlots(new Date('2027-11-10T00:00:00Z'), OPENING_HOURS.clinic, new Date('2027-11-12')),
    ]
      .slice(0, 20)
      .map((d) => d.toISOString());
    expect(booked).toEqual(expected);
  });

  it('two batches sharing patients in opposite orders lock them in one order: both commit whole, no deadlock', async () => {
    const other = build(dataSource);
    const [first, middle, last] = [0, 1, 2]
      .map(() => syntheticRecord().patient)
      .sort((a, b) => a.patientId.localeCompare(b.patientId));
    const record = (patient: PatientRecordCreatedV1['patient']) =>
      item(syntheticRecord({ patient, visit: visit('2028-04-05T09:30:00Z') }));
    // A batch that fails (a deadlock) is run again event by event: more runs of the effect.
    const runs = [jest.spyOn(service['appointments'], 'book'), jest.spyOn(other['appointments'], 'book')];
    const holder = new Client({ connectionString: pg.url('scheduling') });
    await holder.connect();
    try {
      // The middle patient is held elsewhere, so both batches are mid-way through their locks at once.
      await holder.query('BEGIN');
      await holder.query("SELECT pg_advisory_xact_lock(hashtextextended('scheduling:' || $1, 0))", [
        middle.patientId,
      ]);
      const a = service.scheduleRecords([first, middle, last].map(record));
      await waitUntil(async () => (await waitingOnLocks()) === 1);
      const b = other.scheduleRecords([last, middle, first].map(record));
      await waitUntil(async () => (await waitingOnLocks()) === 2);
      await holder.query('COMMIT');
      expect(await Promise.all([a, b])).toEqual([new Map(), new Map()]);
      expect(runs.map((run) => run.mock.calls.length)).toEqual([1, 1]);
    } finally {
      runs.forEach((run) => run.mockRestore());
      await holder.end();
    }
  });

  it('a slot taken meanwhile by a writer that takes no lock: that one wins, the batch books the next free one', async () => {
    const record = syntheticRecord({
      visit: visit('2027-12-01T10:00:00Z'),
      followUpDays: 7,
      labOrders: [],
      medications: [],
    });
    expect(await scheduleAgainstWriter(record, '2027-12-08T08:00:00Z')).toEqual(new Map());
    expect(await slotsOf(record)).toEqual(['2027-12-08T08:30:00.000Z']);
  });

  it('writes the reminders with the appointments, in one statement: once, after a booking attempt undone', async () => {
    const record = syntheticRecord({ visit: visit('2027-12-15T10:00:00Z'), followUpDays: 7, labOrders: [] });
    const planned = planReminders(record).length;
    expect(planned).toBeGreaterThan(0);
    // The first attempt chose 08:00 too and waits on the writer's row; it is undone, the second books 08:30.
    expect(await scheduleAgainstWriter(record, '2027-12-22T08:00:00Z')).toEqual(new Map());
    expect(await slotsOf(record)).toEqual(['2027-12-22T08:30:00.000Z']);
    const [{ n }] = await rows<{ n: number }>(
      'SELECT count(*)::int AS n FROM medication_reminders WHERE record_id = $1',
      [record.recordId],
    );
    // Written by the second attempt's insert only: the first one's wrote nothing along.
    expect(n).toBe(planned);
  });

  it('searches a calendar full for weeks in a few growing windows, and books its first free slot', async () => {
    const record = syntheticRecord({
      visit: visit('2028-02-28T10:00:00Z'), // a Monday: the follow-up is due Monday 2028-03-06
      followUpDays: 7,
      labOrders: [],
      medications: [],
    });
    const full = [
      ...openSlots(new Date('2028-03-06T00:00:00Z'), OPENING_HOURS.clinic, new Date('2028-03-25')),
    ];
    await rows(
      `INSERT INTO appointments (kind, resource, patient_id, record_id, event_id, slot_start, slot_end)
       SELECT 'follow-up', 'clinic', gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), s, s + interval '30 minutes'
         FROM unnest($1::timestamptz[]) AS s`,
      [full.map((d) => d.toISOString())],
    );
    queries.count = 0;
    expect(await service.scheduleRecords([item(record)])).toEqual(new Map());
    // Windows of 4, 8 and 16 days: two searches more than a free calendar costs.
    // BEGIN, claims with the locks, 3 searches, insert, COMMIT (no reminders: no insert).
    expect(queries.count).toBe(7);
    const [first] = openSlots(new Date('2028-03-25T00:00:00Z'), OPENING_HOURS.clinic, new Date('2028-04-01'));
    expect(await slotsOf(record)).toEqual([first.toISOString()]);
  });

  it('generates the same slots in the database as the slot arithmetic does', async () => {
    const repository = new AppointmentRepository(dataSource);
    const from = new Date('2028-02-03T07:20:00Z'); // a Thursday, after the lab opened
    const until = new Date('2028-02-21T09:00:00Z');
    const searches = (['clinic', 'lab'] as const).map((resource) => ({
      resource,
      schedule: OPENING_HOURS[resource],
      from,
      until,
      wanted: 1_000,
    }));
    const { free } = await dataSource.transaction((manager) => repository.search(manager, searches));
    for (const [i, search] of searches.entries()) {
      const expected = [...openSlots(from, search.schedule, until)].map((d) => d.toISOString());
      expect(expected.length).toBeGreaterThan(100);
      expect(free[i].map((d) => d.toISOString())).toEqual(expected);
    }
  });
});
