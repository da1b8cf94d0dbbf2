/**
 * Data-key reuse, measured: over 1,000 messages a publisher generates one data key and each
 * consumer decrypts it once; a concurrent cold start still makes one key call. On moto the
 * counts are the KMS API calls our KMS client actually sent.
 */
import {
  findMotoServer,
  HandlerSpy,
  orderEventsTopology,
  OrderPlacedV1Event,
  orderPlaced,
  startMessagingTestStack,
  syntheticOrder,
  type MessagingTestStack,
} from '@app/crypto-messaging/testing';

const MESSAGES = 1_050;
const profiles: Array<['embedded' | 'aws', jest.Describe]> = [
  ['embedded', describe],
  ['aws', findMotoServer() ? describe : describe.skip],
];

describe.each(profiles)('data-key reuse on the %s profile', (profile, run) => {
  run('over a thousand messages', () => {
    let stack: MessagingTestStack;
    beforeAll(async () => {
      stack = (await startMessagingTestStack(profile, orderEventsTopology()))!;
    });
    afterAll(() => stack?.stop());

    it(`makes one GenerateDataKey for the publisher and one Decrypt per consumer for ${MESSAGES} messages`, async () => {
      const publisherRuntime = stack.runtime('orders');
      const publisher = await publisherRuntime.publisher();
      // One consumer keeps the moto run short; every consumer has its own cache and counters.
      const consumers = await Promise.all(
        ['invoicing'].map(async (name) => {
          const runtime = stack.runtime(name);
          const server = await runtime.consumerServer(name, [OrderPlacedV1Event], {
            concurrency: 40,
            waitTimeS: 1,
          });
          server.addHandler(OrderPlacedV1Event.pattern, () => Promise.resolve(), true);
          const spy = HandlerSpy.attach(server);
          server.listen(() => undefined);
          return { runtime, server, spy };
        }),
      );
      const orders = Array.from({ length: MESSAGES }, () => syntheticOrder());
      for (let i = 0; i < orders.length; i += 100) {
        const outcomes = await publisher.publishBatch(orders.slice(i, i + 100).map((o) => orderPlaced(o)));
        expect(outcomes.filter((o) => !o.ok)).toEqual([]);
      }
      // At-least-once: a redelivered copy may be handled twice, so count distinct events.
      for (const c of consumers)
        await c.spy.waitUntil((spy) => spy.distinctEvents('acked').size >= MESSAGES, 150_000);
      for (const c of consumers) await c.server.close();

      const published = publisherRuntime.monitor.snapshot();
      expect(published).toMatchObject({
        generateDataKey: 1,
        encryptions: MESSAGES,
        encryptCacheHits: MESSAGES - 1,
      });
      for (const { runtime } of consumers) {
        expect(runtime.monitor.snapshot().decryptDataKey).toBe(1);
        expect(runtime.monitor.snapshot().decryptions).toBeGreaterThanOrEqual(MESSAGES);
      }
      if (profile === 'aws') {
        // DescribeKey resolves the alias once; then exactly one data-key call each.
        expect(published.kmsApiCalls).toEqual({ DescribeKey: 1, GenerateDataKey: 1 });
        for (const { runtime } of consumers) {
          expect(runtime.monitor.snapshot().kmsApiCalls).toEqual({ DescribeKey: 1, Decrypt: 1 });
        }
      }
    }, 240_000);

    it('makes one key call for twenty concurrent publishes on a cold cache', async () => {
      const runtime = stack.runtime('orders-cold');
      const publisher = await runtime.publisher();
      await Promise.all(
        Array.from({ length: 20 }, () => {
          return publisher.publish(orderPlaced(syntheticOrder()));
        }),
      );
      expect(runtime.monitor.snapshot().generateDataKey).toBe(1);
      if (profile === 'aws') expect(runtime.monitor.snapshot().kmsApiCalls.GenerateDataKey).toBe(1);
    });
  });
});
