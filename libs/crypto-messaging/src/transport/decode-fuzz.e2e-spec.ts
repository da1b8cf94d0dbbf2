/**
 * Property: whatever arrives on a queue (random bytes, text, truncated or oversized envelopes,
 * envelopes under the wrong encryption context, plaintexts that are not an event, random or
 * missing attributes), the consumer never crashes, never calls the handler, and moves the
 * message to the dead-letter queue at once with a reason code.
 */
import { ReceiveMessageCommand, SendMessageCommand, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import {
  HandlerSpy,
  orderEventsTopology,
  OrderPlacedV1Event,
  startMessagingTestStack,
  syntheticOrder,
  type MessagingTestStack,
} from '@app/crypto-messaging/testing';
import type { EnvelopeCipher } from '../crypto/envelope.cipher';
import { MessagingErrorCode } from '../errors/messaging.error';
import { contextFor } from '../events/encryption-context';
import type { MessagingRuntime } from '../messaging.runtime';
import { queueOf } from '../topology/topology.lookup';
import { ATTRIBUTE } from '../topology/message-attributes';
import { DEAD_LETTER_REASON_ATTRIBUTE, type EncryptedSqsServer } from './encrypted-sqs.server';

const NUM_RUNS = 120;
const TIME_LIMIT_MS = 20_000;
const POISON_CODES = new Set<string>([
  MessagingErrorCode.InvalidEvent,
  MessagingErrorCode.DecryptFailed,
  MessagingErrorCode.ContextMismatch,
]);

/** What goes on the queue: a body and its attributes, each possibly broken. */
interface Delivery {
  body: string;
  attributes: Record<string, string>;
}

describe('EncryptedSqsServer decoding random deliveries (embedded)', () => {
  let stack: MessagingTestStack;
  let runtime: MessagingRuntime;
  let cipher: EnvelopeCipher;
  let server: EncryptedSqsServer;
  let spy: HandlerSpy;
  let queueUrl: string;
  let deadLetterQueueUrl: string;
  let handled = 0;
  const topicName = () => runtime.topology.topic.name;

  beforeAll(async () => {
    // One 'dead-lettered' warning per delivery is the expected outcome here, not news.
    Logger.overrideLogger(['error']);
    stack = (await startMessagingTestStack('embedded', orderEventsTopology()))!;
    runtime = stack.runtime('shipping');
    cipher = await runtime.cipher();
    const queue = queueOf(runtime.topology, 'shipping');
    queueUrl = await runtime.queueUrl(queue.name);
    deadLetterQueueUrl = await runtime.queueUrl(queue.deadLetterQueueName);
    server = await runtime.consumerServer('shipping', [OrderPlacedV1Event], {
      waitTimeS: 1,
      retryBaseDelayS: 60,
    });
    server.addHandler(
      OrderPlacedV1Event.pattern,
      () => {
        handled++;
        return Promise.resolve();
      },
      true,
    );
    spy = HandlerSpy.attach(server);
    server.listen(() => undefined);
  });
  afterAll(async () => {
    await server?.close();
    await stack?.stop();
  });

  const goodAttributes = (id: string): Record<string, string> => ({
    [ATTRIBUTE.eventType]: OrderPlacedV1Event.type,
    [ATTRIBUTE.schemaVersion]: String(OrderPlacedV1Event.version),
    [ATTRIBUTE.eventId]: id,
  });
  const seal = async (plaintext: string, context = contextFor(topicName(), OrderPlacedV1Event)) =>
    (await cipher.encrypt(Buffer.from(plaintext, 'utf8'), context)).toString('base64');
  const envelope = (id: string, data: unknown, overrides: Record<string, unknown> = {}) =>
    JSON.stringify({
      id,
      type: OrderPlacedV1Event.type,
      version: OrderPlacedV1Event.version,
      occurredAt: new Date().toISOString(),
      data,
      ...overrides,
    });

  // Attribute names SQS accepts, values it accepts (printable), some of them ours.
  const attributeName = fc.oneof(
    fc.constantFrom(...Object.values(ATTRIBUTE)),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
  );
  const attributeValue = fc.oneof(
    fc.constantFrom(OrderPlacedV1Event.type, String(OrderPlacedV1Event.version), '0', '2', 'x'),
    fc.string({ minLength: 1, maxLength: 80 }),
    fc.uuid(),
  );
  const randomAttributes = fc.dictionary(attributeName, attributeValue, { maxKeys: 8 });
  /** The right attributes with one removed or changed, or random ones. */
  const attributesFor = (id: string) =>
    fc.oneof(
      fc.constant(goodAttributes(id)),
      fc.constantFrom(...Object.keys(goodAttributes(id))).chain((name) =>
        fc.oneof(
          fc.constant(Object.fromEntries(Object.entries(goodAttributes(id)).filter(([k]) => k !== name))),
          attributeValue.map((value) => ({ ...goodAttributes(id), [name]: value })),
        ),
      ),
      randomAttributes,
    );

  /** Deliveries with at least one defect each (a valid one would reach the handler). */
  const delivery: fc.Arbitrary<() => Promise<Delivery>> = fc.uuid().chain((id) =>
    fc.oneof(
      // Random bytes as base64, any attributes.
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 4_096 }), attributesFor(id)).map(
        ([bytes, attributes]) =>
          () =>
            Promise.resolve({ body: Buffer.from(bytes).toString('base64'), attributes }),
      ),
      // Text that is not base64 at all.
      fc.tuple(fc.string({ minLength: 1, maxLength: 300 }), attributesFor(id)).map(
        ([body, attributes]) =>
          () =>
            Promise.resolve({ body, attributes }),
      ),
      // A valid envelope cut short (or with bytes flipped), with the right attributes.
      fc.tuple(fc.integer({ min: 0, max: 2_000 }), fc.boolean()).map(([cut, flip]) => async () => {
        const sealed = Buffer.from(await seal(envelope(id, syntheticOrder())), 'base64');
        const broken = flip ? Buffer.from(sealed) : sealed.subarray(0, Math.min(cut, sealed.length - 1));
        if (flip) broken[cut % broken.length] ^= 0xff;
        return { body: broken.toString('base64') || 'AA==', attributes: goodAttributes(id) };
      }),
      // A valid envelope under the wrong encryption context (topic, type or version).
      fc
        .record({
          topic: fc.string({ maxLength: 20 }),
          type: fc.string({ maxLength: 30 }),
          version: fc.nat(9),
        })
        .map((ctx) => async () => ({
          body: await seal(envelope(id, syntheticOrder()), {
            topic: ctx.topic === topicName() ? `${ctx.topic}x` : ctx.topic,
            [ATTRIBUTE.eventType]: ctx.type,
            [ATTRIBUTE.schemaVersion]: String(ctx.version),
          }),
          attributes: goodAttributes(id),
        })),
      // The right context, but the plaintext is not a valid event: any JSON value, an
      // envelope whose data breaks the schema, an oversized one, or an id that differs.
      fc
        .oneof(
          fc.json({ maxDepth: 4 }),
          fc.constantFrom('null', '[]', '""', '0', 'true', '{}', 'not json'),
          fc.anything({ maxDepth: 3 }).map((data) => envelope(id, data)),
          // Oversized (about 200 KB on the queue) and invalid: a 150,000-character order id.
          fc.constant(envelope(id, { ...syntheticOrder(), orderId: 'x'.repeat(150_000) })),
          fc.uuid().map((other) => envelope(other, syntheticOrder())),
          fc.constant(envelope(id, syntheticOrder(), { version: 2 })),
        )
        .map((plaintext) => async () => ({ body: await seal(plaintext), attributes: goodAttributes(id) })),
    ),
  );

  const send = async ({ body, attributes }: Delivery): Promise<string> => {
    const MessageAttributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(attributes)) {
      MessageAttributes[name] = { DataType: 'String', StringValue: value };
    }
    const sent = await runtime.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageAttributes }),
    );
    return sent.MessageId!;
  };

  it('dead-letters every malformed delivery at once with a reason code; the handler never runs', async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(delivery, async (make) => {
        const messageId = await send(await make());
        sent++;
        const outcome = await spy.waitFor((o) => o.messageId === messageId, 10_000);
        expect({ outcome: outcome.outcome, code: outcome.code, receiveCount: outcome.receiveCount }).toEqual({
          outcome: 'dead-lettered',
          code: expect.stringMatching(/^(INVALID_EVENT|DECRYPT_FAILED|CONTEXT_MISMATCH)$/) as string,
          receiveCount: 1,
        });
        expect(handled).toBe(0);
      }),
      { numRuns: NUM_RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
    expect(sent).toBeGreaterThanOrEqual(30);

    // Every one is in the dead-letter queue with its reason.
    const reasons: string[] = [];
    for (let empty = 0; empty < 2 && reasons.length < sent;) {
      const received = await runtime.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: deadLetterQueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      const messages = received.Messages ?? [];
      if (messages.length === 0) empty++;
      for (const m of messages)
        reasons.push(m.MessageAttributes?.[DEAD_LETTER_REASON_ATTRIBUTE]?.StringValue ?? '');
    }
    expect(reasons).toHaveLength(sent);
    for (const reason of reasons) expect(POISON_CODES).toContain(reason);
  }, 60_000);
});
