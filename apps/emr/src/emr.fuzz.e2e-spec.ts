/**
 * Property: whatever a client sends the EMR (random JSON, strings with control characters and
 * broken Unicode, dates of every shape, huge numbers, wrong types, garbage paths and queries),
 * it never answers 5xx, and every 400 names the field at fault. Against the real app and
 * database, in-process; runs and time are bounded. Every request comes from the signed-in
 * physician (a real access token), so the input reaches validation: a 401, 403 or 429 fails.
 */
import fc from 'fast-check';
import { syntheticRecordRequest } from '@app/contracts';
import { startClinicTestEnv, type AppUnderTest, type ClinicTestEnv } from '@app/platform/testing';
import { FUZZ_LIMITS, hostileString, mutated, namesAField } from '../../../test/support/fuzz';
import { emrDatabase } from './database/emr.database';
import { emrBlueprint } from './emr.blueprint';

const PATIENT_FIELDS = ['givenName', 'familyName', 'dateOfBirth', 'phone'];
const RECORD_FIELDS = [
  'physicianId',
  'visit',
  'procedures',
  'diagnoses',
  'medications',
  'immunizations',
  'labOrders',
  'labResults',
  'followUpDays',
  'note',
  'billable',
];
const RECORD_PATHS = [
  ...RECORD_FIELDS,
  'visit.type',
  'visit.date',
  'procedures.0',
  'procedures.0.cptCode',
  'diagnoses.0',
  'diagnoses.0.icd10',
  'medications.0',
  'medications.0.rxnorm',
  'medications.0.dose',
  'medications.0.frequency',
  'medications.0.quantity',
  'medications.0.refills',
  'medications.0.pharmacyId',
  'immunizations.0',
  'immunizations.0.cvx',
  'immunizations.0.date',
  'labOrders.0.loinc',
  'labResults.0',
  'labResults.0.loinc',
  'labResults.0.value',
  'labResults.0.unit',
  'labResults.0.flag',
];
const validPatient = () => ({
  givenName: 'Alex',
  familyName: 'Testpatient',
  dateOfBirth: '1980-01-01',
  phone: '555-0100',
});
const validRecord = () =>
  syntheticRecordRequest({
    procedures: [{ cptCode: '36415' }],
    immunizations: [{ cvx: '140', date: '2026-11-20' }],
    labResults: [{ loinc: '2345-7', value: '98', unit: 'mg/dL', flag: 'N' }],
    billable: true,
  });

interface Answer {
  status: number;
  message: unknown;
}

describe('EMR under random input (embedded)', () => {
  let env: ClinicTestEnv;
  let emr: AppUnderTest;
  let patientId: string;

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    emr = await env.startApp(emrBlueprint, emrDatabase, {
      // About 750 writes and 200 reads by one person in under a minute: the fuzz is not a person
      // (the per-person limits are tested in the platform's access suite).
      CLINIC_RATE_LIMIT_WRITES: '100000',
      CLINIC_RATE_LIMIT_READS: '100000',
    });
    patientId = (
      (await (await send('POST', '/patients', JSON.stringify(validPatient()))).json()) as { id: string }
    ).id;
  });
  afterAll(() => env?.stop());

  async function send(method: string, path: string, body?: string, contentType = 'application/json') {
    return fetch(`${emr.url}${path}`, {
      method,
      headers: { 'content-type': contentType, authorization: `Bearer ${await env.token('physician')}` },
      body,
    });
  }
  async function answer(response: Response): Promise<Answer> {
    const text = await response.text();
    let message: unknown;
    try {
      message = (JSON.parse(text) as { message?: unknown }).message;
    } catch {
      message = text;
    }
    return { status: response.status, message };
  }
  /**
   * Never a 5xx; never a refusal of the signed-in physician (401, 403, 429: the input must reach
   * the app); a 400 (or 413/415) names a field, or for a 415 at the edge the content-type header
   * (only for a type that is not plain JSON).
   */
  function expectClientAnswer(
    a: Answer,
    fields: readonly string[],
    sent: unknown,
    contentType?: string,
  ): void {
    const what = () => `${JSON.stringify(a.message).slice(0, 300)} for ${JSON.stringify(sent).slice(0, 500)}`;
    if (a.status >= 500) throw new Error(`a ${a.status}: ${what()}`);
    if ([401, 403, 429].includes(a.status))
      throw new Error(`the physician refused with ${a.status}: ${what()}`);
    if (a.status === 415 && contentType !== undefined && contentType !== 'application/json') {
      const refusedType =
        JSON.stringify(a.message) === JSON.stringify(['content-type must be application/json']);
      if (refusedType || namesAField(a.message, fields)) return;
    }
    if ((a.status === 400 || a.status === 413 || a.status === 415) && !namesAField(a.message, fields)) {
      throw new Error(`a ${a.status} that names no field: ${what()}`);
    }
  }

  it('POST /patients: never 5xx, every 400 names a field', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(mutated(validPatient, PATIENT_FIELDS), async (body) => {
        const a = await answer(await send('POST', '/patients', JSON.stringify(body)));
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        expectClientAnswer(a, PATIENT_FIELDS, body);
      }),
      { numRuns: 250, ...FUZZ_LIMITS },
    );
    expect(statuses.get(400)).toBeGreaterThan(50);
  }, 30_000);

  it('POST /patients/:id/records: never 5xx, every 400 names a field', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(mutated(validRecord, RECORD_PATHS), async (body) => {
        const a = await answer(await send('POST', `/patients/${patientId}/records`, JSON.stringify(body)));
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        expectClientAnswer(a, RECORD_FIELDS, body);
      }),
      { numRuns: 300, ...FUZZ_LIMITS },
    );
    expect(statuses.get(400)).toBeGreaterThan(50);
  }, 30_000);

  it('any JSON value or text as a body, under any content type: never 5xx, 4xx names a field', async () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
      fc.integer({ min: 1, max: 40 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/vnd.api+json',
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, fc.boolean(), async (text, type, records) => {
        const path = records ? `/patients/${patientId}/records` : '/patients';
        const a = await answer(await send('POST', path, text, type));
        expectClientAnswer(a, records ? RECORD_FIELDS : PATIENT_FIELDS, [text, type], type);
      }),
      { numRuns: 200, ...FUZZ_LIMITS },
    );
  }, 30_000);

  it('garbage path and query parameters: never 5xx, a 400 names the parameter', async () => {
    const segment = fc.oneof(
      hostileString.map((s) => {
        try {
          return encodeURIComponent(s);
        } catch {
          return '%ZZ'; // a lone surrogate cannot be encoded: send malformed escapes instead
        }
      }),
      fc.constantFrom('%', '%E0%A4%A', '%00', '..', '%2e%2e', fc.sample(fc.uuid(), 1)[0]),
    );
    const query = fc.array(fc.tuple(hostileString, hostileString), { maxLength: 4 }).map((pairs) =>
      pairs
        .map(([k, v]) => {
          try {
            return `${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
          } catch {
            return '%ZZ=%';
          }
        })
        .join('&'),
    );
    const route = fc.constantFrom('/patients/{}', '/patients/{}/records', '/records/{}');
    await fc.assert(
      fc.asyncProperty(route, segment, query, async (template, id, q) => {
        const a = await answer(await send('GET', `${template.replace('{}', id)}?${q}`));
        expectClientAnswer(a, ['id', 'path'], [template, id, q]);
      }),
      { numRuns: 200, ...FUZZ_LIMITS },
    );
  }, 30_000);
});
