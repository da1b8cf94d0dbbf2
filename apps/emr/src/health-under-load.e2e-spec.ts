/**
 * `/health` of an EMR whose every database connection is taken, with requests waiting for one:
 * the database is busy, not down, and the check must say so (on AWS a failing health check gets
 * the task replaced, in the middle of its load). Once PostgreSQL stops answering (SIGSTOP), the
 * same check says down within a few seconds.
 */
import { DataSource } from 'typeorm';
import { eventually } from '@app/crypto-messaging/testing';
import { freezePostgres } from '@app/local-stack/testing';
import { DB_POOL_MAX, pgPoolOf } from '@app/platform';
import { startClinicTestEnv, type AppUnderTest, type ClinicTestEnv } from '@app/platform/testing';
import { emrDatabase } from './database/emr.database';
import { emrBlueprint } from './emr.blueprint';

/** The EMR's pool, set smaller than its default (CLINIC_EMR_DATABASE_POOL_SIZE): fewer loops fill it. */
const POOL_SIZE = 6;
/** Statements at once: four times the pool, so that a new one waits about 3 s for a connection. */
const LOOPS = POOL_SIZE * 4;
/** How long PostgreSQL stays frozen, and when the pool's last answers are stale (the check's 2 s). */
const FROZEN_MS = 9_000;
const STALE_AFTER_MS = 2_000;
/** Each holds its connection this long. */
const STATEMENT = 'SELECT pg_sleep(1)';

interface Health {
  readonly status: number;
  readonly body: { status: string; database: { status: string; detail?: string } };
}

describe('EMR /health with every database connection taken (embedded)', () => {
  let env: ClinicTestEnv;
  let emr: AppUnderTest;
  let dataSource: DataSource;
  let stopLoad: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded'))!;
    emr = await env.startApp(emrBlueprint, emrDatabase, { CLINIC_EMR_DATABASE_POOL_SIZE: String(POOL_SIZE) });
    dataSource = emr.http.get(DataSource);
    // The setting reached the pool.
    expect(POOL_SIZE).toBeLessThan(DB_POOL_MAX.requests);
    expect(pgPoolOf(dataSource).options.max).toBe(POOL_SIZE);
  });
  afterAll(async () => {
    await stopLoad?.();
    await env?.stop();
  });

  const health = async (): Promise<Health> => {
    const response = await fetch(`${emr.url}/health`, { signal: AbortSignal.timeout(10_000) });
    return { status: response.status, body: (await response.json()) as Health['body'] };
  };

  /** Keeps LOOPS statements going through the EMR's pool, each again once done, until stopped. */
  function load(): () => Promise<void> {
    let running = true;
    const loops = Array.from({ length: LOOPS }, async () => {
      // A wait for a connection that times out (3 s) is part of the load: go again.
      while (running) await dataSource.query(STATEMENT).catch(() => undefined);
    });
    return async () => {
      running = false;
      await Promise.all(loops);
    };
  }

  it('says up (busy) while requests wait for a connection, and down once PostgreSQL stops', async () => {
    expect((await health()).status).toBe(200);
    stopLoad = load();
    const pool = pgPoolOf(dataSource);
    // Saturated: a SELECT 1 through the pool waits longer than the check's 2 s.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const started = Date.now();
    await dataSource.query('SELECT 1').catch(() => undefined);
    expect(Date.now() - started).toBeGreaterThan(2_000);
    expect(pool.waitingCount).toBeGreaterThan(0);

    const busy = await health();
    expect(pool.waitingCount).toBeGreaterThan(0);
    expect(busy).toEqual({
      status: 200,
      body: expect.objectContaining({ status: 'ok', database: { status: 'up', detail: 'busy' } }) as unknown,
    });

    // PostgreSQL frozen for FROZEN_MS under the same load, /health asked every 300 ms. A
    // statement the client gives up on (its 3 s read deadline) is no answer: it must not keep
    // the database `up`.
    const checks: Array<{ startedMs: number; answeredMs: number; database: string }> = [];
    const resume = freezePostgres(env.postgresDataDir);
    const frozenAt = Date.now();
    try {
      while (Date.now() - frozenAt < FROZEN_MS) {
        const startedMs = Date.now() - frozenAt;
        const answer = await health();
        checks.push({ startedMs, answeredMs: Date.now() - frozenAt, database: answer.body.database.status });
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    } finally {
      resume();
    }
    // The last answers came just before the freeze: 2 s later they are stale, and the check's
    // own question gets no answer in 2 s more. Every check begun after that reads `down`.
    const firstDown = checks.find((c) => c.database === 'down');
    expect(firstDown?.answeredMs).toBeLessThan(STALE_AFTER_MS + 2_000 + 1_500);
    expect(checks.filter((c) => c.startedMs >= STALE_AFTER_MS + 500 && c.database !== 'down')).toEqual([]);

    await stopLoad();
    stopLoad = undefined;
    const after = await eventually(
      'the EMR healthy and no longer busy',
      health,
      (answer) => answer.status === 200 && answer.body.database.detail === undefined,
      15_000,
    );
    expect(after.body.database).toEqual({ status: 'up' });
  }, 90_000);
});
