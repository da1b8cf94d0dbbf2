/**
 * Fault 8: a handler slower than the visibility timeout. Billing runs with a 2 s visibility
 * timeout while its invoices table is locked for more than three timeouts, so every handler is
 * stuck in its INSERT. The transport's heartbeat (ChangeMessageVisibility every half timeout)
 * keeps each message hidden: no second delivery, one effect, one acknowledgement per message.
 */
import { Client } from 'pg';
import { FaultClinic, recordResult, resultOf } from './fault-harness';

const VISIBILITY_TIMEOUT_S = 2;
const RECORDS = 8;

describe('fault 8: a handler slower than the visibility timeout', () => {
  let clinic: FaultClinic;
  beforeAll(async () => {
    clinic = await FaultClinic.start('08-slow-handler', ['emr', 'scheduling', 'prescription']);
    await clinic.startInProcess('billing', { visibilityTimeoutS: VISIBILITY_TIMEOUT_S });
  });
  afterAll(() => clinic?.stop());

  it('keeps the message with a heartbeat: one delivery, one effect', async () => {
    const lock = new Client({ connectionString: clinic.env.postgres.url('billing') });
    await lock.connect();
    let released = false;
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE invoices IN SHARE ROW EXCLUSIVE MODE');
      const patient = await clinic.canaryPatient();
      const burst = await clinic.burst(patient, RECORDS);
      await clinic.waitUntil('billing handlers blocked on the lock', async () => {
        const [row] = await clinic.query<{ n: string }>(
          'billing',
          "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = 'billing' AND wait_event_type = 'Lock'",
        );
        return Number(row.n) >= 1;
      });
      const blockedAt = Date.now();
      // Hold the handlers for more than three visibility timeouts.
      await clinic.waitUntil('three visibility timeouts', () =>
        Promise.resolve(Date.now() - blockedAt > 3.5 * VISIBILITY_TIMEOUT_S * 1000),
      );
      const spy = clinic.inProcess.billing!.spy!;
      const duringLock = spy.outcomes.length;
      await lock.query('COMMIT');
      released = true;
      const releasedAt = Date.now();
      const tally = await clinic.waitForEffects(burst.accepted, 60_000);
      const recoveryMs = Date.now() - releasedAt;
      await spy.waitForCount((o) => o.outcome === 'acked', RECORDS, 30_000);
      const left = await clinic.waitQuiet();
      const final = await clinic.tally(burst.accepted);
      recordResult(
        resultOf(
          clinic,
          '8. handler slower than visibility timeout',
          final,
          recoveryMs,
          `handlers held ${3.5 * VISIBILITY_TIMEOUT_S} s against a ${VISIBILITY_TIMEOUT_S} s visibility timeout`,
        ),
      );

      expect(duringLock).toBe(0); // really stuck: nothing finished while the lock was held
      expect(tally.observed).toBe(tally.expected);
      expect(final).toMatchObject({ records: RECORDS, lost: 0, duplicated: 0 });
      // One delivery per message: acknowledged once, on its first receive, never retried.
      expect(spy.outcomes).toHaveLength(RECORDS);
      expect(spy.outcomes.every((o) => o.outcome === 'acked' && o.receiveCount === 1)).toBe(true);
      expect(new Set(spy.outcomes.map((o) => o.eventId)).size).toBe(RECORDS);
      expect(left).toEqual({ queued: 0, deadLettered: 0 });
    } finally {
      if (!released) await lock.query('ROLLBACK').catch(() => undefined);
      await lock.end();
    }
  });
});
