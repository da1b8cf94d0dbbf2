/**
 * The PHI scan of the apps' logs: the four apps run as real processes (as `npm start` runs them),
 * every line they print is kept, and canary patients go through good input, bad input and
 * failure paths (failed statements, a paused database, an unschedulable record). Then all of
 * their output and every file of the state folder (the broker's store, keys; not the
 * databases) is searched for the canaries' values: there must be none.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { recordCreated, syntheticRecord } from '@app/contracts';
import type { ClinicApp } from '@app/platform';
import { freePort } from '@app/crypto-messaging/testing';
import { startClinicTestEnv, type ClinicTestEnv } from '@app/platform/testing';
import { startAppProcess, type AppProcess } from '../tools/clinic/app-processes';
import { APPS } from '../tools/clinic/app-registry';
import { api, eventually, sampleRecord } from './clinic-harness';
import { pausePostgres } from './support/pause-postgres';
import {
  canaryPatient,
  describeHits,
  readTree,
  scanForPhi,
  type PhiCanary,
  type ScannedText,
} from './support/phi-scan';

type Listed = Array<Record<string, unknown>>;
const APP_NAMES: ClinicApp[] = ['emr', 'billing', 'scheduling', 'prescription'];

describe('PHI scan of the apps as processes (embedded)', () => {
  let env: ClinicTestEnv;
  const apps = {} as Record<ClinicApp, AppProcess>;
  const output: Record<string, string[]> = {};
  const canaries: PhiCanary[] = [];

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    for (const app of APP_NAMES) {
      const registered = APPS.find((a) => a.app === app)!;
      const databaseUrl = await env.migrate(app, registered.database);
      output[app] = [];
      apps[app] = await startAppProcess(
        registered,
        { line: (text) => output[app].push(text) },
        {
          ...process.env,
          ...env.env,
          DATABASE_URL: databaseUrl,
          [`CLINIC_${app.toUpperCase()}_PORT`]: String(await freePort()),
          LOG_FORMAT: 'json',
        },
      );
    }
  }, 180_000);
  afterAll(async () => {
    for (const app of APP_NAMES) await apps[app]?.stop();
    await env?.stop();
  });

  const url = (app: ClinicApp) => apps[app].url;
  const sql = async (database: string, query: string) => {
    const client = new Client({ connectionString: env.postgres.url(database) });
    await client.connect();
    try {
      await client.query(query);
    } finally {
      await client.end();
    }
  };
  const newCanary = () => {
    const canary: PhiCanary = canaryPatient();
    canaries.push(canary);
    return canary;
  };
  const raw = (method: string, path: string, body: string) =>
    fetch(`${url('emr')}${path}`, { method, headers: { 'content-type': 'application/json' }, body });

  it('leaves no canary value in any app output or state file, on good, bad and failing paths', async () => {
    // Good input: a canary patient and a record (note and dose hold canary text) reach all three systems.
    const canary = newCanary();
    const patient = await api<{ id: string; mrn: string }>('POST', `${url('emr')}/patients`, canary);
    expect(patient.status).toBe(201);
    canary.mrn = patient.body.mrn;
    const dose = `9${randomBytes(5).toString('hex')} mg`;
    canaries.push({ givenName: dose, familyName: `Note ${canary.familyName}`, dateOfBirth: '', phone: '' });
    const record = sampleRecord({
      note: `Note ${canary.familyName}, call ${canary.phone}`,
      medications: [{ ...sampleRecord().medications[0], dose }],
    });
    const created = await api<{ id: string }>(
      'POST',
      `${url('emr')}/patients/${patient.body.id}/records`,
      record,
    );
    expect(created.status).toBe(201);
    await eventually(
      'an invoice',
      async () => (await api<Listed>('GET', `${url('billing')}/patients/${patient.body.id}/invoices`)).body,
      (l) => l.length > 0,
    );
    await eventually(
      'a prescription',
      async () =>
        (await api<Listed>('GET', `${url('prescription')}/patients/${patient.body.id}/prescriptions`)).body,
      (l) => l.length > 0,
    );
    await eventually(
      'reminders',
      async () =>
        (await api<Listed>('GET', `${url('scheduling')}/patients/${patient.body.id}/reminders`)).body,
      (l) => l.length > 0,
    );

    // Bad input carrying canary values: each a 4xx.
    const bad = newCanary();
    const refusals = [
      await raw('POST', '/patients', JSON.stringify({ ...bad, givenName: `${bad.givenName}\u0000` })),
      await raw('POST', '/patients', JSON.stringify({ ...bad, dateOfBirth: '2026-W48-5' })),
      await raw(
        'POST',
        '/patients',
        `{"givenName":"${bad.givenName}","x":${'['.repeat(5_000)}${']'.repeat(5_000)}}`,
      ),
      await raw('POST', '/patients', `{"givenName":"${bad.givenName}",`),
      await raw('POST', '/patients', JSON.stringify({ ...bad, ssn: bad.phone })),
      await raw(
        'POST',
        `/patients/${patient.body.id}/records`,
        JSON.stringify({ ...record, note: `${bad.familyName}\u0000` }),
      ),
      await raw('POST', `/patients/${bad.familyName}/records`, JSON.stringify(record)),
      await fetch(`${url('emr')}/patients?name=${bad.givenName}&dob=${bad.dateOfBirth}&phone=${bad.phone}`),
      await fetch(`${url('emr')}/${bad.familyName}`),
    ];
    for (const r of refusals) expect(r.status).toBeGreaterThanOrEqual(400);
    for (const r of refusals) expect(r.status).toBeLessThan(500);

    // Failing statements: a constraint only a canary violates, in the EMR and in Scheduling.
    const failing = newCanary();
    await sql(
      'emr',
      `ALTER TABLE patients ADD CONSTRAINT canary_guard CHECK (given_name <> '${failing.givenName}')`,
    );
    try {
      expect((await api('POST', `${url('emr')}/patients`, failing)).status).toBe(500);
    } finally {
      await sql('emr', 'ALTER TABLE patients DROP CONSTRAINT canary_guard');
    }
    const scheduled = syntheticRecord({
      patient: { ...syntheticRecord().patient, ...failing, mrn: 'SYN-990001' },
      medications: [{ ...syntheticRecord().medications[0], dose: `8${randomBytes(5).toString('hex')} mg` }],
    });
    canaries.push({ givenName: scheduled.medications[0].dose, familyName: '', dateOfBirth: '', phone: '' });
    await sql(
      'scheduling',
      `ALTER TABLE medication_reminders ADD CONSTRAINT canary_guard CHECK (dose <> '${scheduled.medications[0].dose}')`,
    );
    const id = randomUUID();
    try {
      await (await env.publisher()).publish(recordCreated(scheduled, { id }));
      await eventually(
        'Scheduling to fail the statement',
        () => output.scheduling.some((line) => line.includes(id) && line.includes('retrying later')),
        undefined,
        30_000,
      );
    } finally {
      await sql('scheduling', 'ALTER TABLE medication_reminders DROP CONSTRAINT canary_guard');
    }
    // An unschedulable record (visit in 9999): dead-lettered by Scheduling, with its values in the DLQ (encrypted).
    const farOff = syntheticRecord({
      patient: { ...syntheticRecord().patient, ...failing, mrn: 'SYN-990002' },
      visit: { type: 'office-visit-established', cptCode: '99213', date: '9999-12-31T00:00:00Z' },
    });
    const farId = randomUUID();
    await (await env.publisher()).publish(recordCreated(farOff, { id: farId }));
    await eventually(
      'Scheduling to dead-letter the far-off visit',
      () =>
        output.scheduling.some((line) => line.includes(farId) && line.includes('VISIT_DATE_OUT_OF_RANGE')),
      undefined,
      30_000,
    );

    // A paused database: the EMR answers 503 to a canary patient.
    const paused = newCanary();
    const resume = pausePostgres(env.postgres.port);
    try {
      expect((await api('POST', `${url('emr')}/patients`, paused)).status).toBe(503);
    } finally {
      resume();
    }
    await eventually(
      'the EMR to save again',
      async () => (await api('POST', `${url('emr')}/patients`, { ...paused, givenName: 'Again' })).status,
      (status) => status === 201,
      20_000,
    );

    // Stop the apps so that everything they would print is printed, then scan.
    for (const app of APP_NAMES) await apps[app].stop();
    const texts: ScannedText[] = [
      ...APP_NAMES.map((app) => ({ source: `${app} output`, text: output[app].join('\n') })),
      ...readTree(env.env.CLINIC_STATE_DIR),
    ];
    const scanned = texts.reduce((n, t) => n + t.text.length, 0);
    const appOutput = APP_NAMES.reduce((n, app) => n + output[app].join('\n').length, 0);
    // The scan read something: every app logged, and the broker's store holds the messages.
    expect(appOutput).toBeGreaterThan(10_000);
    expect(scanned).toBeGreaterThan(appOutput + 100_000);
    for (const app of APP_NAMES) expect(output[app].length).toBeGreaterThan(10);
    process.stderr.write(
      `PHI scan: ${texts.length} texts, ${scanned} characters (${appOutput} of app output)\n`,
    );
    expect(describeHits(scanForPhi(texts, canaries))).toBe('');
  }, 180_000);
});
