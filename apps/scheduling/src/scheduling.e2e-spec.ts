/**
 * Scheduling against a private clinic environment (embedded broker + embedded PostgreSQL):
 * a record becomes a follow-up, lab appointments and medication reminders, once per event,
 * and handlers booking at the same moment never share a slot.
 */
import { OPENING_HOURS } from '@app/catalogue';
import { syntheticRecord, type PatientRecordCreatedV1, recordCreated } from '@app/contracts';
import { startClinicTestEnv, type AppUnderTest, type ClinicTestEnv } from '@app/platform/testing';
import { AppointmentsService } from './appointments/appointments.service';
import { openSlots } from './appointments/slots';
import { schedulingDatabase } from './database/scheduling.database';
import { RecordSchedulingService } from './records/record-scheduling.service';
import { schedulingBlueprint } from './scheduling.blueprint';

interface AppointmentBody {
  enteredBy: string | null;
  kind: string;
  resource: string;
  loinc: string | null;
  slotStart: string;
  slotEnd: string;
  eventId: string;
}
interface ReminderBody {
  enteredBy: string | null;
  medicationName: string;
  timeOfDay: string;
  startDate: string;
  endDate: string;
  doses: number;
}

const visit = (date: string) => ({ type: 'office-visit-established', cptCode: '99213', date });

