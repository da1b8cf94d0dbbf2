/**
 * Fault 1: the broker crashes (kill -9) while messages wait in its queues and the EMR keeps
 * accepting records; it restarts on the same port and SQLite store. Every record takes effect
 * exactly once: what the broker had acknowledged survives in its store, what the EMR could not
 * publish waits in the outbox, and a message handled but not deleted before the crash is
 * redelivered and recognised by its event id.
 */
import { CONSUMERS, FaultClinic, recordResult, resultOf } from './fault-harness';
import { effectsInLine } from '../clinic-harness';

describe('fault 1: broker killed with messages queued, then restarted', () => {
  let clinic: FaultClinic;
  beforeAll(async () => {
    clinic = await FaultClinic.start('01-broker-kill');
  });
  afterAll(() => clinic?.stop());

  it('delivers every record exactly once after the broker comes back', async () => {
    const patient = await clinic.canaryPatient();
    // Crash the broker from Billing's own log, once it has 10 invoices (its lines come a batch each): consumers under way, most
    // messages still in the broker (polling a table could find a fast machine through them all).
    let invoices = 0;
    const killed = new Promise<void>((resolve) => {
      const stop = clinic.watchLines('billing', (line) => {
        invoices += effectsInLine(line, 'invoice created');
        if (invoices < 10) return;
        stop();
        resolve(clinic.env.messaging.killBroker());
      });
    });
    const first = await clinic.burst(patient, 120);
    await killed;
    // Not every effect of the first burst had happened: the broker held messages at the kill.
    const effectsAtKill = (
      await Promise.all(CONSUMERS.map(async (c) => (await clinic.effectRows(c)).size))
    ).reduce((a, b) => a + b, 0);
    const queuedAtKill = first.accepted.length * CONSUMERS.length - effectsAtKill;
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
        `${queuedAtKill} effects still to come from the broker at the kill`,
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
