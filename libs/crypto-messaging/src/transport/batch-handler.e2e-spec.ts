/**
 * Batch handlers on the embedded stack, through Nest: an `@EventBatchPattern` controller gets a
 * received group in one call; the failures map it returns decides each event's fate (retry,
 * dead-letter), and a throw (through Nest's RPC exception filter) retries them all.
 */
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  DEAD_LETTER_REASON_ATTRIBUTE,
  DeadLetterException,
  EventBatchPattern,
  SqsBatchContext,
  queueOf,
  type BatchFailures,
  type EncryptedPublisher,
} from '@app/crypto-messaging';
import {
  HandlerSpy,
  orderEventsTopology,
  OrderPlacedV1Event,
  orderPlaced,
  peekEvent,
  startMessagingTestStack,
  syntheticOrder,
  type MessagingTestStack,
  type OrderPlacedV1,
} from '@app/crypto-messaging/testing';

/** What the controller does with a batch: set by each test. */
let behaviour: (payloads: OrderPlacedV1[], ctx: SqsBatchContext) => Promise<BatchFailures | void>;

@Controller()
class OrdersBatchController {
  @EventBatchPattern(OrderPlacedV1Event)
  onOrders(@Payload() payloads: OrderPlacedV1[], @Ctx() ctx: SqsBatchContext): Promise<BatchFailures | void> {
    return behaviour(payloads, ctx);
  }
}

@Module({ controllers: [OrdersBatchController] })
class OrdersBatchModule {}

describe('Batch handlers on the embedded stack', () => {
  let stack: MessagingTestStack;
  let publisher: EncryptedPublisher;
  let app: INestMicroservice | undefined;

  beforeAll(async () => {
    stack = (await startMessagingTestStack('embedded', orderEventsTopology()))!;
    publisher = await stack.runtime('orders').publisher();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(() => stack?.stop());

  async function consume(): Promise<HandlerSpy> {
    const server = await stack
      .runtime('shipping')
      .consumerServer('shipping', [OrderPlacedV1Event], { waitTimeS: 1, retryBaseDelayS: 1 });
    const spy = HandlerSpy.attach(server);
    app = await NestFactory.createMicroservice(OrdersBatchModule, { strategy: server, logger: false });
    await app.listen();
    return spy;
  }

  async function publish(n: number): Promise<string[]> {
    const outcomes = await publisher.publishBatch(
      Array.from({ length: n }, () => orderPlaced(syntheticOrder())),
    );
    return outcomes.map((o) => o.eventId);
  }

  it('hands ten waiting events to the handler in one call, then deletes them', async () => {
    const ids = await publish(10);
    const calls: string[][] = [];
    behaviour = (payloads, ctx) => {
      expect(payloads).toHaveLength(ctx.deliveries.length);
      calls.push(ctx.getEventIds());
      return Promise.resolve();
    };
    const spy = await consume();
    await spy.waitForCount((o) => o.outcome === 'acked', 10);
    expect(calls).toHaveLength(1);
    expect([...calls[0]].sort()).toEqual([...ids].sort());
  });

  it('retries only the event in the failures map; the others are deleted on their first receive', async () => {
    const ids = await publish(5);
    const failing = ids[2];
    const calls: string[][] = [];
    behaviour = (_payloads, ctx) => {
      calls.push(ctx.getEventIds());
      const failures = new Map<string, unknown>();
      if (calls.length === 1) failures.set(failing, new Error('row locked'));
      return Promise.resolve(failures);
    };
    const spy = await consume();
    const acked = await spy.waitForCount((o) => o.outcome === 'acked', 5);
    expect(spy.outcomes.filter((o) => o.outcome === 'retry').map((o) => o.eventId)).toEqual([failing]);
    for (const o of acked) expect(o.receiveCount).toBe(o.eventId === failing ? 2 : 1);
    expect(calls.at(-1)).toEqual([failing]);
  });

  it('dead-letters only the event failed with a DeadLetterException, with its reason', async () => {
    const ids = await publish(4);
    const poison = ids[1];
    behaviour = () => Promise.resolve(new Map([[poison, new DeadLetterException('UNKNOWN_SKU', 'never')]]));
    const spy = await consume();
    await spy.waitForCount((o) => o.outcome !== 'retry', 4);
    expect(spy.outcomes.find((o) => o.eventId === poison)).toMatchObject({ outcome: 'dead-lettered' });
    expect(spy.count('acked')).toBe(3);
    const runtime = stack.runtime('shipping');
    const dlq = await runtime.queueUrl(queueOf(runtime.topology, 'shipping').deadLetterQueueName);
    const copy = await peekEvent(runtime.clients.sqs, dlq, poison);
    expect(copy?.attributes[DEAD_LETTER_REASON_ATTRIBUTE]).toBe('UNKNOWN_SKU');
  });

  it('retries every event of the batch when the handler throws, then acks them', async () => {
    const ids = await publish(3);
    let calls = 0;
    behaviour = () => (++calls === 1 ? Promise.reject(new Error('database down')) : Promise.resolve());
    const spy = await consume();
    const acked = await spy.waitForCount((o) => o.outcome === 'acked', 3, 20_000);
    expect(
      spy.outcomes
        .filter((o) => o.outcome === 'retry')
        .map((o) => o.eventId)
        .sort(),
    ).toEqual([...ids].sort());
    expect(acked.every((o) => o.receiveCount === 2)).toBe(true);
  });
});
