/**
 * The library end to end, on the embedded stack (fauxqs + local key) and on moto (real KMS
 * semantics): publish -> encrypted topic -> encrypted queues -> Nest handlers, with the
 * order-events topology (shipping takes every order, invoicing the invoiceable ones). The
 * clinic's three-system fan-out is libs/clinic/src/messaging/fan-out.e2e-spec.ts.
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { ATTRIBUTE, MessagingRuntime, type EncryptedPublisher } from '@app/crypto-messaging';
import {
  eventually,
  findMotoServer,
  orderEventsTopology,
  OrderPlacedV1Event,
  orderPlaced,
  peekEvent,
  startMessagingTestStack,
  startRecordingConsumer,
  syntheticOrder,
  type MessagingTestStack,
  type OrderPlacedV1,
  type RecordingConsumer,
} from '@app/crypto-messaging/testing';

type TestStack = MessagingTestStack;
type Consumer = RecordingConsumer<OrderPlacedV1>;

const startConsumer = (stack: TestStack, name: string, concurrency = 10): Promise<Consumer> =>
  startRecordingConsumer(stack.runtime(name), name, OrderPlacedV1Event, { concurrency });

const profiles: Array<['embedded' | 'aws', jest.Describe]> = [
  ['embedded', describe],
  ['aws', findMotoServer() ? describe : describe.skip],
];

describe.each(profiles)('encrypted fan-out on the %s profile', (profile, run) => {
  run('', () => {
    let stack: TestStack;
    let publisherRuntime: MessagingRuntime;
    let publisher: EncryptedPublisher;
    let consumers: Record<string, Consumer>;

    beforeAll(async () => {
      stack = (await startMessagingTestStack(profile, orderEventsTopology()))!;
      publisherRuntime = stack.runtime('orders');
      publisher = await publisherRuntime.publisher();
      consumers = {};
      for (const name of ['shipping', 'invoicing']) consumers[name] = await startConsumer(stack, name);
    });

    afterAll(async () => {
      for (const c of Object.values(consumers ?? {})) await c.app.close();
      await stack?.stop();
    });

    const publish = (order: OrderPlacedV1, invoiceable = true) =>
      publisher.publish(orderPlaced(order, invoiceable));
    const acked = (eventId: string) => (o: { eventId?: string; outcome: string }) =>
      o.eventId === eventId && o.outcome === 'acked';

    it('fans an order out to both consumers, decrypted and validated', async () => {
      const order = syntheticOrder();
      const { eventId } = await publish(order);
      for (const c of Object.values(consumers)) await c.spy.waitFor(acked(eventId));
      for (const c of Object.values(consumers)) {
        expect(c.sink.deliveries.find((d) => d.eventId === eventId)?.data).toEqual(order);
      }
    });

    it('routes by the filter policies: an order that is not invoiceable never reaches invoicing', async () => {
      const notInvoiceable = await publish(syntheticOrder(), false);
      await consumers.shipping.spy.waitFor(acked(notInvoiceable.eventId));
      // A marker published after it: once it arrived everywhere, the filtered one would have too.
      const marker = await publish(syntheticOrder());
      for (const c of Object.values(consumers)) await c.spy.waitFor(acked(marker.eventId));
      expect(consumers.invoicing.spy.outcomes.some((o) => o.eventId === notInvoiceable.eventId)).toBe(false);
    });

    it('keeps ciphertext at rest: a plain SQS client sees no plaintext body, and readable attributes free of personal data', async () => {
      // Stop invoicing so the message stays in its queue for the peek.
      await consumers.invoicing.app.close();
      const order = syntheticOrder();
      const { eventId } = await publish(order);
      const sqs = stack.runtime('peek').clients.sqs;
      const queueUrl = stack.provisioned.queues.invoicing.url;
      const peeked = await peekEvent(sqs, queueUrl, eventId);
      expect(peeked).toBeDefined();
      const body = Buffer.from(peeked!.body, 'base64');
      for (const secret of [order.shipTo.name, order.shipTo.street, order.shipTo.city, order.lines[0].sku]) {
        expect(peeked!.body).not.toContain(secret);
        expect(body.includes(Buffer.from(secret))).toBe(false);
      }
      expect(peeked!.attributes).toEqual({
        'event-type': 'order.placed',
        'schema-version': '1',
        'event-id': eventId,
        invoiceable: 'true',
      });
      const queue = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['KmsMasterKeyId'] }),
      );
      expect(queue.Attributes?.KmsMasterKeyId).toBeTruthy();
      consumers.invoicing = await startConsumer(stack, 'invoicing');
      await consumers.invoicing.spy.waitFor(acked(eventId));
    });

    it.each([
      ['a tampered body', (body: string) => flipByte(body), 'DECRYPT_FAILED'],
      ['a body under another key', 'other-key', 'DECRYPT_FAILED'],
      ['a mismatched encryption context', 'other-context', 'CONTEXT_MISMATCH'],
    ] as const)('dead-letters %s without calling the handler, and keeps going', async (_, tamper, code) => {
      const { shipping } = consumers;
      const before = shipping.sink.deliveries.length;
      const order = syntheticOrder();
      const eventId = crypto.randomUUID();
      let body: string;
      if (tamper === 'other-key') {
        const foreign = await foreignPublisher(stack, profile);
        body = await sealedBody(foreign, order, eventId, stack);
      } else if (tamper === 'other-context') {
        body = await sealedBody(publisher, order, eventId, stack, { topic: 'some-other-topic' });
      } else {
        body = tamper(await sealedBody(publisher, order, eventId, stack));
      }
      const sqs = stack.runtime('attacker').clients.sqs;
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.provisioned.queues.shipping.url,
          MessageBody: body,
          MessageAttributes: attributesFor(eventId),
        }),
      );
      const outcome = await shipping.spy.waitFor((o) => o.eventId === eventId);
      expect(outcome).toMatchObject({ outcome: 'dead-lettered', code });
      expect(shipping.sink.deliveries.length).toBe(before);
      const dlq = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: stack.provisioned.queues.shipping.dlqUrl,
          MessageAttributeNames: ['All'],
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      const copy = dlq.Messages?.find(
        (m) => m.MessageAttributes?.[ATTRIBUTE.eventId]?.StringValue === eventId,
      );
      expect(copy?.Body).toBe(body);
      expect(copy?.MessageAttributes?.['dead-letter-reason']?.StringValue).toBe(code);
      // ... and the consumer keeps going.
      const next = await publish(syntheticOrder());
      await shipping.spy.waitFor(acked(next.eventId));
    });

    it('drains on shutdown: messages in flight finish, none is lost', async () => {
      const c = await startConsumer(stack, 'shipping', 20);
      await consumers.shipping.app.close();
      consumers.shipping = c;
      let release!: () => void;
      c.sink.hold = new Promise<void>((resolve) => (release = resolve));
      const outcomes = await publisher.publishBatch(
        Array.from({ length: 30 }, () => orderPlaced(syntheticOrder())),
      );
      const ids = new Set(outcomes.map((o) => o.eventId));
      expect(outcomes.every((o) => o.ok)).toBe(true);
      // Wait until handlers are busy, then close while they are in flight.
      await eventually('handlers in flight', () => c.server.inFlightCount > 0, undefined, 15_000);
      const closing = c.app.close();
      release();
      await closing;
      const handledBeforeClose = c.sink.deliveries.filter((d) => ids.has(d.eventId)).length;
      expect(c.spy.count('acked')).toBe(handledBeforeClose);
      // Whatever was not received before the close is still in the queue: a new consumer gets it.
      const next = await startConsumer(stack, 'shipping');
      consumers.shipping = next;
      await eventually(
        'every event handled by the old or the new consumer',
        () =>
          new Set(
            [...c.sink.deliveries, ...next.sink.deliveries]
              .filter((d) => ids.has(d.eventId))
              .map((d) => d.eventId),
          ).size === ids.size,
        undefined,
        20_000,
      );
    });
  });
});

function flipByte(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[bytes.length - 20] ^= 0xff;
  return bytes.toString('base64');
}

function attributesFor(eventId: string) {
  return {
    [ATTRIBUTE.eventType]: { DataType: 'String', StringValue: OrderPlacedV1Event.type },
    [ATTRIBUTE.schemaVersion]: { DataType: 'String', StringValue: '1' },
    [ATTRIBUTE.eventId]: { DataType: 'String', StringValue: eventId },
  };
}

/** An envelope sealed like the publisher does, optionally under another context. */
async function sealedBody(
  source: EncryptedPublisher | { encrypt(b: Buffer, c: Record<string, string>): Promise<Buffer> },
  order: OrderPlacedV1,
  eventId: string,
  stack: TestStack,
  contextOverride: Record<string, string> = {},
): Promise<string> {
  const envelope = {
    id: eventId,
    type: OrderPlacedV1Event.type,
    version: 1,
    occurredAt: new Date().toISOString(),
    data: order,
  };
  const context = {
    topic: stack.provisioned.topicArn.split(':').pop()!,
    'event-type': OrderPlacedV1Event.type,
    'schema-version': '1',
    ...contextOverride,
  };
  const cipher = 'encrypt' in source ? source : await stack.runtime('sealer').cipher();
  return (await cipher.encrypt(Buffer.from(JSON.stringify(envelope)), context)).toString('base64');
}

/** A cipher under a key the consumers do not have: a random local key, or a second KMS key. */
async function foreignPublisher(stack: TestStack, profile: 'embedded' | 'aws') {
  const { EnvelopeCipher, KeyUseMonitor, localKeyProvider, kmsKeyProvider } =
    await import('@app/crypto-messaging');
  const monitor = new KeyUseMonitor('attacker');
  if (profile === 'embedded') {
    return new EnvelopeCipher({
      keys: localKeyProvider(randomBytes(32), 'shop-orders', monitor),
      monitor,
    });
  }
  const kms = stack.runtime('attacker-kms').clients.kms;
  const other = await kms.createKey({ Description: 'foreign key for the tamper test' });
  return new EnvelopeCipher({ keys: await kmsKeyProvider(kms, other.KeyMetadata!.Arn!, monitor), monitor });
}
