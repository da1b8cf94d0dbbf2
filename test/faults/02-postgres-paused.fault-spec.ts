/**
 * Fault 2: PostgreSQL paused (SIGSTOP of the server and its backends) for 10 s in the middle of
 * a burst. The EMR either answers 503 with Retry-After (the client waits and retries) or holds
 * the request until the database answers; consumers' handlers wait or retry. No accepted record
 * is lost and none takes effect twice.
 */
import { FaultClinic, recordResult, resultOf } from './fault-harness';

const RECORDS = 150;
const PAUSE_MS = 10_000;

describe('fault 2: PostgreSQL paused for 10 s during a burst', () => {
  let clinic: FaultClinic;
  beforeAll(async () => {
    clinic = await FaultClinic.start('02-postgres-paused');
  });
  afterAll(() => clinic?.stop());

  it('never loses an accepted record; the retrying client gets every record in', async () => {
    const patient = await clinic.canaryPatient();
    let reachedHalf!: () => void;
    const half = new Promise<void>((resolve) => (reachedHalf = resolve));
    const burst = clinic.burst(patient, RECORDS, {
      concurrency: 4,
      onAccepted: (n) => n === 30 && reachedHalf(),
    });
    await half;
    const resume = clinic.pausePostgres();
    const pausedAt = Date.now();
    try {
      await clinic.waitUntil(
        'the pause',
        () => Promise.resolve(Date.now() - pausedAt >= PAUSE_MS),
        PAUSE_MS * 2,
      );
    } finally {
      resume();
    }
    const resumedAt = Date.now();
    const done = await burst;
    const accepted = done.accepted.length;
    const tally = await clinic.waitForEffects(done.accepted, 120_000);
    const recoveryMs = Date.now() - resumedAt;
    const left = await clinic.waitQuiet();
    const final = await clinic.tally(done.accepted);
    // The pause was real: no record committed for about its length, in the middle of the burst.
    const [{ gap }] = await clinic.query<{ gap: number }>(
      'emr',
      `SELECT max(extract(epoch FROM created_at - prev)) * 1000 AS gap
         FROM (SELECT created_at, lag(created_at) OVER (ORDER BY created_at) AS prev FROM medical_records) t`,
    );
    recordResult(
      resultOf(
        clinic,
        '2. PostgreSQL SIGSTOP 10 s mid-burst',
        final,
        recoveryMs,
        `${accepted} accepted, ${done.retries} client retries, longest commit gap ${Math.round(Number(gap))} ms, refused: ${JSON.stringify(done.refused)}`,
      ),
    );

    // Every record got in: a 503 is retried by the client, a 500 would leave it in doubt.
    expect(Number(gap)).toBeGreaterThan(PAUSE_MS * 0.9);
    expect(done.refused).toEqual([]);
    expect(accepted).toBe(RECORDS);
    expect(tally.observed).toBe(tally.expected);
    expect(final).toMatchObject({ lost: 0, duplicated: 0, acceptedButMissing: 0 });
    expect(left).toEqual({ queued: 0, deadLettered: 0 });
  });
});
