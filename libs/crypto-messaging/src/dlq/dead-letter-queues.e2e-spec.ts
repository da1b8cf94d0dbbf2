/**
 * The dead-letter tooling against real brokers (fauxqs with persistence, and moto): messages are
 * dead-lettered the two real ways (SQS's redrive after maxReceiveCount, and the transport on a
 * handler's DeadLetterException), then listed, shown, decrypted (audited), redriven and purged.
 */
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  DeadLetterError,
  DeadLetterErrorCode,
  DeadLetterException,
  DeadLetterQueues,
  MAX_RECEIVES_REASON,
  type DeadLetterAccessAudit,
  type EncryptedPublisher,
  type EncryptedSqsServer,
  type MessagingRuntime,
} from '@app/crypto-messaging';
import {
  eventually,
  HandlerSpy,
  orderEventsTopology,
  OrderPlacedV1Event,
  orderPlaced,
  startMessagingTestStack,
  syntheticOrder,
  type MessagingTestStack,
} from '@app/crypto-messaging/testing';

/** One receive without a delete is enough for SQS to dead-letter on the next. */
const base = orderEventsTopology();
const topology = { ...base, queues: base.queues.map((q) => ({ ...q, maxReceiveCount: 1 })) };

/** The synthetic addressee's personal data, which must never appear in tool output or audit records. */
const PHI = ['Test Addressee', '1 Example Way', 'Sampletown'];
const expectNoPhi = (value: unknown) => {
  const text = JSON.stringify(value);
  for (const phi of PHI) expect(text).not.toContain(phi);
};

