/**
 * Fault 11: shutdown (SIGTERM) of every consumer while messages are in flight. The transport
 * stops polling, lets handlers under way finish and flushes their deletes before the process
 * exits 0; after a restart every record has taken effect exactly once.
 */
import { clinicTopology, queueOf } from '@app/crypto-messaging';
import { CONSUMERS, FaultClinic, recordResult, resultOf } from './fault-harness';

const VISIBILITY_TIMEOUT_MS = queueOf(clinicTopology(), 'billing').visibilityTimeoutS * 1000;

describe('fault 11: SIGTERM with messages in flight', () => {
  let clinic: FaultClinic;
  beforeAll(async () => {
    clinic = await FaultClinic.start('11-sigterm-drain');
  });
  afterAll(() => clinic?.stop());

  it('drains in-flight handlers, exits 0, and loses nothing', async () => {
    const RECORDS = 150;
    const patient = await clinic.canaryPatient();
    const burst = await clinic.burst(patient, RECORDS);
    const exits: Record<string, { code: number | null; signal: string | null; ms: number; effects: number }> =
      {};
    await Promise.all(
      CONSUMERS.map(async (consumer) => {
        await clinic.waitUntil(
          `${consumer} under way`,
          async () => (await clinic.effectRows(consumer)).size >= 5,
        );
        const proc = clinic.procs[consumer]!;
        const t0 = Date.now();
        proc.child.kill('SIGTERM');
        const code = await proc.exited;
        exits[consumer] = {
          code,
          signal: proc.child.signalCode,
          ms: Date.now() - t0,
          effects: (await clinic.effectRows(consumer)).size,
        };
      }),
    );
    // Drained: every message the consumers had received is deleted, none left hidden to come
    // back after its visibility timeout.
    const hiddenAfterExit = await Promise.all(
      CONSUMERS.map((c) => clinic.hidden(clinic.queueNames(c).queue)),
    );
    await Promise.all(CONSUMERS.map((c) => clinic.startApp(c)));
    const restartedAt = Date.now();
    const tally = await clinic.waitForEffects(burst.accepted, 120_000);
    const recoveryMs = Date.now() - restartedAt;
    const left = await clinic.waitQuiet();
    const final = await clinic.tally(burst.accepted);
    recordResult(
      resultOf(
        clinic,
        '11. SIGTERM consumers mid-burst',
        final,
        recoveryMs,
        `exit: ${JSON.stringify(exits)}; hidden after exit: ${hiddenAfterExit.join('/')}`,
      ),
    );

    for (const consumer of CONSUMERS) {
      // Nest runs its shutdown hooks (the transport's drain), then re-raises SIGTERM to exit.
      expect([exits[consumer].code, exits[consumer].signal]).toEqual([null, 'SIGTERM']);
      expect(exits[consumer].ms).toBeLessThan(25_000);
      expect(exits[consumer].effects).toBeLessThan(RECORDS);
    }
    expect(hiddenAfterExit).toEqual([0, 0, 0]);
    expect(tally.observed).toBe(tally.expected);
    // Drained, not abandoned: a message a dying consumer had taken would stay hidden for its
    // visibility timeout (30 s) before anyone could finish it.
    expect(recoveryMs).toBeLessThan(VISIBILITY_TIMEOUT_MS);
    expect(final).toMatchObject({ records: RECORDS, lost: 0, duplicated: 0, acceptedButMissing: 0 });
    expect(left).toEqual({ queued: 0, deadLettered: 0 });
  });
});
