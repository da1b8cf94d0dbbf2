/**
 * Fault 11: shutdown (SIGTERM) of every consumer while messages are in flight. The transport
 * stops polling, lets handlers under way finish and flushes their deletes before the process
 * exits 0; after a restart every record has taken effect exactly once.
 */
import { queueOf } from '@app/crypto-messaging';
import { CONSUMERS, FaultClinic, recordResult, resultOf, type Consumer } from './fault-harness';
import { clinicTopology } from '@app/clinic';
import { effectsInLine } from '../clinic-harness';

/** The log line each consumer writes per batch it took into effect (with the batch's `eventIds`). */
const EFFECT_LINE: Readonly<Record<Consumer, string>> = {
  billing: 'invoice created',
  scheduling: 'record scheduled',
  prescription: 'prescription transmitted',
};
/** SIGTERM lands at this effect of each consumer: mid-burst, whatever the machine's speed. */
const TERMINATE_AT = 5;

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
    const exits: Record<string, { code: number | null; signal: string | null; ms: number; effects: number }> =
      {};
    // Each consumer gets SIGTERM from its own log, at its TERMINATE_AT-th effect (polling its
    // table could find a fast consumer already through the whole burst).
    const terminated = CONSUMERS.map(
      (consumer) =>
        new Promise<number>((resolve) => {
          let effects = 0;
          const stop = clinic.watchLines(consumer, (line) => {
            effects += effectsInLine(line, EFFECT_LINE[consumer]);
            if (effects < TERMINATE_AT) return;
            stop();
            clinic.procs[consumer]!.child.kill('SIGTERM');
            resolve(Date.now());
          });
        }),
    );
    const burst = await clinic.burst(patient, RECORDS);
    await Promise.all(
      CONSUMERS.map(async (consumer, i) => {
        const t0 = await terminated[i];
        const proc = clinic.procs[consumer]!;
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