describe('Scheduling (embedded)', () => {
  let env: ClinicTestEnv;
  let scheduling: AppUnderTest;

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    scheduling = await env.startApp(schedulingBlueprint, schedulingDatabase);
  });
  afterAll(() => env?.stop());

  /** Reads as the scheduler (the role these routes admit) unless another token, or none, is given. */
  const get = async <T = Record<string, unknown>>(path: string, token?: string | null) => {
    const bearer = token === undefined ? await env.token('scheduler') : token;
    const response = await fetch(`${scheduling.url}${path}`, {
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const appointmentsOf = async (record: PatientRecordCreatedV1) =>
    (await get<AppointmentBody[]>(`/patients/${record.patient.patientId}/appointments`)).body;
  const remindersOf = async (record: PatientRecordCreatedV1) =>
    (await get<ReminderBody[]>(`/patients/${record.patient.patientId}/reminders`)).body;
  const publish = async (record: PatientRecordCreatedV1, id?: string) =>
    (await env.publisher()).publish(recordCreated(record, { id }));

  // Each test books on its own dates, so that none depends on what another booked.
  it('books the follow-up and the labs, and plans the reminders, from a record', async () => {
    const record = syntheticRecord({
      visit: visit('2026-11-25T09:30:00Z'), // a Wednesday
      followUpDays: 3, // a Saturday: the clinic is closed until Monday
      labOrders: [
        { loinc: '6690-2', name: 'WBC' },
        { loinc: '4548-4', name: 'HbA1c' },
      ],
      medications: [
        {
          rxnorm: '308182',
          name: 'Amoxicillin 500 MG Oral Capsule',
          dose: '500 mg',
          frequency: 'every 8 hours',
          quantity: 21,
          refills: 0,
          pharmacyId: 'pharm-001',
        },
        {
          rxnorm: '245314',
          name: 'Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler',
          dose: '2 puffs',
          frequency: 'as needed',
          quantity: 200,
          refills: 1,
          pharmacyId: 'pharm-001',
        },
      ],
    });
    const { eventId } = await publish(record);
    await scheduling.spy!.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');

    const appointments = await appointmentsOf(record);
    expect(appointments.map((a) => [a.kind, a.loinc, a.slotStart, a.slotEnd])).toEqual([
      ['lab', '6690-2', '2026-11-26T07:00:00.000Z', '2026-11-26T07:15:00.000Z'],
      ['lab', '4548-4', '2026-11-26T07:15:00.000Z', '2026-11-26T07:30:00.000Z'],
      ['follow-up', null, '2026-11-30T08:00:00.000Z', '2026-11-30T08:30:00.000Z'],
    ]);
    expect(appointments.every((a) => a.eventId === eventId)).toBe(true);

    const reminders = await remindersOf(record);
    expect(reminders.map((r) => [r.medicationName, r.timeOfDay, r.startDate, r.endDate, r.doses])).toEqual([
      ['Amoxicillin 500 MG Oral Capsule', '06:00', '2026-11-26', '2026-12-02', 7],
      ['Amoxicillin 500 MG Oral Capsule', '14:00', '2026-11-26', '2026-12-02', 7],
      ['Amoxicillin 500 MG Oral Capsule', '22:00', '2026-11-26', '2026-12-02', 7],
    ]);
  });

  const skipsOf = async (record: PatientRecordCreatedV1) =>
    (
      await get<
        Array<{ kind: string; code: string | null; day: string; reason: string; enteredBy: string | null }>
      >(`/patients/${record.patient.patientId}/scheduling-skips`)
    ).body;
  const lab = (loinc: string) => ({ loinc, name: loinc });

  it('keeps who entered the record (subject id) on its appointments and reminders', async () => {
    const record = syntheticRecord({ visit: visit('2027-05-05T09:30:00Z') });
    const { eventId } = await publish(record);
    await scheduling.spy!.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');
    expect(record.enteredBy).toMatch(/^[0-9a-f-]{36}$/);
    expect((await appointmentsOf(record)).map((a) => a.enteredBy)).toEqual([
      record.enteredBy,
      record.enteredBy,
    ]);
    expect(new Set((await remindersOf(record)).map((r) => r.enteredBy))).toEqual(new Set([record.enteredBy]));
  });

  it('books at most 3 appointments a patient a day: skips the 4th, records why, and acks', async () => {
    const record = syntheticRecord({
      visit: visit('2027-06-09T09:30:00Z'), // a Wednesday: the lab's next opening is Thursday 07:00
      followUpDays: undefined,
      medications: [],
      labOrders: [lab('6690-2'), lab('4548-4'), lab('2345-7'), lab('2093-3')],
    });
    const { eventId } = await publish(record);
    await scheduling.spy!.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');
    expect((await appointmentsOf(record)).map((a) => [a.loinc, a.slotStart])).toEqual([
      ['6690-2', '2027-06-10T07:00:00.000Z'],
      ['4548-4', '2027-06-10T07:15:00.000Z'],
      ['2345-7', '2027-06-10T07:30:00.000Z'],
    ]);
    expect(await skipsOf(record)).toEqual([
      {
        kind: 'lab',
        code: '2093-3',
        day: '2027-06-10',
        reason: 'DAILY_APPOINTMENT_LIMIT',
        enteredBy: record.enteredBy,
        id: expect.any(String) as unknown,
        patientId: record.patient.patientId,
        recordId: record.recordId,
        eventId,
        createdAt: expect.any(String) as unknown,
      },
    ]);
  });

  it("the attack: 6 records of 10 lab orders for one patient hold 3 lab slots, and move no one else's draw", async () => {
    const target = syntheticRecord().patient;
    const flood = Array.from({ length: 6 }, () =>
      syntheticRecord({
        patient: target,
        visit: visit('2027-06-16T09:30:00Z'),
        followUpDays: undefined,
        medications: [],
        labOrders: Array.from({ length: 10 }, () => lab('6690-2')),
      }),
    );
    // All at once: the per-patient lock must hold the bound under concurrency too.
    const published = await Promise.all(flood.map((record) => publish(record)));
    for (const { eventId } of published) {
      await scheduling.spy!.waitFor((o) => o.eventId === eventId && o.outcome === 'acked', 30_000);
    }
    const held = await appointmentsOf(flood[0]);
    expect(held.map((a) => a.slotStart)).toEqual([
      '2027-06-17T07:00:00.000Z',
      '2027-06-17T07:15:00.000Z',
      '2027-06-17T07:30:00.000Z',
    ]);
    expect(await skipsOf(flood[0])).toHaveLength(57);
    const other = syntheticRecord({
      visit: visit('2027-06-16T11:00:00Z'),
      followUpDays: undefined,
      medications: [],
      labOrders: [lab('4548-4')],
    });
    const { eventId } = await publish(other);
    await scheduling.spy!.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');
    expect((await appointmentsOf(other)).map((a) => a.slotStart)).toEqual(['2027-06-17T07:45:00.000Z']);
  });

  it('keeps at most 24 medication reminders running for a patient, recording the rest as skipped', async () => {
    const medication = syntheticRecord().medications[0]; // every 8 hours: 3 reminders
    const record = syntheticRecord({
      visit: visit('2027-07-07T09:30:00Z'),
      followUpDays: undefined,
      labOrders: [],
      medications: Array.from({ length: 9 }, () => medication),
    });
    const { eventId } = await publish(record);
    await scheduling.spy!.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');
    expect(await remindersOf(record)).toHaveLength(24);
    const skips = await skipsOf(record);
    expect(skips.map((s) => [s.kind, s.code, s.reason])).toEqual(
      Array.from({ length: 3 }, () => ['reminder', medication.rxnorm, 'ACTIVE_REMINDER_LIMIT']),
    );
  });

  it('takes effect once for a re-sent copy of the same event (same event id, new SQS message)', async () => {
    const record = syntheticRecord({ visit: visit('2026-12-09T10:00:00Z') });
    const first = await publish(record);
    const copy = await publish(record, first.eventId);
    expect(copy.messageId).not.toBe(first.messageId);
    await scheduling.spy!.waitForCount((o) => o.eventId === first.eventId && o.outcome === 'acked', 2);
    expect((await appointmentsOf(record)).map((a) => a.kind)).toEqual(['lab', 'follow-up']);
    expect(await remindersOf(record)).toHaveLength(3);
  });

  it('books 30 follow-ups due the same day into 30 distinct slots, with handlers running at once', async () => {
    const records = Array.from({ length: 30 }, () =>
      syntheticRecord({ visit: visit('2027-03-03T10:00:00Z'), followUpDays: 7 }),
    );
    // Measures how many handlers ran at once: without overlap this test would prove nothing.
    const service = scheduling.http.get(RecordSchedulingService);
    const original = service.scheduleRecords.bind(service);
    let running = 0;
    let mostAtOnce = 0;
    const tracked = jest.spyOn(service, 'scheduleRecords').mockImplementation(async (...args) => {
      mostAtOnce = Math.max(mostAtOnce, ++running);
      try {
        return await original(...args);
      } finally {
        running--;
      }
    });
    // Each booking holds its transaction and locks 200 ms, longer than the consumer's batching
    // window (60 ms): the next batch is received and claims while this one still books, however
    // the thirty arrived, so it waits on the same resource's lock and must see these slots taken.
    const appointments = scheduling.http.get(AppointmentsService);
    const book = appointments.book.bind(appointments);
    const slowed = jest.spyOn(appointments, 'book').mockImplementation(async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return book(...args);
    });
    const published = await Promise.all(records.map((record) => publish(record)));
    const ids = new Set(published.map((p) => p.eventId));
    const mine = () => scheduling.spy!.outcomes.filter((o) => ids.has(o.eventId!));
    const ackedEvents = () => new Set(mine().flatMap((o) => (o.outcome === 'acked' ? [o.eventId] : []))).size;
    try {
      // Stops at the first failure too, so that a regression fails fast and says why.
      await scheduling.spy!.waitUntil(
        () => mine().some((o) => o.outcome !== 'acked') || ackedEvents() >= 30,
        45_000,
      );
    } finally {
      tracked.mockRestore();
      slowed.mockRestore();
    }
    // None failed on the way: no retry, no dead-letter, for any of them.
    expect(mine().filter((o) => o.outcome !== 'acked')).toEqual([]);
    expect(mostAtOnce).toBeGreaterThan(1);

    const booked = await Promise.all(records.map(appointmentsOf));
    expect(booked.map((a) => a.length)).toEqual(records.map(() => 2));
    const followUps = booked.flat().filter((a) => a.kind === 'follow-up');
    const labs = booked.flat().filter((a) => a.kind === 'lab');
    // The first 30 clinic slots from Wednesday 2027-03-10: all 18 of that day, 12 of Thursday.
    const expected = [
      ...openSlots(new Date('2027-03-10T00:00:00Z'), OPENING_HOURS.clinic, new Date('2027-03-12')),
    ]
      .slice(0, 30)
      .map((d) => d.toISOString());
    expect(followUps.map((a) => a.slotStart).sort()).toEqual(expected);
    expect(new Set(labs.map((a) => a.slotStart)).size).toBe(30);
  });

  it('dead-letters a record it can never schedule, without a trace', async () => {
    const unknownLab = syntheticRecord({ labOrders: [{ loinc: '99999-9', name: 'Unknown' }] });
    const unknownFrequency = syntheticRecord({
      medications: [{ ...syntheticRecord().medications[0], frequency: 'every full moon' }],
    });
    const [lab, frequency] = await Promise.all([publish(unknownLab), publish(unknownFrequency)]);
    expect(await scheduling.spy!.waitFor((o) => o.eventId === lab.eventId)).toMatchObject({
      outcome: 'dead-lettered',
      code: 'UNKNOWN_LAB_TEST',
    });
    expect(await scheduling.spy!.waitFor((o) => o.eventId === frequency.eventId)).toMatchObject({
      outcome: 'dead-lettered',
      code: 'UNKNOWN_FREQUENCY',
    });
    expect(await appointmentsOf(unknownLab)).toEqual([]);
    expect(await appointmentsOf(unknownFrequency)).toEqual([]);
    expect(await remindersOf(unknownFrequency)).toEqual([]);
  });

  describe('the calendar: GET /appointments and GET /reminders by day range', () => {
    // Dates no other test books on: Wednesday 2028-09-06, the lab on Thursday, the follow-up a week on.
    const record = syntheticRecord({
      visit: visit('2028-09-06T09:30:00Z'),
      followUpDays: 7,
      labOrders: [{ loinc: '6690-2', name: 'WBC' }],
      medications: [
        {
          rxnorm: '308182',
          name: 'Amoxicillin 500 MG Oral Capsule',
          dose: '500 mg',
          frequency: 'every 8 hours',
          quantity: 21,
          refills: 0,
          pharmacyId: 'pharm-001',
        },
      ],
    });
    type Listed = Array<{ patientId: string; slotStart: string; kind: string }>;
    type Reminded = Array<
      ReminderBody & { patientId: string; timeZone: string; firstAt: string; lastAt: string }
    >;
    const ours = <T extends { patientId: string }>(list: T[]) =>
      list.filter((x) => x.patientId === record.patient.patientId);

    beforeAll(async () => {
      const { eventId } = await publish(record);
      await scheduling.spy!.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');
    });

    it('lists the appointments whose slot starts within the days, both ends included, earliest first', async () => {
      const lab = await get<Listed>('/appointments?from=2028-09-07&to=2028-09-07');
      expect(lab.status).toBe(200);
      expect(ours(lab.body).map((a) => [a.kind, a.slotStart])).toEqual([['lab', '2028-09-07T07:00:00.000Z']]);
      expect(lab.body.every((a) => a.slotStart.startsWith('2028-09-07T'))).toBe(true);

      const week = await get<Listed>('/appointments?from=2028-09-07&to=2028-09-13');
      expect(ours(week.body).map((a) => [a.kind, a.slotStart])).toEqual([
        ['lab', '2028-09-07T07:00:00.000Z'],
        ['follow-up', '2028-09-13T08:00:00.000Z'],
      ]);
      const starts = week.body.map((a) => a.slotStart);
      expect(starts).toEqual([...starts].sort());
      expect(ours((await get<Listed>('/appointments?from=2028-09-14&to=2028-09-20')).body)).toEqual([]);
    });

    it('lists the reminders running on any day of the range, each time with its zone', async () => {
      const lastDay = await get<Reminded>('/reminders?from=2028-09-13&to=2028-09-13');
      expect(lastDay.status).toBe(200);
      const reminders = ours(lastDay.body);
      expect(reminders.map((r) => [r.timeOfDay, r.startDate, r.endDate])).toEqual([
        ['06:00', '2028-09-07', '2028-09-13'],
        ['14:00', '2028-09-07', '2028-09-13'],
        ['22:00', '2028-09-07', '2028-09-13'],
      ]);
      expect(reminders[0]).toMatchObject({
        timeZone: 'UTC',
        firstAt: '2028-09-07T06:00:00.000Z',
        lastAt: '2028-09-13T06:00:00.000Z',
      });
      expect(ours((await get<Reminded>('/reminders?from=2028-09-14&to=2028-10-01')).body)).toEqual([]);
      expect(ours((await get<Reminded>('/reminders?from=2028-08-01&to=2028-09-07')).body)).toHaveLength(3);
    });

    it('accepts 62 days (July and August), and refuses 63 (400 naming to)', async () => {
      for (const path of ['/appointments', '/reminders']) {
        expect((await get(`${path}?from=2028-07-01&to=2028-08-31`)).status).toBe(200);
        const over = await get<{ message: string[] }>(`${path}?from=2028-07-01&to=2028-09-01`);
        expect(over.status).toBe(400);
        expect(over.body.message).toEqual(['to must be at most 61 days after from (62 days in all)']);
      }
    });

    it.each([
      ['no from', 'to=2028-09-07', 'from must be a calendar date such as 2026-11-30'],
      ['no to', 'from=2028-09-07', 'to must be a calendar date such as 2026-11-30'],
      [
        'an impossible day',
        'from=2028-02-30&to=2028-03-01',
        'from must be a calendar date such as 2026-11-30',
      ],
      [
        'a date-time',
        'from=2028-09-07T00:00:00Z&to=2028-09-08',
        'from must be a calendar date such as 2026-11-30',
      ],
      ['to before from', 'from=2028-09-07&to=2028-09-06', 'to must be on or after from'],
      [
        'an unknown parameter',
        'from=2028-09-07&to=2028-09-07&patient=x',
        'property patient should not exist',
      ],
    ])('refuses %s (400 naming the field)', async (_, query, message) => {
      for (const path of ['/appointments', '/reminders']) {
        const answer = await get<{ message: string[] }>(`${path}?${query}`);
        expect(answer.status).toBe(400);
        expect(answer.body.message).toEqual([message]);
      }
    });

    it('answers a scheduler only: 403 to a physician or billing clerk, 401 without a token', async () => {
      for (const path of ['/appointments', '/reminders']) {
        const url = `${path}?from=2028-09-07&to=2028-09-07`;
        expect((await get(url, await env.token('physician'))).status).toBe(403);
        expect((await get(url, await env.token('billing-clerk'))).status).toBe(403);
        expect((await get(url, null)).status).toBe(401);
      }
    });
  });

  it('answers a scheduler only: 401 without a token, 403 to other roles', async () => {
    const record = syntheticRecord({ visit: visit('2027-08-04T09:30:00Z') });
    const { eventId } = await publish(record);
    await scheduling.spy!.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');
    for (const route of ['appointments', 'reminders', 'scheduling-skips']) {
      const path = `/patients/${record.patient.patientId}/${route}`;
      expect((await get(path, null)).status).toBe(401);
      for (const role of ['physician', 'nurse', 'billing-clerk', 'pharmacist', 'privacy-officer'] as const) {
        expect({ route, role, status: (await get(path, await env.token(role))).status }).toEqual({
          route,
          role,
          status: 403,
        });
      }
      expect((await get(path)).status).toBe(200);
    }
    expect((await appointmentsOf(record)).length).toBeGreaterThan(0);
  });

  it('answers 400 for a malformed patient id', async () => {
    expect((await get('/patients/not-a-uuid/appointments')).status).toBe(400);
    expect((await get('/patients/not-a-uuid/reminders')).status).toBe(400);
    expect(await get(`/patients/${crypto.randomUUID()}/appointments`)).toEqual({ status: 200, body: [] });
  });

  it('reports database and queue reachability on /health', async () => {
    expect(await get('/health')).toEqual({
      status: 200,
      body: {
        status: 'ok',
        database: { status: 'up' },
        messaging: { status: 'up', detail: 'clinic-scheduling' },
      },
    });
  });
});
