/**
 * The PHI scan of the apps' logs: the four apps run as real processes (as `npm start` runs them),
 * every line they print is kept, and canary patients go through good input, bad input and
 * failure paths (failed statements, a paused database, an unschedulable record), as signed-in
 * staff and as callers who are refused (no token, the wrong role). Then all of their output,
 * the identity provider's output, every file of the state folders (the broker's store, keys;
 * not the databases) and every row of every app's audit trail are searched for the canaries'
 * values: there must be none.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { recordCreated, syntheticRecord } from '@app/contracts';
import {
  loadIdentityConfig,
  readStaffPasswords,
  staffFor,
  type IdentityConfig,
  type Role,
} from '@app/identity';
import { signIn, SignInErrorCode, type StaffSession } from '@app/identity/client';
import { startIdentityProvider, type IdentityProvider } from '@app/local-stack';
import type { ClinicApp } from '@app/platform';
import { freePort } from '@app/crypto-messaging/testing';
import { freezePostgres } from '@app/local-stack/testing';
import { startClinicTestEnv, type ClinicTestEnv } from '@app/platform/testing';
import { startAppProcess, type AppProcess } from '../tools/clinic/app-processes';
import { APPS } from '../tools/clinic/app-registry';
import { api, eventually, sampleRecord } from './clinic-harness';
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
  /**
   * The provider the apps trust here: the suite's own, so that its output is kept and scanned
   * (the test environment's provider prints to nobody).
   */
  let idp: IdentityProvider;
  let idpState: string;
  let identity: IdentityConfig;
  const idpOutput: string[] = [];
  const sessions = new Map<Role, Promise<StaffSession>>();
  const apps = {} as Record<ClinicApp, AppProcess>;
  const output: Record<string, string[]> = {};
  const canaries: PhiCanary[] = [];

  /** An access token of the member of staff holding `role`, from the suite's provider. */
  const token = async (role: Role) => {
    let session = sessions.get(role);
    if (!session) {
      const { username } = staffFor(role);
      const password = readStaffPasswords(identity.stateDir)![username];
      session = signIn({ issuer: idp.issuer, clientId: 'clinic-cli', username, password });
      sessions.set(role, session);
    }
    return (await session).freshAccessToken();
  };

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    idpState = mkdtempSync(path.join(tmpdir(), 'clinic-phi-idp-'));
    identity = loadIdentityConfig({}, { profile: 'embedded', stateDir: idpState });
    idp = await startIdentityProvider({
      port: 0,
      identity,
      onLog: (line) => idpOutput.push(line),
    });
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
          CLINIC_IDP_PORT: String(idp.port),
          CLINIC_OIDC_ISSUER: idp.issuer,
          // The lists are polled while waiting: limits raised, the per-person limit is not under test.
          CLINIC_RATE_LIMIT_READS: '100000',
          CLINIC_RATE_LIMIT_WRITES: '100000',
          LOG_FORMAT: 'json',
        },
      );
    }
  }, 180_000);
  afterAll(async () => {
    for (const app of APP_NAMES) await apps[app]?.stop();
    await idp?.stop();
    await env?.stop();
    if (idpState) rmSync(idpState, { recursive: true, force: true });
  });

  const url = (app: ClinicApp) => apps[app].url;
  /** A statement as the administrator (the suite's own SQL, never an app's login); its rows. */
  const sql = async <R = Record<string, unknown>>(database: string, query: string) => {
    const client = new Client({ connectionString: env.postgres.url(database) });
    await client.connect();
    try {
      return (await client.query(query)).rows as R[];
    } finally {
      await client.end();
    }
  };
  const newCanary = () => {
    const canary: PhiCanary = canaryPatient();
    canaries.push(canary);
    return canary;
  };
  /** A request to the EMR as it arrives (any body), with the given person's token or none. */
  const raw = async (method: string, path: string, body?: string, as: Role | null = 'physician') =>
    fetch(`${url('emr')}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(as ? { authorization: `Bearer ${await token(as)}` } : {}),
      },
      body,
    });

  it('leaves no canary value in any app output, provider output, state file or audit entry, on good, bad and failing paths', async () => {
    const physician = await token('physician');
    // Good input: a canary patient and a record (note and dose hold canary text) reach all three systems.
    const canary = newCanary();
    const patient = await api<{ id: string; mrn: string }>(
      'POST',
      `${url('emr')}/patients`,
      canary,
      physician,
    );
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
      physician,
    );
    expect(created.status).toBe(201);
    /** A consumer's list of the patient's effects, read by the role that route admits. */
    const listed = (app: ClinicApp, what: string, role: Role) => async () => {
      const answer = await api<Listed>(
        'GET',
        `${url(app)}/patients/${patient.body.id}/${what}`,
        undefined,
        await token(role),
      );
      expect(answer.status).toBe(200);
      return answer.body;
    };
    await eventually('an invoice', listed('billing', 'invoices', 'billing-clerk'), (l) => l.length > 0);
    await eventually(
      'a prescription',
      listed('prescription', 'prescriptions', 'pharmacist'),
      (l) => l.length > 0,
    );
    await eventually('reminders', listed('scheduling', 'reminders', 'scheduler'), (l) => l.length > 0);
    // The record read back by the nurse: a PHI read the EMR audits.
    const read = await api(
      'GET',
      `${url('emr')}/records/${created.body.id}`,
      undefined,
      await token('nurse'),
    );
    expect(read.status).toBe(200);

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
      await raw('GET', `/patients?name=${bad.givenName}&dob=${bad.dateOfBirth}&phone=${bad.phone}`),
      await raw('GET', `/${bad.familyName}`),
      await raw('GET', `/patients/${bad.familyName}`),
    ];
    // Refused callers carrying canary values: audited as 401 and 403, with their values dropped.
    const strangers = [
      await raw('POST', '/patients', JSON.stringify(bad), null),
      await raw('GET', `/patients/${bad.familyName}/records?name=${bad.givenName}`, undefined, null),
      await raw('POST', '/patients', JSON.stringify(bad), 'nurse'),
      await raw('GET', `/patients/${patient.body.id}?phone=${bad.phone}`, undefined, 'billing-clerk'),
    ];
    expect(strangers.map((r) => r.status)).toEqual([401, 401, 403, 403]);
    // The privacy officer asks the audit trail about a name instead of a patient id: refused, audited.
    const byName = await api(
      'GET',
      `${url('emr')}/audit?patientId=${bad.familyName}&subject=${bad.givenName}`,
      undefined,
      await token('privacy-officer'),
    );
    expect(byName.status).toBe(400);
    for (const r of refusals) expect(r.status).toBeGreaterThanOrEqual(400);
    for (const r of refusals) expect(r.status).toBeLessThan(500);

    // Canary values typed into the provider's sign-in form, as username and as password.
    const typed = newCanary();
    for (const attempt of [
      { username: typed.givenName, password: typed.phone },
      { username: 'nurse', password: `${typed.familyName}-${typed.dateOfBirth}` },
    ]) {
      await expect(signIn({ issuer: idp.issuer, clientId: 'clinic-cli', ...attempt })).rejects.toMatchObject({
        code: SignInErrorCode.InvalidCredentials,
      });
    }

    // Failing statements: a constraint only a canary violates, in the EMR and in Scheduling.
    const failing = newCanary();
    await sql(
      'emr',
      `ALTER TABLE patients ADD CONSTRAINT canary_guard CHECK (given_name <> '${failing.givenName}')`,
    );
    try {
      expect((await api('POST', `${url('emr')}/patients`, failing, physician)).status).toBe(500);
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
    const resume = freezePostgres(env.postgresDataDir);
    try {
      expect((await api('POST', `${url('emr')}/patients`, paused, physician)).status).toBe(503);
    } finally {
      resume();
    }
    await eventually(
      'the EMR to save again',
      async () =>
        (await api('POST', `${url('emr')}/patients`, { ...paused, givenName: 'Again' }, physician)).status,
      (status) => status === 201,
      20_000,
    );

    // Stop the apps so that everything they would print is printed, then scan.
    for (const app of APP_NAMES) await apps[app].stop();
    // Every row of every app's audit trail, every column (read as the administrator).
    const audit = {} as Record<ClinicApp, Array<Record<string, unknown>>>;
    for (const app of APP_NAMES) {
      audit[app] = await sql(app, 'SELECT * FROM audit_entries ORDER BY seq');
    }
    // The trail saw the scenario: reads in every app, and the EMR's refusals (401, 403, 400).
    for (const app of APP_NAMES) expect(audit[app].length).toBeGreaterThan(0);
    const outcomes = new Set(audit.emr.map((e) => Number(e.outcome)));
    for (const outcome of [200, 201, 400, 401, 403]) expect(outcomes).toContain(outcome);
    // The provider said something: the sign-ins, succeeded and failed.
    const idpEvents = idpOutput.map((l) => (JSON.parse(l) as { event?: string }).event);
    expect(idpEvents).toEqual(expect.arrayContaining(['signin.succeeded', 'signin.failed']));
    const texts: ScannedText[] = [
      ...APP_NAMES.map((app) => ({ source: `${app} output`, text: output[app].join('\n') })),
      { source: 'identity provider output', text: idpOutput.join('\n') },
      ...APP_NAMES.map((app) => ({
        source: `${app} audit_entries`,
        text: audit[app].map((row) => JSON.stringify(row)).join('\n'),
      })),
      ...readTree(env.env.CLINIC_STATE_DIR),
      ...readTree(idpState),
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
