/**
 * Fault 7: 1,000 tampered messages in Billing's queue while good records keep flowing. Each
 * tampered copy fails authentication before any handler runs and goes to the dead-letter queue
 * with a reason code; good records keep taking effect, once, with bounded latency.
 */
import {
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { DEAD_LETTER_REASON_ATTRIBUTE } from '@app/crypto-messaging';
import { FaultClinic, recordResult, resultOf } from './fault-harness';

const POISON = 1_000;
const GOOD = 100;
/** Good records must reach Billing within this, poison or not (measured: see docs/reliability.md). */
const GOOD_LATENCY_BOUND_MS = 30_000;

describe('fault 7: 1,000 tampered messages among good ones', () => {
  let clinic: FaultClinic;
  beforeAll(async () => {
    // Billing starts after the poison is in its queue.
    clinic = await FaultClinic.start('07-poison-flood', ['emr', 'scheduling', 'prescription']);
  });
  afterAll(() => clinic?.stop());

  it('dead-letters every tampered copy with a reason while good records flow', async () => {
    const sqs = clinic.env.messaging.runtime('fault-poisoner').clients.sqs;
    const { queue, dlq } = clinic.queueNames('billing');
    const queueUrl = await clinic.env.messaging.runtime('fault-poisoner').queueUrl(queue);
    const dlqUrl = await clinic.env.messaging.runtime('fault-poisoner').queueUrl(dlq);
    const patient = await clinic.canaryPatient();
    const first = await clinic.burst(patient, 1);

    // A genuine message to tamper with, left on the queue for Billing afterwards.
    let genuine: Message | undefined;
    await clinic.waitUntil('a message in Billing queue', async () => {
      const out = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
      );
      genuine = out.Messages?.[0];
      return genuine !== undefined;
    });
    // Put it back (as a new message: same body, same attributes) for Billing to handle later.
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: genuine!.Body!,
        MessageAttributes: genuine!.MessageAttributes,
      }),
    );
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: genuine!.ReceiptHandle! }));
    const body = Buffer.from(genuine!.Body!, 'base64');
    for (let i = 0; i < POISON; i += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: 10 }, (_, j) => {
            const tampered = Buffer.from(body);
            // One flipped bit somewhere past the header: the authenticated ciphertext or tag.
            const at = body.length - 1 - ((i + j) % Math.floor(body.length / 2));
            tampered[at] ^= 1 << ((i + j) % 8);
            return {
              Id: String(j),
              MessageBody: tampered.toString('base64'),
              MessageAttributes: genuine!.MessageAttributes,
            };
          }),
        }),
      );
    }
    const t0 = Date.now();
    await clinic.startApp('billing');
    const good = await clinic.burst(patient, GOOD, { concurrency: 2 });
    const accepted = [...first.accepted, ...good.accepted];
    const tally = await clinic.waitForEffects(accepted, 120_000);
    const allGoodMs = Date.now() - t0;
    await clinic.waitUntil(
      'every tampered copy dead-lettered',
      async () => (await clinic.depth(dlq)) >= POISON,
      120_000,
    );
    const poisonMs = Date.now() - t0;
    const left = await clinic.waitQuiet();
    const latencies = (
      await Promise.all(
        good.accepted.map(async (id) => {
          const [{ at }] = await clinic.query<{ at: Date }>(
            'emr',
            'SELECT created_at AS at FROM medical_records WHERE id = $1',
            [id],
          );
          const [{ done }] = await clinic.query<{ done: Date }>(
            'billing',
            'SELECT created_at AS done FROM invoices WHERE record_id = $1',
            [id],
          );
          return done.getTime() - at.getTime();
        }),
      )
    ).sort((a, b) => a - b);
    const p95 = latencies[Math.floor(latencies.length * 0.95)];
    const max = latencies[latencies.length - 1];

    // Read the dead-letter queue: every copy carries a reason code.
    const reasons = new Map<string, number>();
    for (let seen = 0; seen < POISON;) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          VisibilityTimeout: 300,
          WaitTimeSeconds: 1,
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      for (const m of messages) {
        const code = m.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue ?? '(none)';
        reasons.set(code, (reasons.get(code) ?? 0) + 1);
      }
      seen += messages.length;
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: dlqUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    const final = await clinic.tally(accepted);
    recordResult(
      resultOf(
        clinic,
        `7. ${POISON} tampered + ${accepted.length} good records`,
        final,
        allGoodMs,
        `good latency p95 ${p95} ms, max ${max} ms; all poison dead-lettered in ${poisonMs} ms; reasons ${JSON.stringify(Object.fromEntries(reasons))}`,
      ),
    );

    expect(good.refused).toEqual([]);
    expect(tally.observed).toBe(tally.expected);
    expect(final).toMatchObject({ records: GOOD + 1, lost: 0, duplicated: 0 });
    expect(max).toBeLessThan(GOOD_LATENCY_BOUND_MS);
    expect(left).toEqual({ queued: 0, deadLettered: POISON });
    expect([...reasons.values()].reduce((a, b) => a + b, 0)).toBe(POISON);
    expect(reasons.get('(none)')).toBeUndefined();
    expect([...reasons.keys()].every((code) => /^[A-Z_]+$/.test(code))).toBe(true);
  });
});
