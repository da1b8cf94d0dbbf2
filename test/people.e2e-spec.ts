/**
 * People in the real clinic apps, with the real identity provider: each read, write, 403 and 401
 * leaves exactly one audit entry in the app's own database, naming who and what but no PHI;
 * forged, foreign and misused tokens get 401, never 5xx; a session idle past
 * CLINIC_SESSION_IDLE_SECONDS ends (its token is refused, its refresh too); sign-out revokes.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { Client } from 'pg';
import { CLOCK_TOLERANCE_S, ROLES, STAFF, staffFor } from '@app/identity';
import { SignInError, SignInErrorCode } from '@app/identity/client';
import { verifyAuditChain } from '@app/platform';
import { startClinicTestEnv, type AppUnderTest, type ClinicTestEnv } from '@app/platform/testing';
import { BLUEPRINTS, databaseOf, eventually, sampleRecord, samplePatient } from './clinic-harness';

/** The idle time of this suite's sessions: short, so that automatic logoff is seen. */
const IDLE_SECONDS = 4;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  requestId: string;
}

async function call(
  url: string,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<Answer> {
  const requestId = randomUUID();
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      'x-request-id': requestId,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, requestId };
}

describe('people in the clinic (embedded profile, real apps, real identity provider)', () => {
  let env: ClinicTestEnv;
  let emr: AppUnderTest;
  let billing: AppUnderTest;
  let patientId: string;
  let recordId: string;

  /** The audit rows of one request, read as the database administrator. */
  const entriesOf = async (app: 'emr' | 'billing', requestId: string) => {
    const client = new Client({ connectionString: env.postgres.url(app) });
    await client.connect();
    try {
      const { rows } = await client.query<Record<string, unknown>>(
        'SELECT * FROM audit_entries WHERE request_id = $1',
        [requestId],
      );
      return rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded', {
      identityEnv: { CLINIC_SESSION_IDLE_SECONDS: String(IDLE_SECONDS), CLINIC_SESSION_MAX_SECONDS: '3600' },
    }))!;
    emr = await env.startApp(BLUEPRINTS.emr, databaseOf('emr'));
    billing = await env.startApp(BLUEPRINTS.billing, databaseOf('billing'));
    const physician = await env.token('physician');
    patientId = String(
      (await call(`${emr.url}/patients`, { method: 'POST', token: physician, body: samplePatient })).body.id,
    );
    recordId = String(
      (
        await call(`${emr.url}/patients/${patientId}/records`, {
          method: 'POST',
          token: await env.token('physician'),
          body: sampleRecord(),
        })
      ).body.id,
    );
  }, 180_000);
  afterAll(() => env?.stop());

  describe('the audit trail of the real apps', () => {
    it('a write leaves exactly one entry: the physician, the record created, the patient', async () => {
      const answer = await call(`${emr.url}/patients/${patientId}/records`, {
        method: 'POST',
        token: await env.token('physician'),
        body: sampleRecord(),
      });
      expect(answer.status).toBe(201);
      const entries = await entriesOf('emr', answer.requestId);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        subject: staffFor('physician').subject,
        roles: ['physician'],
        action: 'create',
        resource_type: 'record',
        resource_id: answer.body.id,
        patient_id: patientId,
        outcome: 201,
        refusal: null,
      });
      expect(answer.body.enteredBy).toBe(staffFor('physician').subject);
    });

    it('a read leaves exactly one entry, in the app that answered', async () => {
      const answer = await call(`${emr.url}/records/${recordId}`, { token: await env.token('nurse') });
      expect(answer.status).toBe(200);
      const entries = await entriesOf('emr', answer.requestId);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        subject: staffFor('nurse').subject,
        roles: ['nurse'],
        action: 'read',
        resource_id: recordId,
        patient_id: patientId,
        outcome: 200,
      });
      const invoices = await eventually(
        'an invoice',
        async () =>
          call(`${billing.url}/patients/${patientId}/invoices`, { token: await env.token('billing-clerk') }),
        (a) => a.status === 200 && Array.isArray(a.body) && a.body.length > 0,
      );
      expect(await entriesOf('billing', invoices.requestId)).toEqual([
        expect.objectContaining({
          subject: staffFor('billing-clerk').subject,
          action: 'list',
          patient_id: patientId,
        }),
      ]);
      expect(await entriesOf('emr', invoices.requestId)).toEqual([]);
    });

    it('a 403 leaves exactly one entry naming the person and the refusal, and no answer', async () => {
      const answer = await call(`${emr.url}/patients/${patientId}/records`, {
        method: 'POST',
        token: await env.token('nurse'),
        body: sampleRecord(),
      });
      expect(answer.status).toBe(403);
      expect(JSON.stringify(answer.body)).not.toContain(samplePatient.familyName);
      const entries = await entriesOf('emr', answer.requestId);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        subject: staffFor('nurse').subject,
        action: 'create',
        patient_id: patientId,
        outcome: 403,
        refusal: 'role',
      });
    });

    it('a 401 leaves exactly one entry without a subject', async () => {
      const answer = await call(`${emr.url}/records/${recordId}`);
      expect(answer.status).toBe(401);
      const entries = await entriesOf('emr', answer.requestId);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        subject: null,
        outcome: 401,
        refusal: 'missing',
        resource_id: recordId,
      });
    });

    it('holds no PHI values, and the chain of each app verifies', async () => {
      for (const app of ['emr', 'billing'] as const) {
        const client = new Client({ connectionString: env.postgres.url(app) });
        await client.connect();
        try {
          const { rows } = await client.query('SELECT * FROM audit_entries');
          expect(rows.length).toBeGreaterThan(0);
          const text = JSON.stringify(rows);
          for (const value of [
            samplePatient.givenName,
            samplePatient.familyName,
            samplePatient.dateOfBirth,
            samplePatient.phone,
          ]) {
            expect(text).not.toContain(value);
          }
          expect(await verifyAuditChain(client)).toMatchObject({ ok: true, entries: rows.length });
        } finally {
          await client.end();
        }
      }
    });
  });

  describe('tokens that must not work (401, never 5xx)', () => {
    let genuine: string;
    beforeAll(async () => {
      genuine = await env.token('physician');
    });
    const url = () => `${emr.url}/records/${recordId}`;

    it('a token signed with another key under the provider kid', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT(decodeJwt(genuine))
        .setProtectedHeader(decodeProtectedHeader(genuine) as { alg: string })
        .sign(privateKey);
      expect((await call(url(), { token: forged })).status).toBe(401);
    });

    it('alg none, a changed payload, a truncated signature, garbage', async () => {
      const [header, payload, signature] = genuine.split('.');
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const claims = decodeJwt(genuine);
      const cases = [
        `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
        `${header}.${b64({ ...claims, roles: ['physician', 'administrator'] })}.${signature}`,
        `${header}.${payload}.${signature.slice(0, 20)}`,
        'not-a-token',
        `${header}.${payload}`,
      ];
      for (const token of cases) expect((await call(url(), { token })).status).toBe(401);
    });

    it("another role's token claims nothing more: the pharmacist is refused the EMR (403)", async () => {
      expect((await call(url(), { token: await env.token('pharmacist') })).status).toBe(403);
    });
  });

  describe('automatic logoff and sign-out', () => {
    it(`a session idle for more than ${IDLE_SECONDS} s ends: its token is refused and it cannot be refreshed`, async () => {
      const session = await env.signIn('nurse');
      const token = await session.freshAccessToken();
      expect((await call(`${emr.url}/records/${recordId}`, { token })).status).toBe(200);
      const claims = decodeJwt(token);
      expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(IDLE_SECONDS);
      // Past the token's expiry plus the verifier's clock tolerance (5 s, for drift between hosts).
      await new Promise((r) => setTimeout(r, (IDLE_SECONDS + CLOCK_TOLERANCE_S + 1.5) * 1000));
      expect((await call(`${emr.url}/records/${recordId}`, { token })).status).toBe(401);
      await expect(session.freshAccessToken()).rejects.toMatchObject({ code: SignInErrorCode.SessionEnded });
    }, 40_000);

    it('a session in use keeps going past the idle time', async () => {
      const session = await env.signIn('nurse');
      const until = Date.now() + (IDLE_SECONDS + 3) * 1000;
      while (Date.now() < until) {
        expect(
          (await call(`${emr.url}/records/${recordId}`, { token: await session.freshAccessToken() })).status,
        ).toBe(200);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }, 40_000);

    it('concurrent requests for a fresh token share one refresh (a refresh token is single-use)', async () => {
      const session = await env.signIn('nurse');
      // Tokens here live IDLE_SECONDS, inside the refresh margin: every call wants a refresh.
      const tokens = await Promise.all([1, 2, 3, 4].map(() => session.freshAccessToken()));
      expect(new Set(tokens).size).toBe(1);
      const next = await session.freshAccessToken();
      expect((await call(`${emr.url}/records/${recordId}`, { token: next })).status).toBe(200);
    }, 40_000);

    it('sign-out revokes: the session cannot be refreshed afterwards', async () => {
      const session = await env.signIn('billing');
      await session.signOut();
      const refused = await session.freshAccessToken().then(
        () => undefined,
        (error: unknown) => error,
      );
      // Access tokens are short JWTs verified offline: the revoked session cannot mint another.
      expect(refused).toBeInstanceOf(SignInError);
    }, 40_000);
  });

  it('knows a member of staff for every role', () => {
    const held = new Set(STAFF.flatMap((s) => s.roles));
    expect(ROLES.filter((role) => !held.has(role))).toEqual([]);
  });
});