describe.each(['embedded', 'aws'] as const)('DeadLetterQueues on the %s profile', (profile) => {
  let stack: MessagingTestStack;
  let runtime: MessagingRuntime;
  let publisher: EncryptedPublisher;
  let server: EncryptedSqsServer;
  let spy: HandlerSpy;
  let dlq: DeadLetterQueues;
  const audits: DeadLetterAccessAudit[] = [];
  /** Orders whose handler says "never": the transport dead-letters them. */
  const poison = new Set<string>();
  /** Handler runs per order id. */
  const handled = new Map<string, number>();
  const orderOf = new Map<string, string>();

  beforeAll(async () => {
    const started = await startMessagingTestStack(profile, topology);
    if (!started) throw new Error('moto_server is required for the aws profile (moto 5.2.1)');
    stack = started;
    runtime = stack.runtime('dlq-test');
    publisher = await stack.runtime('orders').publisher();
    dlq = DeadLetterQueues.fromRuntime(runtime, { actor: 'test-actor', audit: (a) => audits.push(a) });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await stack?.stop();
  });

  const publish = async () => {
    const order = syntheticOrder();
    const { eventId } = await publisher.publish(orderPlaced(order));
    orderOf.set(eventId, order.orderId);
    return eventId;
  };
  const listed = async (consumer?: string) => (await dlq.list(consumer)).messages;
  const eventIdsIn = async (consumer?: string) => (await listed(consumer)).map((m) => m.eventId).sort();

  let maxReceives: string;
  let unknownSku: string[];

  it('sees what SQS redrive and the transport dead-lettered, with reasons and no PHI', async () => {
    // SQS's redrive: received once and not deleted, the next receive moves it.
    const sqs = runtime.clients.sqs;
    const sourceUrl = await runtime.queueUrl('shop-shipping');
    maxReceives = await publish();
    await eventually('SQS to move the message to the dead-letter queue', async () => {
      await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: sourceUrl, VisibilityTimeout: 0, WaitTimeSeconds: 1 }),
      );
      return (await eventIdsIn('shipping')).includes(maxReceives);
    });

    // The transport: the handler says this can never succeed.
    server = await runtime.consumerServer('shipping', [OrderPlacedV1Event], { waitTimeS: 1 });
    server.addHandler(
      OrderPlacedV1Event.pattern,
      (data: { orderId: string }) => {
        handled.set(data.orderId, (handled.get(data.orderId) ?? 0) + 1);
        if (poison.has(data.orderId)) {
          throw new DeadLetterException('UNKNOWN_SKU', 'The SKU is not in the catalogue.');
        }
        return Promise.resolve();
      },
      true,
    );
    spy = HandlerSpy.attach(server);
    server.listen(() => undefined);
    unknownSku = [];
    for (let i = 0; i < 2; i++) {
      const order = syntheticOrder();
      poison.add(order.orderId);
      const { eventId } = await publisher.publish(orderPlaced(order));
      orderOf.set(eventId, order.orderId);
      unknownSku.push(eventId);
    }
    await spy.waitForCount((o) => o.outcome === 'dead-lettered', 2);

    const messages = await eventually(
      'three dead letters',
      () => listed('shipping'),
      (m) => m.length === 3,
    );
    const byId = new Map(messages.map((m) => [m.eventId, m]));
    expect(byId.get(maxReceives)).toMatchObject({
      consumer: 'shipping',
      queue: 'shop-shipping-dlq',
      sourceQueue: 'shop-shipping',
      eventType: 'order.placed',
      schemaVersion: '1',
      reason: MAX_RECEIVES_REASON,
    });
    for (const id of unknownSku) expect(byId.get(id)).toMatchObject({ reason: 'UNKNOWN_SKU' });
    for (const m of messages) {
      expect(m.receiveCount).toBeGreaterThanOrEqual(1);
      expect(Date.parse(m.sentAt!)).not.toBeNaN();
      expect(Date.parse(m.firstReceivedAt!)).not.toBeNaN();
    }
    expectNoPhi(messages);
    // Nothing reached the other queues' dead-letter queues.
    expect(await listed('invoicing')).toEqual([]);
  });

  it('lists without consuming: a second listing of every queue sees the same messages', async () => {
    expect(await eventIdsIn()).toEqual([maxReceives, ...unknownSku].sort());
    expect(await eventIdsIn()).toEqual([maxReceives, ...unknownSku].sort());
  });

  it('shows metadata by default, and decrypts only on request, with an audit record and no PHI in it', async () => {
    const [id] = unknownSku;
    const plain = await dlq.show(id);
    expect(plain.summary).toMatchObject({ eventId: id, reason: 'UNKNOWN_SKU' });
    expect(plain.event).toBeUndefined();
    expect(audits).toHaveLength(0);

    const detail = await dlq.show(id, { decrypt: true, consumer: 'shipping' });
    expect(detail.attributesMatch).toBe(true);
    expect(detail.event).toMatchObject({
      id,
      type: 'order.placed',
      data: { orderId: orderOf.get(id) },
    });
    expect(audits).toEqual([
      expect.objectContaining({
        action: 'dead-letter.decrypt',
        actor: 'test-actor',
        eventId: id,
        queue: 'shop-shipping-dlq',
        outcome: 'ok',
      }),
    ]);
    expect(Date.parse(audits[0].at)).not.toBeNaN();
    expectNoPhi(audits);
    // Showing does not consume either.
    await eventually(
      'the shown message to be listed again',
      () => eventIdsIn('shipping'),
      (ids) => ids.includes(id),
    );
  });

  it('names what is wrong: an unknown id, an unknown queue, an id that is not an id', async () => {
    await expect(dlq.show('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: DeadLetterErrorCode.NotFound,
    });
    const unknown = await dlq.list('billing').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(DeadLetterError);
    expect(unknown).toMatchObject({ code: DeadLetterErrorCode.UnknownQueue });
    expect((unknown as Error).message).toContain('shipping, invoicing');
    await expect(dlq.show('Test Addressee')).rejects.toMatchObject({ code: DeadLetterErrorCode.InvalidId });
  });

  it('redrives only the ids asked for; the consumer then handles each once', async () => {
    const [first] = unknownSku;
    poison.delete(orderOf.get(first)!);
    const result = await dlq.redrive('shipping', { ids: [first, '11111111-1111-4111-8111-111111111111'] });
    expect(result.queues).toEqual([
      expect.objectContaining({
        queue: 'shop-shipping-dlq',
        method: 'copy',
        moved: 1,
        sentNotDeleted: 0,
        failed: 0,
      }),
    ]);
    expect(result.notFound).toEqual(['11111111-1111-4111-8111-111111111111']);
    await spy.waitFor((o) => o.eventId === first && o.outcome === 'acked');
    expect(handled.get(orderOf.get(first)!)).toBe(2); // once dead-lettered, once handled
    expect(
      await eventually(
        'the others to stay',
        () => eventIdsIn('shipping'),
        (ids) => ids.length === 2,
      ),
    ).toEqual([maxReceives, unknownSku[1]].sort());
  });

  it('loses nothing when a send fails, or when it dies between sending back and deleting (a failing delete)', async () => {
    const second = unknownSku[1];
    poison.delete(orderOf.get(second)!);
    const sqs = runtime.clients.sqs;
    const failing = (what: new (...args: never[]) => unknown) =>
      ({
        send: (command: unknown, ...rest: unknown[]) =>
          command instanceof what
            ? Promise.reject(Object.assign(new Error('simulated crash'), { name: 'SimulatedCrash' }))
            : (sqs.send as (...a: unknown[]) => Promise<unknown>)(command, ...rest),
      }) as unknown as SQSClient;
    const withFailing = (what: new (...args: never[]) => unknown) =>
      DeadLetterQueues.fromRuntime(runtime, {
        actor: 'test-actor',
        audit: () => undefined,
        sqs: failing(what),
      });

    // The send fails: nothing was deleted, the message stays where it was.
    const unsent = await withFailing(SendMessageCommand).redrive('shipping', { ids: [second] });
    expect(unsent.queues[0]).toMatchObject({ moved: 0, sentNotDeleted: 0, failed: 1 });
    await eventually(
      'the unsent message to stay',
      () => eventIdsIn('shipping'),
      (ids) => ids.includes(second),
    );

    // The delete fails after the send (a crash in between).
    const result = await withFailing(DeleteMessageCommand).redrive('shipping', { ids: [second] });
    expect(result.queues[0]).toMatchObject({ moved: 0, sentNotDeleted: 1, failed: 0 });
    // Sent: the consumer gets it ...
    await spy.waitFor((o) => o.eventId === second && o.outcome === 'acked');
    // ... and it is still in the dead-letter queue: duplicated at worst, never lost.
    await eventually(
      'the copy to stay in the dead-letter queue',
      () => eventIdsIn('shipping'),
      (ids) => ids.includes(second),
    );
  });

  it('redrives a whole queue by copying (neither emulator has StartMessageMoveTask)', async () => {
    const acked = spy.count('acked');
    const result = await dlq.redrive('shipping');
    expect(result.queues).toEqual([
      expect.objectContaining({ method: 'copy', moved: 2, sentNotDeleted: 0, failed: 0 }),
    ]);
    await spy.waitForCount((o) => o.outcome === 'acked', acked + 2);
    expect(handled.get(orderOf.get(maxReceives)!)).toBe(1);
    expect(await eventIdsIn('shipping')).toEqual([]);
  });

  it('purges a queue', async () => {
    const order = syntheticOrder();
    poison.add(order.orderId);
    const { eventId } = await publisher.publish(orderPlaced(order));
    await spy.waitFor((o) => o.eventId === eventId && o.outcome === 'dead-lettered');
    await eventually(
      'the dead letter to be listed',
      () => eventIdsIn('shipping'),
      (ids) => ids.length === 1,
    );
    const [report] = await dlq.purge('shipping');
    expect(report).toMatchObject({
      consumer: 'shipping',
      queue: 'shop-shipping-dlq',
      approximateMessages: 1,
    });
    expect(await eventIdsIn('shipping')).toEqual([]);
  });
});
