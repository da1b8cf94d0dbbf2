/**
 * Inputs that once answered 500 (a NUL byte PostgreSQL refuses, JSON nested 5,000 deep, ISO
 * week and ordinal dates `Date` cannot read, impossible dates), and dates far outside any visit:
 * each is a 400 naming the field. And a failed query with a canary patient's values leaves no
 * value in the logs, only ids and codes. Every request comes from the signed-in physician, so
 * what answers is the validation, never the access guard.
 */
import { syntheticRecordRequest } from '@app/contracts';
import { startClinicTestEnv, type ClinicTestEnv } from '@app/platform/testing';
import { canaryPatient, describeHits, scanForPhi, type PhiCanary } from '../../../test/support/phi-scan';
import { LogCapture, startLoggedApp } from '../../../test/support/log-capture';
import { emrDatabase } from './database/emr.database';
import { emrBlueprint } from './emr.blueprint';

type Answer = {
  status: number;
  body: { message?: string | string[]; id?: string; requestId?: string; mrn?: string };
};

const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const record = syntheticRecordRequest();
const patient = { givenName: 'Alex', familyName: 'Testpatient', dateOfBirth: '1980-01-01' };

describe('EMR bad input (embedded)', () => {
  let env: ClinicTestEnv;
  let emr: Awaited<ReturnType<typeof startLoggedApp>>;
  const logs = new LogCapture();

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    logs.start();
    emr = await startLoggedApp(env, emrBlueprint, emrDatabase);
  });
  afterAll(async () => {
    await emr?.stop();
    logs.stop();
    await env?.stop();
  });

  /** A request as the signed-in physician (a real access token), who may make every one of them. */
  const send = async (method: string, path: string, body?: string): Promise<Answer> => {
    const response = await fetch(`${emr.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await env.token('physician')}`,
      },
      body,
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  };
  const messages = (answer: Answer) => ([] as string[]).concat(answer.body.message ?? []).join(' | ');
  let patientId: string;
  const recordsPath = async () => {
    patientId ??= (await send('POST', '/patients', JSON.stringify(patient))).body.id!;
    return `/patients/${patientId}/records`;
  };

  it.each<[string, string, string]>([
    [
      'a NUL byte in givenName',
      JSON.stringify({ ...patient, givenName: 'A\u0000' }),
      'givenName must not contain control characters',
    ],
    [
      'a NUL byte in familyName',
      JSON.stringify({ ...patient, familyName: 'B\u0000x' }),
      'familyName must not contain control characters',
    ],
    [
      'a lone surrogate in givenName',
      JSON.stringify({ ...patient, givenName: 'A\ud800' }),
      'givenName must not contain control characters or invalid Unicode',
    ],
    [
      'JSON nested 5,000 deep',
      `{"givenName":${deep(5_000)}}`,
      'body must not nest objects or arrays more than 16 levels deep',
    ],
    [
      'an ISO week date of birth',
      JSON.stringify({ ...patient, dateOfBirth: '2026-W48-5' }),
      'dateOfBirth must be a calendar date such as 1980-01-01',
    ],
    [
      'an ordinal date of birth',
      JSON.stringify({ ...patient, dateOfBirth: '2026-331' }),
      'dateOfBirth must be a calendar date such as 1980-01-01',
    ],
    [
      'a birth date before 1900',
      JSON.stringify({ ...patient, dateOfBirth: '1850-06-01' }),
      'dateOfBirth must be between 1900-01-01 and today',
    ],
    [
      'a birth date in the future',
      JSON.stringify({ ...patient, dateOfBirth: '2999-01-01' }),
      'dateOfBirth must be between 1900-01-01 and today',
    ],
    ['an array for a body', JSON.stringify([patient]), 'body must be a JSON object'],
    ['malformed JSON', '{"givenName": "Alex",', 'body must be valid JSON'],
    ['a bare string for a body', JSON.stringify('Alex'), 'body must be valid JSON'],
  ])('POST /patients with %s: 400 naming it', async (_, body, expected) => {
    const answer = await send('POST', '/patients', body);
    expect({ status: answer.status, message: messages(answer) }).toEqual({
      status: 400,
      message: expect.stringContaining(expected) as string,
    });
  });

  it('POST /patients with a 300 KB body: 413 naming the body', async () => {
    const answer = await send(
      'POST',
      '/patients',
      JSON.stringify({ ...patient, givenName: 'x'.repeat(300_000) }),
    );
    expect(answer.status).toBe(413);
    expect(messages(answer)).toContain('body must be at most 256 KB');
  });

  it.each<[string, Record<string, unknown> | string, string]>([
    [
      'an ISO week visit date',
      { visit: { ...record.visit, date: '2026-W48-5' } },
      'visit.date must be an ISO-8601 calendar date-time such as 2026-11-28T09:30:00Z',
    ],
    [
      'an ordinal visit date',
      { visit: { ...record.visit, date: '2026-331' } },
      'visit.date must be an ISO-8601 calendar date-time',
    ],
    [
      'a visit on 31 February',
      { visit: { ...record.visit, date: '2026-02-31T09:00:00Z' } },
      'visit.date must be an ISO-8601 calendar date-time',
    ],
    [
      'a visit dated 9999-12-31',
      { visit: { ...record.visit, date: '9999-12-31T00:00:00Z' } },
      'visit.date must be between 1900-01-01 and 366 days from today',
    ],
    [
      'a visit before 1900',
      { visit: { ...record.visit, date: '1899-12-31T00:00:00Z' } },
      'visit.date must be between 1900-01-01',
    ],
    [
      'an immunisation dated 2026-13-45',
      { immunizations: [{ cvx: '140', date: '2026-13-45' }] },
      'immunizations.0.date must be a calendar date such as 2026-11-28',
    ],
    [
      'an immunisation dated 9999-12-31',
      { immunizations: [{ cvx: '140', date: '9999-12-31' }] },
      'immunizations.0.date must be between 1900-01-01 and today',
    ],
    ['a NUL byte in the note', { note: 'fine\u0000' }, 'note must not contain control characters'],
    [
      'a NUL byte in a dose',
      { medications: [{ ...record.medications[0], dose: '5\u0000 mg' }] },
      'medications.0.dose must not contain control characters',
    ],
    [
      'a NUL byte in a lab value',
      { labResults: [{ loinc: '2345-7', value: '9\u00008', unit: 'mg/dL' }] },
      'labResults.0.value must not contain control characters',
    ],
    [
      'a NUL byte in the physician',
      { physicianId: 'phy-001\u0000' },
      'physicianId must not contain control characters',
    ],
    ['no visit (found by the fuzz)', { visit: undefined }, 'visit must be an object'],
    [
      'a list inside a list (found by the fuzz)',
      { diagnoses: [[{ icd10: 'J06.9' }]] },
      'each value in diagnoses must be an object',
    ],
    [
      'JSON nested 5,000 deep',
      `{"note":${deep(5_000)}}`,
      'body must not nest objects or arrays more than 16 levels deep',
    ],
  ])('POST /patients/:id/records with %s: 400 naming it', async (_, change, expected) => {
    const body = typeof change === 'string' ? change : JSON.stringify({ ...record, ...change });
    const answer = await send('POST', await recordsPath(), body);
    expect({ status: answer.status, message: messages(answer) }).toEqual({
      status: 400,
      message: expect.stringContaining(expected) as string,
    });
  });

  it('keeps line breaks in a note, and a visit within the year ahead', async () => {
    const inSixMonths = new Date(Date.now() + 180 * 86_400_000).toISOString();
    const answer = await send(
      'POST',
      await recordsPath(),
      JSON.stringify({
        ...record,
        note: 'line one\nline two\ttabbed',
        visit: { ...record.visit, date: inSixMonths },
      }),
    );
    expect(answer.status).toBe(201);
  });

  it('logs a failed query with a canary patient as codes only, and answers 500 with a request id', async () => {
    const canary: PhiCanary = canaryPatient();
    const note = `Canary note ${canary.familyName} ${canary.phone}`;
    // A constraint only this canary violates: PostgreSQL reports the failing row (every value)
    // in the error's detail, and TypeORM's error carries the statement's parameters.
    const sql = (q: string) => fetchSql(env, q);
    await sql(`ALTER TABLE patients ADD CONSTRAINT canary_guard CHECK (given_name <> '${canary.givenName}')`);
    await sql(
      `ALTER TABLE medical_records ADD CONSTRAINT canary_note_guard CHECK (note NOT LIKE 'Canary note %')`,
    );
    const before = logs.text.length;
    try {
      const refused = await send('POST', '/patients', JSON.stringify(canary));
      expect(refused.status).toBe(500);
      expect(refused.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
      const saved = await send('POST', '/patients', JSON.stringify({ ...canary, givenName: 'Other' }));
      expect(saved.status).toBe(201);
      canary.mrn = saved.body.mrn;
      const noted = await send(
        'POST',
        `/patients/${saved.body.id}/records`,
        JSON.stringify({ ...record, note }),
      );
      expect(noted.status).toBe(500);
    } finally {
      await sql('ALTER TABLE patients DROP CONSTRAINT canary_guard');
      await sql('ALTER TABLE medical_records DROP CONSTRAINT canary_note_guard');
    }
    const written = logs.text.slice(before);
    const failures = logs.entries().filter((e) => JSON.stringify(e).includes('request failed'));
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(written).toContain('"constraint":"canary_guard"');
    expect(written).toContain('"code":"23514"');
    const hits = scanForPhi([{ source: 'EMR log', text: written }], [canary, { ...canary, givenName: note }]);
    expect(describeHits(hits)).toBe('');
    expect(written).not.toContain('Canary note');
  });

  it('logs refused requests at warn with the route template, never the URL or body', async () => {
    const before = logs.text.length;
    const canary = canaryPatient();
    await send('POST', '/patients', JSON.stringify({ ...canary, dateOfBirth: '2026-W48-5' }));
    await send('GET', `/patients/not-a-uuid?name=${canary.familyName}`);
    await send('GET', `/nowhere?phone=${canary.phone}&name=${canary.givenName}`);
    const written = logs.text.slice(before);
    expect(written).toContain('"route":"/patients"');
    expect(written).toContain('"route":"/patients/:id"');
    expect(describeHits(scanForPhi([{ source: 'EMR log', text: written }], [canary]))).toBe('');
  });
});

/** Runs one SQL statement on the EMR's database as the test (not through the app). */
async function fetchSql(env: ClinicTestEnv, query: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: env.postgres.url('emr') });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}
