/**
 * Fault 3: each consumer is killed (kill -9) in the middle of its work, then restarted. Messages
 * it had received but not deleted come back after their visibility timeout; those whose effect
 * had committed are recognised by their event id (processed_events, same transaction as the
 * effect) and only deleted.
 */
import { CONSUMERS, FaultClinic, recordResult, resultOf } from './fault-harness';

describe('fault 3: a consumer killed mid-batch (kill -9), restarted', () => {
  let clinic: FaultClinic;
  beforeAll(async () => {
    clinic = await FaultClinic.start('03-consumer-kill');
  });
  afterAll(() => clinic?.stop());

  it('has every record take effect exactly once in all three consumers', async () => {
    const RECORDS = 150;
    const patient = await clinic.canaryPatient();
    // The burst goes on while the consumers die: all three are killed at once, as soon as each
    // has begun, so the kill lands mid-way whichever consumer is fastest.
    const posting = clinic.burst(patient, RECORDS);
    const atKill: Record<string, number> = {};
    await clinic.waitUntil('every consumer under way', async () => {
      const sizes = await Promise.all(CONSUMERS.map(async (c) => (await clinic.effectRows(c)).size));
      return sizes.every((n) => n >= 5);
    });
    await Promise.all(CONSUMERS.map((c) => clinic.kill(c)));
    for (const consumer of CONSUMERS) atKill[consumer] = (await clinic.effectRows(consumer)).size;
    const burst = await posting;
    await Promise.all(CONSUMERS.map((c) => clinic.startApp(c)));
    const restartedAt = Date.now();
    // In-flight messages at the kill reappear after the visibility timeout (30 s).
    const tally = await clinic.waitForEffects(burst.accepted, 120_000);
    const recoveryMs = Date.now() - restartedAt;
    const left = await clinic.waitQuiet();
    const final = await clinic.tally(burst.accepted);
    recordResult(
      resultOf(
        clinic,
        '3. consumers kill -9 mid-batch + restart',
        final,
        recoveryMs,
        `effects at kill: ${JSON.stringify(atKill)}`,
      ),
    );

    expect(burst.refused).toEqual([]);
    for (const consumer of CONSUMERS) expect(atKill[consumer]).toBeLessThan(RECORDS); // the kill landed mid-way
    expect(tally.observed).toBe(tally.expected);
    expect(final).toMatchObject({ records: RECORDS, lost: 0, duplicated: 0, acceptedButMissing: 0 });
    expect(left).toEqual({ queued: 0, deadLettered: 0 });
  });
});
