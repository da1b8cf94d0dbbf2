/**
 * The library end to end, on the embedded stack (fauxqs + local key) and on moto (real KMS
 * semantics): publish -> encrypted topic -> three encrypted queues -> Nest handlers.
 */
import { Controller, Inject, Module, type DynamicModule, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import {
  PatientRecordCreatedV1Event,
  syntheticRecord,
  type PatientRecordCreatedV1,
  recordCreated,
} from '@app/contracts';
import {
  ATTRIBUTE,
  EncryptedSqsServer,
  MessagingRuntime,
  SqsContext,
  type EncryptedPublisher,
} from '@app/crypto-messaging';
import { eventually, findMotoServer, HandlerSpy } from '@app/crypto-messaging/testing';
import { startTestStack, type TestStack } from '@app/clinic/testing';

const SINK = Symbol('sink');
interface Delivery {
  consumer: string;
  eventId: string;
  data: PatientRecordCreatedV1;
}

@Controller()
class RecordsController {
  constructor(
    @Inject(SINK) private readonly sink: { consumer: string; deliveries: Delivery[]; hold?: Promise<void> },
  ) {}

  @EventPattern(PatientRecordCreatedV1Event.pattern)
  async onRecord(@Payload() data: PatientRecordCreatedV1, @Ctx() ctx: SqsContext) {
    await this.sink.hold;
    this.sink.deliveries.push({ consumer: this.sink.consumer, eventId: ctx.getEventId(), data });
  }
}

@Module({})
class ConsumerModule {
  static with(sink: object): DynamicModule {
    return {
      module: ConsumerModule,
      controllers: [RecordsController],
      providers: [{ provide: SINK, useValue: sink }],
    };
  }
}

interface Consumer {
  name: string;
  app: INestMicroservice;
  server: EncryptedSqsServer;
  spy: HandlerSpy;
  sink: { consumer: string; deliveries: Delivery[]; hold?: Promise<void> };
}

async function startConsumer(stack: TestStack, name: string, concurrency = 10): Promise<Consumer> {
  const runtime = stack.runtime(name);
  const server = await runtime.consumerServer(name, [PatientRecordCreatedV1Event], {
    concurrency,
    waitTimeS: 1,
  });
  const spy = HandlerSpy.attach(server);
  const sink = { consumer: name, deliveries: [] as Delivery[] };
  const app = await NestFactory.createMicroservice(ConsumerModule.with(sink), {
    strategy: server,
    logger: false,
  });
  await app.listen();
  return { name, app, server, spy, sink };
}

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
      stack = (await startTestStack(profile))!;
      publisherRuntime = stack.runtime('emr');
      publisher = await publisherRuntime.publisher();
      consumers = {};
      for (const name of ['billing', 'scheduling', 'prescription'])
        consumers[name] = await startConsumer(stack, name);
    });

    afterAll(async () => {
      for (const c of Object.values(consumers ?? {})) await c.app.close();
      await stack?.stop();
    });

    const publish = (record: PatientRecordCreatedV1) => publisher.publish(recordCreated(record));
    const acked = (eventId: string) => (o: { eventId?: string; outcome: string }) =>
      o.eventId === eventId && o.outcome === 'acked';

    it('fans a record out to all three systems, decrypted and validated', async () => {
      const record = syntheticRecord();
      const { eventId } = await publish(record);
      for (const c of Object.values(consumers)) await c.spy.waitFor(acked(eventId));
      for (const c of Object.values(consumers)) {
        expect(c.sink.deliveries.find((d) => d.eventId === eventId)?.data).toEqual(record);
      }
    });

    it('routes by the filter policies: no medication never reaches Prescription, not billable never reaches Billing', async () => {
      const noMeds = await publish(syntheticRecord({ medications: [] }));
      const notBillable = await publish(syntheticRecord({ billable: false }));
      await consumers.scheduling.spy.waitFor(acked(noMeds.eventId));
      await consumers.scheduling.spy.waitFor(acked(notBillable.eventId));
      await consumers.billing.spy.waitFor(acked(noMeds.eventId));
      await consumers.prescription.spy.waitFor(acked(notBillable.eventId));
      // A marker published after both: once it arrived everywhere, the filtered ones would have too.
      const marker = await publish(syntheticRecord());
      for (const c of Object.values(consumers)) await c.spy.waitFor(acked(marker.eventId));
      expect(consumers.prescription.spy.outcomes.some((o) => o.eventId === noMeds.eventId)).toBe(false);
      expect(consumers.billing.spy.outcomes.some((o) => o.eventId === notBillable.eventId)).toBe(false);
    });

    it('keeps ciphertext at rest: a plain SQS client sees no plaintext body, and readable PHI-free attributes', async () => {
      // Stop Billing so the message stays in its queue for the peek.
      await consumers.billing.app.close();
      const record = syntheticRecord();
      const { eventId } = await publish(record);
      const sqs = stack.runtime('peek').clients.sqs;
      const queueUrl = stack.provisioned.queues.billing.url;
      let peeked: Message | undefined;
      for (let i = 0; i < 20 && !peeked; i++) {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MessageAttributeNames: ['All'],
            WaitTimeSeconds: 1,
            VisibilityTimeout: 0,
          }),
        );
        peeked = out.Messages?.find((m) => m.MessageAttributes?.[ATTRIBUTE.eventId]?.StringValue === eventId);
      }
      expect(peeked).toBeDefined();
      const body = Buffer.from(peeked!.Body!, 'base64');
      for (const secret of [
        record.patient.familyName,
        record.patient.mrn,
        record.diagnoses[0].icd10,
        record.patient.dateOfBirth,
      ]) {
        expect(peeked!.Body).not.toContain(secret);
        expect(body.includes(Buffer.from(secret))).toBe(false);
      }
      const attributes = Object.fromEntries(
        Object.entries(peeked!.MessageAttributes!).map(([k, v]) => [k, v.StringValue]),
      );
      expect(attributes).toEqual({
        'event-type': 'patient-record.created',
        'schema-version': '1',
        'event-id': eventId,
        'clinic-id': 'clinic-001',
        'has-medications': 'true',
        'has-follow-up': 'true',
        'has-lab-orders': 'true',
        billable: 'true',
      });
      const queue = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['KmsMasterKeyId'] }),
      );
      expect(queue.Attributes?.KmsMasterKeyId).toBeTruthy();
      consumers.billing = await startConsumer(stack, 'billing');
      await consumers.billing.spy.waitFor(acked(eventId));
    });

    it.each([
      ['a tampered body', (body: string) => flipByte(body), 'DECRYPT_FAILED'],
      ['a body under another key', 'other-key', 'DECRYPT_FAILED'],
      ['a mismatched encryption context', 'other-context', 'CONTEXT_MISMATCH'],
    ] as const)('dead-letters %s without calling the handler, and keeps going', async (_, tamper, code) => {
      const { scheduling } = consumers;
      const before = scheduling.sink.deliveries.length;
      const record = syntheticRecord();
      const eventId = crypto.randomUUID();
      let body: string;
      if (tamper === 'other-key') {
        const foreign = await foreignPublisher(stack, profile);
        body = await sealedBody(foreign, record, eventId, stack);
      } else if (tamper === 'other-context') {
        body = await sealedBody(publisher, record, eventId, stack, { topic: 'some-other-topic' });
      } else {
        body = tamper(await sealedBody(publisher, record, eventId, stack));
      }
      const sqs = stack.runtime('attacker').clients.sqs;
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.provisioned.queues.scheduling.url,
          MessageBody: body,
          MessageAttributes: attributesFor(eventId),
        }),
      );
      const outcome = await scheduling.spy.waitFor((o) => o.eventId === eventId);
      expect(outcome).toMatchObject({ outcome: 'dead-lettered', code });
      expect(scheduling.sink.deliveries.length).toBe(before);
      const dlq = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: stack.provisioned.queues.scheduling.dlqUrl,
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
      const next = await publish(syntheticRecord());
      await scheduling.spy.waitFor(acked(next.eventId));
    });

    it('drains on shutdown: messages in flight finish, none is lost', async () => {
      const c = await startConsumer(stack, 'prescription', 20);
      await consumers.prescription.app.close();
      consumers.prescription = c;
      let release!: () => void;
      c.sink.hold = new Promise<void>((resolve) => (release = resolve));
      const outcomes = await publisher.publishBatch(
        Array.from({ length: 30 }, () => {
          const record = syntheticRecord();
          return recordCreated(record);
        }),
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
      const next = await startConsumer(stack, 'prescription');
      consumers.prescription = next;
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
    [ATTRIBUTE.eventType]: { DataType: 'String', StringValue: 'patient-record.created' },
    [ATTRIBUTE.schemaVersion]: { DataType: 'String', StringValue: '1' },
    [ATTRIBUTE.eventId]: { DataType: 'String', StringValue: eventId },
  };
}

/** An envelope sealed like the publisher does, optionally under another context. */
async function sealedBody(
  source: EncryptedPublisher | { encrypt(b: Buffer, c: Record<string, string>): Promise<Buffer> },
  record: PatientRecordCreatedV1,
  eventId: string,
  stack: TestStack,
  contextOverride: Record<string, string> = {},
): Promise<string> {
  const envelope = {
    id: eventId,
    type: 'patient-record.created',
    version: 1,
    occurredAt: new Date().toISOString(),
    data: record,
  };
  const context = {
    topic: stack.provisioned.topicArn.split(':').pop()!,
    'event-type': 'patient-record.created',
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
      keys: localKeyProvider(randomBytes(32), 'clinic-records', monitor),
      monitor,
    });
  }
  const kms = stack.runtime('attacker-kms').clients.kms;
  const other = await kms.createKey({ Description: 'foreign key for the tamper test' });
  return new EnvelopeCipher({ keys: await kmsKeyProvider(kms, other.KeyMetadata!.Arn!, monitor), monitor });
}
