/**
 * The outbox relay against a broker connection that goes silent (no reset, no answer): it gives
 * up the batch at its deadline and puts the row back with a retry count and a code, in a
 * transaction that commits before PostgreSQL would end the session (10 s idle in a
 * transaction); the next attempt, on a new connection, publishes it.
 */
import { SYNTHETIC_PATIENT_REQUEST, syntheticRecordRequest } from '@app/contracts';
import { eventually } from '@app/crypto-messaging/testing';
import { DB_IDLE_IN_TRANSACTION_TIMEOUT_MS } from '@app/platform';
import { startClinicTestEnv, TcpProxy, type AppUnderTest, type ClinicTestEnv } from '@app/platform/testing';
import { Client } from 'pg';
import { emrDatabase } from '../database/emr.database';
import { emrBlueprint } from '../emr.blueprint';
import { RELAY_PUBLISH_DEADLINE_MS } from './outbox-batch.publisher';

interface OutboxRow {
  readonly attempts: number;
  readonly last_error: string | null;
  readonly published: boolean;
}

describe('the outbox relay with its broker connection gone silent (embedded)', () => {
  let env: ClinicTestEnv;
  let proxy: TcpProxy;
  let emr: AppUnderTest;
  let db: Client;

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    proxy = await new TcpProxy({ host: '127.0.0.1', port: Number(env.env.CLINIC_BROKER_PORT) }).open();
    emr = await env.startApp(emrBlueprint, emrDatabase, { CLINIC_BROKER_PORT: String(proxy.port) });
    db = new Client({ connectionString: env.postgres.url('emr') });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await env?.stop();
    await proxy?.cut();
  });

  async function post<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(`${emr.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await env.token('physician')}`,
      },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as T;
  }

  const rowOf = async (eventId: string): Promise<OutboxRow> =>
    (
      await db.query<OutboxRow>(
        'SELECT attempts, last_error, published_at IS NOT NULL AS published FROM outbox_events WHERE id = $1',
        [eventId],
      )
    ).rows[0];

  it('puts the row back with its code before the session limit, then publishes it', async () => {
    expect(RELAY_PUBLISH_DEADLINE_MS).toBeLessThan(DB_IDLE_IN_TRANSACTION_TIMEOUT_MS);
    const patient = await post<{ id: string }>('/patients', SYNTHETIC_PATIENT_REQUEST);
    const first = await post<{ eventId: string }>(
      `/patients/${patient.id}/records`,
      syntheticRecordRequest(),
    );
    // Published: the relay's connection to the broker now waits, kept alive, in its pool.
    await eventually(
      'the first record published',
      () => rowOf(first.eventId),
      (r) => r?.published,
      10_000,
    );

    expect(proxy.stall()).toBeGreaterThan(0);
    const stalledAt = Date.now();
    const second = await post<{ eventId: string }>(
      `/patients/${patient.id}/records`,
      syntheticRecordRequest(),
    );
    // Given up at the deadline, in a transaction that committed: the attempt is counted.
    const failed = await eventually(
      'the attempt on the silent connection counted',
      () => rowOf(second.eventId),
      (r) => r.attempts > 0 || r.published,
      DB_IDLE_IN_TRANSACTION_TIMEOUT_MS + 5_000,
    );
    expect(failed).toEqual({ attempts: 1, last_error: 'BROKER_UNAVAILABLE', published: false });
    // Counted, so committed: PostgreSQL did not end the session first (that would count
    // nothing). And given up by the deadline, not sooner.
    expect(Date.now() - stalledAt).toBeGreaterThanOrEqual(RELAY_PUBLISH_DEADLINE_MS - 500);

    // The retry goes out on a new connection.
    await eventually(
      'the second record published',
      () => rowOf(second.eventId),
      (r) => r.published,
      30_000,
    );
  }, 90_000);
});
