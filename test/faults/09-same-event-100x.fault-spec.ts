/**
 * Fault 9: the same event delivered 100 more times (new SQS messages, same event id: what a
 * publisher retry or an SNS redelivery looks like). Each consumer acknowledges every copy and
 * acts once: the event id is claimed in the same transaction as the effect.
 */
import { SEALED_EVENT_COLUMNS, sealedEventOf } from '../clinic-harness';
import { CONSUMERS, FaultClinic, recordResult, resultOf } from './fault-harness';

const COPIES = 100;

describe('fault 9: the same event delivered 100 times', () => {
  let clinic: FaultClinic;
  beforeAll(async () => {
    clinic = await FaultClinic.start('09-same-event-100x', ['emr']);
    for (const consumer of CONSUMERS) await clinic.startInProcess(consumer);
  });
  afterAll(() => clinic?.stop());

  it('acknowledges every copy and takes effect once', async () => {
    const patient = await clinic.canaryPatient();
    const burst = await clinic.burst(patient, 1);
    const [recordId] = burst.accepted;
    const [{ event_id: eventId }] = await clinic.query<{ event_id: string }>(
      'emr',
      'SELECT event_id FROM medical_records WHERE id = $1',
      [recordId],
    );
    expect((await clinic.waitForEffects(burst.accepted)).observed).toBe(CONSUMERS.length);
    // The event exactly as the EMR's outbox holds it, sealed (ADR 0007): the same ciphertext,
    // attributes and event id, sent again as new SQS messages.
    const [row] = await clinic.query<Parameters<typeof sealedEventOf>[0]>(
      'emr',
      `SELECT ${SEALED_EVENT_COLUMNS} FROM outbox_events WHERE id = $1`,
      [eventId],
    );
    const sealed = sealedEventOf(row);
    const publisher = await clinic.env.publisher();
    const t0 = Date.now();
    for (let sent = 0; sent < COPIES; sent += 10) {
      const outcomes = await publisher.sendBatch(Array(Math.min(10, COPIES - sent)).fill(sealed));
      expect(outcomes.every((o) => o.ok)).toBe(true);
    }
    for (const consumer of CONSUMERS) {
      await clinic.inProcess[consumer]!.spy!.waitForCount(
        (o) => o.eventId === eventId && o.outcome === 'acked',
        COPIES + 1,
        120_000,
      );
    }
    const handledMs = Date.now() - t0;
    const left = await clinic.waitQuiet();
    const final = await clinic.tally(burst.accepted);
    recordResult(
      resultOf(
        clinic,
        `9. one event delivered ${COPIES + 1} times`,
        final,
        handledMs,
        'recovery = all copies acked',
      ),
    );

    for (const consumer of CONSUMERS) {
      const outcomes = clinic.inProcess[consumer]!.spy!.outcomes.filter((o) => o.eventId === eventId);
      expect(outcomes.map((o) => o.outcome)).toEqual(Array(COPIES + 1).fill('acked'));
    }
    expect(final).toMatchObject({ records: 1, expected: 3, observed: 3, lost: 0, duplicated: 0 });
    expect(left).toEqual({ queued: 0, deadLettered: 0 });
  });
});
