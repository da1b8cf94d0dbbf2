/**
 * Fault 1: the broker crashes (kill -9) while messages wait in its queues and the EMR keeps
 * accepting records; it restarts on the same port and SQLite store. Every record takes effect
 * exactly once: what the broker had acknowledged survives in its store, what the EMR could not
 * publish waits in the outbox, and a message handled but not deleted before the crash is
 * redelivered and recognised by its event id.
 */
import { FaultClinic, recordResult, resultOf } from './fault-harness';

describe('fault 1: broker killed with messages queued, then restarted', () => {
  let clinic: FaultClinic;
  beforeAll(async () => {
    clinic = await FaultClinic.start('01-broker-kill');
  });
  afterAll(() => clinic?.stop());

  it('delivers every record exactly once after the broker comes back', async () => {
    const patient = await clinic.canaryPatient();
    const first = await clinic.burst(patient, 120);
    // Consumers under way, most messages still queued: now crash the broker.
    await clinic.waitUntil('billing under way', async () => (await clinic.effectRows('billing')).size >= 10);
    const queuedAtKill = await clinic.depth(clinic.queueNames('prescription').queue);
    await clinic.env.messaging.killBroker();
    // The EMR accepts records with the broker down (the outbox keeps them).
    const second = await clinic.burst(patient, 40);
    await clinic.env.messaging.restartBroker();
    const restoredAt = Date.now();
    const accepted = [...first.accepted, ...second.accepted];
    const tally = await clinic.waitForEffects(accepted);
    const recoveryMs = Date.now() - restoredAt;
    const left = await clinic.waitQuiet();
    const final = await clinic.tally(accepted);
    recordResult(
      resultOf(
        clinic,
        '1. broker kill -9 + restart',
        final,
        recoveryMs,
        `${queuedAtKill} queued for one consumer at the kill`,
      ),
    );

    expect(first.refused).toEqual([]);
    expect(second.refused).toEqual([]);
    expect(queuedAtKill).toBeGreaterThan(0);
    expect(tally.observed).toBe(tally.expected);
    expect(final).toMatchObject({ records: 160, lost: 0, duplicated: 0, acceptedButMissing: 0 });
    expect(left).toEqual({ queued: 0, deadLettered: 0 });
  });
});
