/**
 * Proof of reuse: a topology that is not the clinic's (orders -> shipping, invoicing) runs
 * through provisioning, the doctor, publish and consume with the library's public API alone, on
 * the embedded broker and on moto (real KMS semantics). Nothing of the clinic is imported here.
 */
import { Controller, Inject, Module, type DynamicModule, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ReceiveMessageCommand, SendMessageCommand, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { startEmbeddedBroker } from '@app/crypto-messaging/embedded';
import {
  createAwsClients,
  EncryptedPublisher,
  EncryptedSqsServer,
  EnvelopeCipher,
  KeyUseMonitor,
  kmsKeyProvider,
  localKeyProvider,
  provisionTopology,
  runDoctor,
  SqsContext,
  type AwsClients,
  type DoctorReport,
  type ProvisionReport,
} from '@app/crypto-messaging';
import {
  findMotoServer,
  HandlerSpy,
  MOTO_CREDENTIALS,
  MOTO_REGION,
  startMotoServer,
  syntheticOrder,
} from '@app/crypto-messaging/testing';
import { ORDER_ATTRIBUTE, orderEventsTopology, OrderPlacedV1Event, type OrderPlacedV1 } from './index';

const topology = orderEventsTopology('shop');
const SINK = Symbol('sink');

interface Sink {
  readonly deliveries: Array<{ eventId: string; data: OrderPlacedV1 }>;
}

@Controller()
class OrdersController {
  constructor(@Inject(SINK) private readonly sink: Sink) {}

  @EventPattern(OrderPlacedV1Event.pattern)
  onOrderPlaced(@Payload() data: OrderPlacedV1, @Ctx() ctx: SqsContext) {
    this.sink.deliveries.push({ eventId: ctx.getEventId(), data });
  }
}

@Module({})
class ConsumerModule {
  static with(sink: Sink): DynamicModule {
    return {
      module: ConsumerModule,
      controllers: [OrdersController],
      providers: [{ provide: SINK, useValue: sink }],
    };
  }
}

interface Consumer {
  readonly app: INestMicroservice;
  readonly spy: HandlerSpy;
  readonly sink: Sink;
}

/** The SSE key's alias in the topology: the envelope is sealed under the same key. */
const keyAlias = topology.keys[0].alias;

interface Broker {
  readonly endpoint: string;
  stop(): Promise<void>;
}

const profiles: Array<['embedded' | 'aws', jest.Describe]> = [
  ['embedded', describe],
  ['aws', findMotoServer() ? describe : describe.skip],
];

describe.each(profiles)('the order-events example on the %s profile', (profile, run) => {
  run('', () => {
    let broker: Broker;
    let clients: AwsClients;
    let provisioned: ProvisionReport;
    let publisher: EncryptedPublisher;
    const consumers: Record<string, Consumer> = {};

    const acked = (eventId: string) => (o: { eventId?: string; outcome: string }) =>
      o.eventId === eventId && o.outcome === 'acked';
    const place = (order: OrderPlacedV1, billable: boolean) =>
      publisher.publish({
        event: OrderPlacedV1Event,
        data: order,
        attributes: { [ORDER_ATTRIBUTE.invoiceable]: String(billable) },
      });

    beforeAll(async () => {
      broker = profile === 'embedded' ? await startEmbeddedBroker({ port: 0 }) : (await startMotoServer())!;
      clients = createAwsClients({
        region: MOTO_REGION,
        endpoint: broker.endpoint,
        credentials: MOTO_CREDENTIALS,
      });
      provisioned = await provisionTopology({ topology, clients, profile, endpoint: broker.endpoint });
      const monitor = new KeyUseMonitor('orders');
      const keys =
        profile === 'embedded'
          ? localKeyProvider(randomBytes(32), 'orders', monitor)
          : await kmsKeyProvider(clients.kms, keyAlias, monitor);
      const cipher = new EnvelopeCipher({ keys, monitor });
      publisher = new EncryptedPublisher({
        sns: clients.sns,
        topicArn: provisioned.topicArn,
        topicName: topology.topic.name,
        cipher,
        allowedAttributes: new Set(topology.attributes),
        app: 'orders',
      });
      for (const queue of topology.queues) {
        const endpoints = provisioned.queues[queue.consumer];
        const server = new EncryptedSqsServer({
          sqs: clients.sqs,
          queueUrl: endpoints.url,
          deadLetterQueueUrl: endpoints.dlqUrl,
          topicName: topology.topic.name,
          cipher,
          events: [OrderPlacedV1Event],
          waitTimeS: 1,
          app: queue.consumer,
          queueName: queue.name,
        });
        const spy = HandlerSpy.attach(server);
        const sink: Sink = { deliveries: [] };
        const app = await NestFactory.createMicroservice(ConsumerModule.with(sink), {
          strategy: server,
          logger: false,
        });
        await app.listen();
        consumers[queue.consumer] = { app, spy, sink };
      }
    });

    afterAll(async () => {
      for (const c of Object.values(consumers)) await c.app.close();
      clients?.destroy();
      await broker?.stop();
    });

    it('provisions the topic, both queues, their dead-letter queues and subscriptions; a re-run changes nothing', async () => {
      const names = provisioned.rows.map((r) => r.resource);
      expect(names).toEqual(
        expect.arrayContaining([
          'topic shop-order-events',
          'queue shop-shipping',
          'dead-letter-queue shop-shipping-dlq',
          'queue shop-invoicing',
          'dead-letter-queue shop-invoicing-dlq',
        ]),
      );
      expect(provisioned.rows.filter((r) => r.kind === 'subscription')).toHaveLength(2);
      if (profile === 'aws') expect(names).toContain(`kms-key ${keyAlias}`);
      const again = await provisionTopology({ topology, clients, profile, endpoint: broker.endpoint });
      expect(again.rows.filter((r) => r.outcome !== 'unchanged')).toEqual([]);
    });

    it('passes the doctor: nothing fails, and the only warnings are what an emulator cannot enforce', async () => {
      const report: DoctorReport = await runDoctor({ topology, clients, profile, endpoint: broker.endpoint });
      expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
      expect(report.ok).toBe(true);
      const emulatorOnly =
        profile === 'embedded' ? ['endpoint.enforcement', 'key.kms'] : ['endpoint.enforcement'];
      const warnings = report.checks.filter((c) => c.status === 'warn').map((c) => c.id);
      expect([...new Set(warnings)].sort()).toEqual(emulatorOnly.sort());
      // The doctor checked this topology's resources, not some other one.
      const resources = new Set(report.checks.map((c) => c.resource));
      for (const resource of ['topic shop-order-events', 'queue shop-shipping', 'queue shop-invoicing'])
        expect(resources.has(resource)).toBe(true);
    });

    it('delivers a billable order to shipping and invoicing, decrypted and schema-valid', async () => {
      const order = syntheticOrder();
      const { eventId } = await place(order, true);
      for (const name of ['shipping', 'invoicing']) {
        await consumers[name].spy.waitFor(acked(eventId));
        expect(consumers[name].sink.deliveries.find((d) => d.eventId === eventId)?.data).toEqual(order);
      }
    });

    it('routes by the filter policies: a non-billable order is shipped but never reaches invoicing', async () => {
      const free = await place(syntheticOrder(), false);
      await consumers.shipping.spy.waitFor(acked(free.eventId));
      // A marker published after it: once the marker reached invoicing, the free order would have too.
      const marker = await place(syntheticOrder(), true);
      await consumers.invoicing.spy.waitFor(acked(marker.eventId));
      expect(consumers.invoicing.spy.outcomes.some((o) => o.eventId === free.eventId)).toBe(false);
      expect(consumers.invoicing.sink.deliveries.some((d) => d.eventId === free.eventId)).toBe(false);
    });

    it('dead-letters a tampered body without calling the handler, and keeps going', async () => {
      const { invoicing } = consumers;
      const sealed = await publisher.sealer.seal({
        event: OrderPlacedV1Event,
        data: syntheticOrder(),
        attributes: { [ORDER_ATTRIBUTE.invoiceable]: 'true' },
      });
      const body = Buffer.from(sealed.body);
      body[body.length - 20] ^= 0xff;
      const attributes: Record<string, MessageAttributeValue> = {};
      for (const [name, value] of Object.entries(sealed.attributes))
        attributes[name] = { DataType: 'String', StringValue: value };
      const urls = provisioned.queues.invoicing;
      await clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: urls.url,
          MessageBody: body.toString('base64'),
          MessageAttributes: attributes,
        }),
      );
      const outcome = await invoicing.spy.waitFor((o) => o.eventId === sealed.eventId);
      expect(outcome).toMatchObject({ outcome: 'dead-lettered', code: 'DECRYPT_FAILED' });
      expect(invoicing.sink.deliveries.some((d) => d.eventId === sealed.eventId)).toBe(false);
      const dlq = await clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: urls.dlqUrl,
          MessageAttributeNames: ['All'],
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      const copy = dlq.Messages?.find(
        (m) => m.MessageAttributes?.['event-id']?.StringValue === sealed.eventId,
      );
      expect(copy?.Body).toBe(body.toString('base64'));
      expect(copy?.MessageAttributes?.['dead-letter-reason']?.StringValue).toBe('DECRYPT_FAILED');
      const next = await place(syntheticOrder(), true);
      await invoicing.spy.waitFor(acked(next.eventId));
    });
  });
});
