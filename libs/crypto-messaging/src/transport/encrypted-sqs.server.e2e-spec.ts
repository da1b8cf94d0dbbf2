/**
 * Transport behaviour on the embedded stack: retries with backoff, the visibility heartbeat,
 * concurrency beyond SQS's 10 per receive, and handler-signalled dead-lettering.
 */
import {
  DeadLetterException,
  SqsDeliveryPolicy,
  type EncryptedPublisher,
  type EncryptedSqsServer,
} from '@app/crypto-messaging';
import {
  HandlerSpy,
  orderEventsTopology,
  OrderPlacedV1Event,
  orderPlaced,
  startMessagingTestStack,
  syntheticOrder,
  type MessagingTestStack,
} from '@app/crypto-messaging/testing';
import type { ConsumerTuning } from '../messaging.runtime';

describe('EncryptedSqsServer on the embedded stack', () => {
  let stack: MessagingTestStack;
  let publisher: EncryptedPublisher;
  const servers: EncryptedSqsServer[] = [];

  beforeAll(async () => {
    stack = (await startMessagingTestStack('embedded', orderEventsTopology()))!;
    publisher = await stack.runtime('orders').publisher();
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  afterAll(() => stack?.stop());

  async function consumer(handler: (data: unknown) => Promise<void>, tuning: ConsumerTuning = {}) {
    const server = await stack.runtime('shipping').consumerServer('shipping', [OrderPlacedV1Event], {
      waitTimeS: 1,
      ...tuning,
    });
    server.addHandler(OrderPlacedV1Event.pattern, handler, true);
    const spy = HandlerSpy.attach(server);
    server.listen(() => undefined);
    servers.push(server);
    return { server, spy };
  }

  const publishOne = async () => {
    return (await publisher.publish(orderPlaced(syntheticOrder()))).eventId;
  };

  it('retries a failed handler later with backoff, then acks it', async () => {
    let calls = 0;
    const { spy } = await consumer(
      () => {
        calls++;
        return calls === 1 ? Promise.reject(new Error('database briefly unavailable')) : Promise.resolve();
      },
      { retryBaseDelayS: 1 },
    );
    const eventId = await publishOne();
    const retry = await spy.waitFor((o) => o.eventId === eventId && o.outcome === 'retry');
    expect(retry.receiveCount).toBe(1);
    const acked = await spy.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');
    expect(acked.receiveCount).toBe(2);
    expect(calls).toBe(2);
  });

  it("keeps a slow handler's message invisible with a heartbeat: no second delivery", async () => {
    let calls = 0;
    const { spy } = await consumer(
      async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 3_500));
      },
      { visibilityTimeoutS: 2 },
    );
    const eventId = await publishOne();
    const acked = await spy.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');
    expect(acked.receiveCount).toBe(1);
    expect(calls).toBe(1);
  });

  it('runs more than ten handlers at once when concurrency allows', async () => {
    let running = 0;
    let peak = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { spy } = await consumer(
      async () => {
        peak = Math.max(peak, ++running);
        await gate;
        running--;
      },
      { concurrency: 25 },
    );
    const orders = Array.from({ length: 25 }, () => syntheticOrder());
    await publisher.publishBatch(orders.map((o) => orderPlaced(o)));
    const deadline = Date.now() + 15_000;
    while (peak < 25 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    release();
    await spy.waitForCount((o) => o.outcome === 'acked', 25);
    expect(peak).toBe(25);
  });

  it('dead-letters a message its handler says can never succeed, without retrying', async () => {
    let calls = 0;
    const { spy } = await consumer(() => {
      calls++;
      throw new DeadLetterException('UNKNOWN_SKU', 'The SKU is not in the catalogue.');
    });
    const eventId = await publishOne();
    const outcome = await spy.waitFor((o) => o.eventId === eventId);
    expect(outcome).toMatchObject({ outcome: 'dead-lettered', code: 'UNKNOWN_SKU' });
    expect(calls).toBe(1);
  });

  it("takes a delivery policy of the adopter's, built from the queue's addresses", async () => {
    const targets: string[] = [];
    const acks: string[] = [];
    const { spy } = await consumer(() => Promise.resolve(), {
      deliveryPolicy: (target) => {
        targets.push(target.queueUrl, target.deadLetterQueueUrl);
        // The default policy does the work; this one also records what it acked.
        const policy = new SqsDeliveryPolicy(target);
        return {
          ack: async (delivery) => {
            const outcome = await policy.ack(delivery);
            acks.push(outcome.eventId ?? '');
            return outcome;
          },
          reject: (delivery, error, stage) => policy.reject(delivery, error, stage),
          drain: () => policy.drain(),
        };
      },
    });
    const eventId = await publishOne();
    await spy.waitFor((o) => o.eventId === eventId && o.outcome === 'acked');
    expect(targets).toEqual([expect.stringMatching(/shipping$/), expect.stringMatching(/shipping-dlq$/)]);
    expect(acks).toEqual([eventId]);
  });

  it('keeps polling through a broker crash and consumes what was waiting once it is back', async () => {
    const handled = new Set<string>();
    let calls = 0;
    const { spy } = await consumer(
      (data) => {
        calls++;
        handled.add((data as { orderId: string }).orderId);
        return Promise.resolve();
      },
      { visibilityTimeoutS: 5 },
    );
    const before = await publishOne();
    await spy.waitFor((o) => o.eventId === before && o.outcome === 'acked');

    // Published, then the broker dies at once: the message waits in its store on disk.
    const waiting = await publishOne();
    await stack.killBroker();
    // Long enough for several receives to fail. The bug this guards: the first failure threw
    // from the poll loop and ended it (and, unhandled, the app's process).
    await new Promise((r) => setTimeout(r, 2_500));
    await stack.restartBroker();
    const outcome = await spy.waitFor((o) => o.eventId === waiting && o.outcome === 'acked', 30_000);
    expect(outcome.outcome).toBe('acked');
    const after = await publishOne();
    await spy.waitFor((o) => o.eventId === after && o.outcome === 'acked', 30_000);
    expect(handled.size).toBe(3);
    expect(calls).toBeGreaterThanOrEqual(3);
  }, 90_000);
});
