/**
 * The EMR's HTTP edge and its outbox, on a private clinic environment. A consumer transport on
 * the Scheduling queue (which takes every record) observes delivery. The EMR reaches the broker
 * through a proxy the test can cut. Staff call it with real access tokens from the environment's
 * private identity provider (the physician unless a test says otherwise).
 */
import {
  PatientRecordCreatedV1Event,
  SYNTHETIC_PATIENT_REQUEST,
  syntheticRecordRequest,
  type PatientRecordCreatedV1,
} from '@app/contracts';
import { staffFor, type Role } from '@app/identity';
import type { EncryptedSqsServer } from '@app/crypto-messaging';
import { eventually, HandlerSpy } from '@app/crypto-messaging/testing';
import { startClinicTestEnv, TcpProxy, type AppUnderTest, type ClinicTestEnv } from '@app/platform/testing';
import { emrDatabase } from './database/emr.database';
import { emrBlueprint } from './emr.blueprint';

const patient = SYNTHETIC_PATIENT_REQUEST;
const record = syntheticRecordRequest({ note: 'synthetic note' });

describe('EMR (embedded)', () => {
  let env: ClinicTestEnv;
  let proxy: TcpProxy;
  let emr: AppUnderTest;
  let consumer: EncryptedSqsServer;
  let delivered: HandlerSpy;
  /** The events the stand-in consumer decrypted, by record id. */
  const events = new Map<string, PatientRecordCreatedV1>();

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    proxy = await new TcpProxy({ host: '127.0.0.1', port: Number(env.env.CLINIC_BROKER_PORT) }).open();
    emr = await env.startApp(emrBlueprint, emrDatabase, {
      CLINIC_BROKER_PORT: String(proxy.port),
      // One physician enters every record of the suite within a minute or so: more than the
      // default 60 writes per person (the limit itself is tested in the platform's access suite).
      CLINIC_RATE_LIMIT_WRITES: '1000',
    });
    consumer = await env.messaging
      .runtime('scheduling')
      .consumerServer('scheduling', [PatientRecordCreatedV1Event], {
        waitTimeS: 1,
      });
    consumer.addHandler(
      PatientRecordCreatedV1Event.pattern,
      (event: PatientRecordCreatedV1) => {
        events.set(event.recordId, event);
        return Promise.resolve();
      },
      true,
    );
    delivered = HandlerSpy.attach(consumer);
    consumer.listen(() => undefined);
  });
  afterAll(async () => {
    await consumer?.close();
    await proxy?.cut();
    await env?.stop();
  });

  /** A request as the signed-in holder of `as` (a real access token), or anonymous with `null`. */
  const call = async (method: string, path: string, body?: unknown, as: Role | null = 'physician') => {
    const response = await fetch(`${emr.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(as ? { authorization: `Bearer ${await env.token(as)}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as {
        message?: string | string[];
        id?: string;
        eventId?: string;
        enteredBy?: string | null;
      },
    };
  };
  const newPatient = async () => (await call('POST', '/patients', patient)).body.id!;

  it.each([
    ['no body', {}, ['givenName', 'familyName', 'dateOfBirth']],
    ['an unknown field', { ...patient, ssn: '123-45-6789' }, ['property ssn should not exist']],
    [
      'a malformed birth date',
      { ...patient, dateOfBirth: '01/01/1980' },
      ['dateOfBirth must be a calendar date such as 1980-01-01'],
    ],
    [
      'an impossible birth date',
      { ...patient, dateOfBirth: '1980-02-31' },
      ['dateOfBirth must be a calendar date such as 1980-01-01'],
    ],
    [
      'a birth date in the future',
      { ...patient, dateOfBirth: '2999-01-01' },
      ['dateOfBirth must be between 1900-01-01 and today'],
    ],
    ['a bad phone', { ...patient, phone: 'call me' }, ['phone must be']],
    [
      'an over-long name',
      { ...patient, givenName: 'x'.repeat(101) },
      ['givenName must be shorter than or equal to 100'],
    ],
  ])('refuses a patient with %s (400, naming the field)', async (_, body, expected) => {
    const { status, body: response } = await call('POST', '/patients', body);
    expect(status).toBe(400);
    const messages = ([] as string[]).concat(response.message ?? []).join(' | ');
    for (const fragment of expected) expect(messages).toContain(fragment);
  });

  it.each([
    ['no diagnosis', { ...record, diagnoses: [] }, 'diagnoses: at least one diagnosis is required'],
    ['an unknown ICD-10 code', { ...record, diagnoses: [{ icd10: 'Q99.9' }] }, 'unknown ICD-10 code "Q99.9"'],
    [
      'a malformed ICD-10 code',
      { ...record, diagnoses: [{ icd10: 'sore throat' }] },
      'icd10 must be an ICD-10 code',
    ],
    ['an unknown physician', { ...record, physicianId: 'phy-999' }, 'unknown physician "phy-999"'],
    [
      'an unknown visit type',
      { ...record, visit: { ...record.visit, type: 'spa-day' } },
      'unknown visit type "spa-day"',
    ],
    [
      'a bad visit date',
      { ...record, visit: { ...record.visit, date: 'yesterday' } },
      'visit.date must be an ISO-8601 calendar date-time',
    ],
    [
      'an unknown pharmacy',
      { ...record, medications: [{ ...record.medications[0], pharmacyId: 'pharm-999' }] },
      'unknown pharmacy "pharm-999"',
    ],
    [
      'an unknown RxNorm code',
      { ...record, medications: [{ ...record.medications[0], rxnorm: '1' }] },
      'unknown RxNorm code "1"',
    ],
    [
      'a negative quantity',
      { ...record, medications: [{ ...record.medications[0], quantity: -3 }] },
      'quantity must not be less than 1',
    ],
    [
      'an unknown frequency',
      { ...record, medications: [{ ...record.medications[0], frequency: 'sometimes' }] },
      'unknown frequency "sometimes"',
    ],
    ['an unknown lab test', { ...record, labOrders: [{ loinc: '1234-5' }] }, 'unknown lab test "1234-5"'],
    ['a follow-up of zero days', { ...record, followUpDays: 0 }, 'followUpDays must not be less than 1'],
    ['a string for a list', { ...record, diagnoses: 'J06.9' }, 'diagnoses must be an array'],
  ])('refuses a record with %s (400, naming it)', async (_, body, expected) => {
    const { status, body: response } = await call('POST', `/patients/${await newPatient()}/records`, body);
    expect(status).toBe(400);
    expect(([] as string[]).concat(response.message ?? []).join(' | ')).toContain(expected);
  });

  it('answers 404 for unknown patients and records, 400 for malformed ids', async () => {
    const unknown = crypto.randomUUID();
    expect((await call('GET', `/patients/${unknown}`)).status).toBe(404);
    expect((await call('POST', `/patients/${unknown}/records`, record)).body.message).toBe(
      `Patient ${unknown} does not exist`,
    );
    expect((await call('GET', `/records/${unknown}`)).status).toBe(404);
    expect((await call('GET', '/records/42')).status).toBe(400);
    expect((await call('GET', `/patients/${unknown}/records`)).status).toBe(404);
  });

  it('saves a record and publishes it through the outbox to the encrypted topic', async () => {
    const patientId = await newPatient();
    const created = await call('POST', `/patients/${patientId}/records`, record);
    expect(created.status).toBe(201);
    await delivered.waitFor((o) => o.eventId === created.body.eventId && o.outcome === 'acked');
    const listed = await call('GET', `/patients/${patientId}/records`);
    expect(listed.body).toEqual([
      expect.objectContaining({ id: created.body.id, cptCode: '99213', note: 'synthetic note' }),
    ]);
  });

  it('records who entered a record: its subject id on the record, in its event, never a name', async () => {
    const physician = staffFor('physician');
    const patientId = await newPatient();
    const created = await call('POST', `/patients/${patientId}/records`, record, 'physician');
    expect(created.status).toBe(201);
    expect(created.body.enteredBy).toBe(physician.subject);
    await delivered.waitFor((o) => o.eventId === created.body.eventId && o.outcome === 'acked');
    const event = events.get(created.body.id!)!;
    expect(event.enteredBy).toBe(physician.subject);
    // The subject id, not the signed-in person's name (the treating physician's is in the event by design).
    expect(event.enteredBy).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call('GET', `/records/${created.body.id}`)).body.enteredBy).toBe(physician.subject);
  });

  it('lets a nurse read patients and records but not register or enter them (403), and nobody unsigned (401)', async () => {
    const patientId = await newPatient();
    const created = await call('POST', `/patients/${patientId}/records`, record);
    expect(created.status).toBe(201);

    expect((await call('GET', `/patients/${patientId}`, undefined, 'nurse')).status).toBe(200);
    const listed = await call('GET', `/patients/${patientId}/records`, undefined, 'nurse');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([expect.objectContaining({ id: created.body.id })]);
    const read = await call('GET', `/records/${created.body.id}`, undefined, 'nurse');
    expect(read).toMatchObject({ status: 200, body: { id: created.body.id } });

    const patients = await call('POST', '/patients', patient, 'nurse');
    expect(patients.status).toBe(403);
    expect(patients.body.message).toContain('physician');
    const entered = await call('POST', `/patients/${patientId}/records`, record, 'nurse');
    expect(entered.status).toBe(403);
    expect((await call('POST', `/patients/${patientId}/records`, record, null)).status).toBe(401);
    expect((await call('GET', `/records/${created.body.id}`, undefined, null)).status).toBe(401);
    // Refused writes stored nothing: still only the physician's record.
    expect((await call('GET', `/patients/${patientId}/records`)).body).toEqual([
      expect.objectContaining({ id: created.body.id }),
    ]);
  });

  describe('patient search (POST /patients/search)', () => {
    /** A family-name prefix no other test's patient has: Scheduling's patients all share one name. */
    const tag = `Srch${Array.from({ length: 8 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('')}`;
    type Found = Array<Record<string, unknown>>;
    const search = async (query: unknown, as: Role | null = 'physician') => {
      const answer = await call('POST', '/patients/search', { query }, as);
      return { status: answer.status, body: answer.body as unknown as Found & { message?: string[] } };
    };
    const register = async (givenName: string, familyName: string) => {
      const created = await call('POST', '/patients', { ...patient, givenName, familyName });
      expect(created.status).toBe(201);
      return created.body as unknown as { id: string; mrn: string };
    };

    it('finds patients by the start of a family name, given name or MRN, case-insensitive, by family name', async () => {
      const beta = await register('Bo', `${tag}beta`);
      const alpha = await register('Al', `${tag}Alpha`);
      const byGiven = await register(`${tag}given`, 'Zzotherfamily');

      const found = await search(`  ${tag.toUpperCase()}  `);
      expect(found.status).toBe(200);
      expect(found.body.map((p) => p.id)).toEqual([alpha.id, beta.id, byGiven.id]);
      // The summary only: no phone, no registration time.
      expect(found.body[0]).toEqual({
        id: alpha.id,
        mrn: alpha.mrn,
        givenName: 'Al',
        familyName: `${tag}Alpha`,
        dateOfBirth: patient.dateOfBirth,
      });

      const byMrn = await search(beta.mrn.toLowerCase(), 'nurse');
      expect(byMrn.status).toBe(200);
      expect(byMrn.body.map((p) => p.id)).toContain(beta.id);
      // A prefix, not a substring: the middle of a name finds nothing.
      expect((await search(tag.slice(2))).body.map((p) => p.id)).not.toContain(alpha.id);
      // LIKE wildcards are literals: '%' and '_' match themselves, not every patient.
      expect((await search(`%${tag.slice(1)}`)).body).toEqual([]);
      expect((await search(`_${tag.slice(1)}`)).body).toEqual([]);
    });

    it('returns at most 20 patients', async () => {
      const many = `${tag}many`;
      for (let i = 0; i < 21; i++) await register('Max', `${many}${String(i).padStart(2, '0')}`);
      const found = await search(many);
      expect(found.status).toBe(200);
      expect(found.body).toHaveLength(20);
      expect(found.body.map((p) => p.familyName)).toEqual(
        Array.from({ length: 20 }, (_, i) => `${many}${String(i).padStart(2, '0')}`),
      );
    });

    it.each([
      ['no query', undefined],
      ['one character', 'a'],
      ['one character once trimmed', '  a  '],
      ['65 characters', 'x'.repeat(65)],
      ['a number', 42],
      ['a control character', 'ab\u0000'],
    ])('refuses %s (400 naming query)', async (_, query) => {
      const answer = await search(query);
      expect(answer.status).toBe(400);
      expect(([] as string[]).concat(answer.body.message ?? []).join(' | ')).toMatch(/^query |\| query /);
    });

    it('refuses an unknown field (400 naming it), other roles (403) and nobody signed in (401)', async () => {
      const extra = await call('POST', '/patients/search', { query: tag, name: 'x' });
      expect(extra.status).toBe(400);
      expect(extra.body.message).toContain('property name should not exist');
      expect((await search(tag, 'billing-clerk')).status).toBe(403);
      expect((await search(tag, 'pharmacist')).status).toBe(403);
      expect((await search(tag, null)).status).toBe(401);
    });

    it('audits a search once per patient found (never the query), and once with no patient when none is', async () => {
      const audited = await register('Au', `${tag}Audited`);
      const since = new Date(Date.now() - 50).toISOString();
      expect((await search(`${tag}audited`, 'nurse')).body.map((p) => p.id)).toEqual([audited.id]);
      expect((await search(`${tag}nobody`, 'nurse')).body).toEqual([]);
      const nurse = staffFor('nurse').subject;
      const page = await fetch(
        `${emr.url}/audit?subject=${encodeURIComponent(nurse)}&from=${encodeURIComponent(since)}&limit=500`,
        { headers: { authorization: `Bearer ${await env.token('privacy-officer')}` } },
      );
      expect(page.status).toBe(200);
      const { entries } = (await page.json()) as { entries: Array<Record<string, unknown>> };
      const searches = entries.filter((e) => e.route === '/patients/search');
      const entry = { action: 'search', resourceType: 'patient', resourceId: null, outcome: 200 };
      expect(searches).toEqual([
        expect.objectContaining({ ...entry, patientId: audited.id }),
        expect.objectContaining({ ...entry, patientId: null }),
      ]);
      expect(JSON.stringify(entries)).not.toContain(tag);
    });
  });

  it('lists a history: each record with its date, visit type, diagnoses, medications and event id', async () => {
    const patientId = await newPatient();
    const created = await call('POST', `/patients/${patientId}/records`, record);
    expect(created.status).toBe(201);
    const listed = await call('GET', `/patients/${patientId}/records`, undefined, 'nurse');
    const [entry] = listed.body as unknown as Array<Record<string, unknown>>;
    expect(entry).toMatchObject({
      id: created.body.id,
      eventId: created.body.eventId,
      visitType: record.visit.type,
      visitDate: new Date(record.visit.date).toISOString(),
      diagnoses: [expect.objectContaining({ icd10: record.diagnoses[0].icd10 })],
    });
    expect(entry.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Array.isArray(entry.medications)).toBe(true);
  });

  it('bounds the lab orders of one record at 10 (400 naming labOrders), and accepts 10', async () => {
    const patientId = await newPatient();
    const orders = (n: number) => Array.from({ length: n }, () => ({ loinc: '6690-2' }));
    const eleven = await call('POST', `/patients/${patientId}/records`, { ...record, labOrders: orders(11) });
    expect(eleven.status).toBe(400);
    expect(eleven.body.message).toContain('labOrders must contain no more than 10 elements');
    expect((await call('GET', `/patients/${patientId}/records`)).body).toEqual([]);
    const ten = await call('POST', `/patients/${patientId}/records`, { ...record, labOrders: orders(10) });
    expect(ten.status).toBe(201);
  });

  it('accepts records while the broker is down, and delivers every one when it returns', async () => {
    await proxy.cut();
    const patientId = await newPatient();
    const created = await Promise.all(
      Array.from({ length: 5 }, () => call('POST', `/patients/${patientId}/records`, record)),
    );
    expect(created.map((c) => c.status)).toEqual([201, 201, 201, 201, 201]);
    const health = await fetch(`${emr.url}/health`);
    await eventually(
      'the EMR to report its messaging degraded',
      async () =>
        ((await (await fetch(`${emr.url}/health`)).json()) as { status: string }).status === 'degraded',
      undefined,
      20_000,
    );
    expect([200, 503]).toContain(health.status);
    await proxy.open();
    for (const { body } of created) {
      await delivered.waitFor((o) => o.eventId === body.eventId && o.outcome === 'acked', 30_000);
    }
    await eventually(
      'the EMR to be healthy again',
      async () => (await fetch(`${emr.url}/health`)).status === 200,
      undefined,
      20_000,
    );
  });
});
