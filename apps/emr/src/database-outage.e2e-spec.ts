/**
 * PostgreSQL paused (SIGSTOP of the server and its backends, as a frozen host) for about 10 s
 * while physicians keep entering records: the EMR answers 503 with Retry-After within a few
 * seconds, never a 500 and never a hang; once PostgreSQL resumes, records are saved again; and
 * every record ever answered 201 is in the database. The physicians are signed in (real tokens).
 */
import { syntheticRecordRequest } from '@app/contracts';
import { eventually } from '@app/crypto-messaging/testing';
import { freezePostgres, overTcp } from '@app/local-stack/testing';
import { DB_POOL_MAX } from '@app/platform';
import { startClinicTestEnv, type AppUnderTest, type ClinicTestEnv } from '@app/platform/testing';
import { emrDatabase } from './database/emr.database';
import { emrBlueprint } from './emr.blueprint';

const PAUSE_MS = 10_000;
/** The slowest answer accepted while the database is paused: connect/read timeouts plus slack. */
const MAX_ANSWER_MS = 8_000;
const patient = { givenName: 'Alex', familyName: 'Testpatient', dateOfBirth: '1980-01-01' };

interface Outcome {
  readonly kind: 'patient' | 'record';
  readonly status: number;
  readonly ms: number;
  readonly retryAfter: string | null;
  readonly id?: string;
}

/**
 * Over the embedded server's Unix-domain socket (what the clinic uses), and over TCP (what a
 * remote server such as RDS is reached by): the errors of each must be answered 503.
 */
const TRANSPORTS = [
  ['its Unix-domain socket', (url: string) => url],
  ['TCP', overTcp],
] as const;

describe.each(TRANSPORTS)('EMR with PostgreSQL paused (embedded, over %s)', (transport, urlOver) => {
  let env: ClinicTestEnv;
  let emr: AppUnderTest;

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    const url = urlOver(env.postgres.appUrl('emr'));
    expect(new URL(url).searchParams.has('host')).toBe(transport !== 'TCP');
    emr = await env.startApp(emrBlueprint, emrDatabase, {
      DATABASE_URL: url,
      // The "three physicians" share the one synthetic physician's sign-in: their retries must
      // meet the database's answer, not the per-person write limit (tested in the access suite).
      CLINIC_RATE_LIMIT_WRITES: '1000',
    });
  });
  afterAll(async () => {
    await env?.stop();
  });

  /** Signed in before the clock starts: the identity provider is not what is paused. */
  const post = async (path: string, body: unknown): Promise<Outcome> => {
    const token = await env.token('physician');
    const started = Date.now();
    const response = await fetch(`${emr.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      // A hang is a failure: far longer than the bound, short of the test's timeout.
      signal: AbortSignal.timeout(30_000),
    });
    const json = (await response.json()) as { id?: string };
    return {
      kind: path === '/patients' ? 'patient' : 'record',
      status: response.status,
      ms: Date.now() - started,
      retryAfter: response.headers.get('retry-after'),
      id: json.id,
    };
  };

  /**
   * `physicians` people at once, each entering records back to back for the whole pause (one in
   * three registers patients instead): every answer is 201 or 503 with Retry-After within the
   * bound, and every record answered 201 is there once PostgreSQL resumes.
   */
  async function enterThroughPause(physicians: number): Promise<void> {
    const patientId = (await post('/patients', patient)).id!;
    const created: string[] = [];
    const during: Outcome[] = [];
    const record = () => post(`/patients/${patientId}/records`, syntheticRecordRequest({ note: 'outage' }));
    const before = await record();
    expect(before.status).toBe(201);
    created.push(before.id!);

    const resume = freezePostgres(env.postgresDataDir);
    const pausedAt = Date.now();
    try {
      await Promise.all(
        Array.from({ length: physicians }, async (_, i) => {
          while (Date.now() - pausedAt < PAUSE_MS - MAX_ANSWER_MS / 2) {
            during.push(await (i % 3 === 2 ? post('/patients', patient) : record()));
          }
        }),
      );
    } finally {
      const left = PAUSE_MS - (Date.now() - pausedAt);
      if (left > 0) await new Promise((r) => setTimeout(r, left)); // the pause's length is the scenario
      resume();
    }

    expect(during.length).toBeGreaterThanOrEqual(physicians);
    expect(during.filter((o) => o.status === 503).length).toBeGreaterThanOrEqual(physicians);
    for (const outcome of during) {
      expect([201, 503]).toContain(outcome.status);
      expect(outcome.ms).toBeLessThan(MAX_ANSWER_MS);
      if (outcome.status === 503) expect(outcome.retryAfter).toMatch(/^\d+$/);
      if (outcome.status === 201 && outcome.kind === 'record') created.push(outcome.id!);
    }

    const after = await eventually(
      'a record saved once PostgreSQL resumes',
      () => record(),
      (o) => o.status === 201,
      20_000,
    );
    created.push(after.id!);
    for (const id of created) {
      const response = await fetch(`${emr.url}/records/${id}`, {
        headers: { authorization: `Bearer ${await env.token('physician')}` },
      });
      expect({ id, status: response.status }).toEqual({ id, status: 200 });
    }
  }

  it('answers 503 + Retry-After while paused, 201 after, and keeps every 201', async () => {
    await enterThroughPause(3);
  }, 90_000);

  it('answers the same way when more people ask at once than the pool has connections', async () => {
    await enterThroughPause(DB_POOL_MAX.requests * 2);
  }, 90_000);
});
