import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  SetSubscriptionAttributesCommand,
} from '@aws-sdk/client-sns';
// The broker module alone: the package index pulls in the whole stack (and this library's index).
import {
  startEmbeddedBroker as startBroker,
  type EmbeddedBroker as Broker,
} from '../embedded/embedded-broker';
import { createAwsClients, type AwsClients } from '../config/aws-clients';
import {
  MOTO_CREDENTIALS,
  describeWithMoto,
  startMotoWithClients,
  type MotoWithClients,
  type MotoServer,
} from '../testing/moto-server';
import { queueAttributes } from '../plan/lookups';
import { SID, sameJson, type PolicyDocument } from '../plan/policies';
import { provisionTopology, type ProvisionReport, type ProvisionRow } from './provision';
import { renderProvisionReport } from './report';
import { orderEventsTopology } from '../testing';

const topology = orderEventsTopology('prov');
/** 1 key + 1 topic + 2 x (DLQ, queue, subscription). */
const AWS_RESOURCES = 8;

async function expectQueuesAsDeclared(clients: AwsClients, report: ProvisionReport, masterKeyId: string) {
  for (const queue of topology.queues) {
    const q = report.queues[queue.consumer];
    const main = await queueAttributes(clients.sqs, q.url);
    const dlq = await queueAttributes(clients.sqs, q.dlqUrl);
    for (const attrs of [main, dlq]) {
      expect(attrs.KmsMasterKeyId).toBe(masterKeyId);
      expect(attrs.KmsDataKeyReusePeriodSeconds).toBe('300');
      expect(attrs.VisibilityTimeout).toBe(String(queue.visibilityTimeoutS));
      expect(attrs.ReceiveMessageWaitTimeSeconds).toBe(String(queue.receiveWaitTimeS));
      const policy = JSON.parse(attrs.Policy ?? '{}') as PolicyDocument;
      expect(policy.Statement.map((s) => s.Sid)).toContain(SID.denyInsecureTransport);
    }
    expect(main.MessageRetentionPeriod).toBe(String(queue.messageRetentionS));
    expect(dlq.MessageRetentionPeriod).toBe(String(queue.deadLetterRetentionS));
    expect(JSON.parse(main.RedrivePolicy ?? '{}')).toMatchObject({ deadLetterTargetArn: q.dlqArn });
    const mainPolicy = JSON.parse(main.Policy ?? '{}') as PolicyDocument;
    expect(mainPolicy.Statement.find((s) => s.Sid === SID.topicDelivery)?.Condition).toEqual({
      ArnEquals: { 'aws:SourceArn': report.topicArn },
    });
    const sub = await clients.sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: q.subscriptionArn }),
    );
    expect(sub.Attributes?.RawMessageDelivery).toBe('true');
    expect(sub.Attributes?.Endpoint).toBe(q.arn);
    expect(sameJson(sub.Attributes?.FilterPolicy, JSON.stringify(queue.filterPolicy))).toBe(true);
  }
}

const outcomes = (report: ProvisionReport) => report.rows.map((r) => r.outcome);

describeWithMoto()('provisioning on moto (aws profile)', () => {
  let moto: MotoServer;
  let clients: AwsClients;
  const provision = (onProgress?: (row: ProvisionRow) => void) =>
    provisionTopology({ topology, clients, profile: 'aws', endpoint: moto.endpoint, onProgress });

  let running: MotoWithClients | undefined;
  beforeAll(async () => {
    running = await startMotoWithClients();
    ({ moto, clients } = running);
  });
  afterAll(() => running?.stop());

  let first: ProvisionReport;
  it('creates every resource, reporting progress as it goes', async () => {
    const progress: ProvisionRow[] = [];
    first = await provision((row) => progress.push(row));
    expect(progress).toEqual(first.rows);
    expect(first.rows).toHaveLength(AWS_RESOURCES);
    expect(new Set(outcomes(first))).toEqual(new Set(['created']));
    expect(first.rows.map((r) => r.kind)).toEqual([
      'kms-key',
      'topic',
      ...topology.queues.flatMap(() => ['dead-letter-queue', 'queue']),
      'subscription',
      'subscription',
    ]);
  });

  it('sets a customer-managed, rotating key with the declared policy on topic, queues and DLQs', async () => {
    const keyArn = first.keyArns.orders;
    expect(keyArn).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\//);
    const meta = (await clients.kms.describeKey({ KeyId: 'alias/prov-orders' })).KeyMetadata;
    expect(meta).toMatchObject({
      Arn: keyArn,
      KeyManager: 'CUSTOMER',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyState: 'Enabled',
    });
    expect((await clients.kms.getKeyRotationStatus({ KeyId: meta?.KeyId })).KeyRotationEnabled).toBe(true);
    const policy = JSON.parse(
      (await clients.kms.getKeyPolicy({ KeyId: meta?.KeyId, PolicyName: 'default' })).Policy ?? '{}',
    ) as PolicyDocument;
    expect(policy.Statement.map((s) => s.Sid)).toEqual([
      SID.root,
      SID.administrators,
      SID.publisher,
      SID.consumers,
      SID.snsService,
    ]);
    const topic = await clients.sns.send(new GetTopicAttributesCommand({ TopicArn: first.topicArn }));
    expect(topic.Attributes?.KmsMasterKeyId).toBe(keyArn);
    const topicPolicy = JSON.parse(topic.Attributes?.Policy ?? '{}') as PolicyDocument;
    expect(topicPolicy.Statement.map((s) => s.Sid)).toEqual([SID.topicOwner, SID.denyInsecureTransport]);
    await expectQueuesAsDeclared(clients, first, keyArn);
  });

  it('reports everything unchanged on a second run, with the same addresses', async () => {
    const second = await provision();
    expect(second.rows.filter((r) => r.outcome !== 'unchanged')).toEqual([]);
    expect(second.queues).toEqual(first.queues);
    expect(second.topicArn).toBe(first.topicArn);
    expect(second.keyArns).toEqual(first.keyArns);
    const text = renderProvisionReport(second);
    expect(text).toContain('prov-invoicing-dlq');
    expect(text).toContain(`${AWS_RESOURCES} resources: 0 created, 0 updated, ${AWS_RESOURCES} unchanged`);
  });

  it('repairs a subscription that lost raw delivery, and only that', async () => {
    await clients.sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: first.queues.shipping.subscriptionArn,
        AttributeName: 'RawMessageDelivery',
        AttributeValue: 'false',
      }),
    );
    const repaired = await provision();
    expect(repaired.rows.filter((r) => r.outcome !== 'unchanged')).toEqual([
      expect.objectContaining({
        kind: 'subscription',
        name: 'prov-shipping',
        outcome: 'updated',
        changes: ['RawMessageDelivery'],
      }),
    ]);
    await expectQueuesAsDeclared(clients, repaired, first.keyArns.orders);
  });
});

describe('provisioning on the embedded broker (fauxqs, no KMS)', () => {
  let broker: Broker;
  let clients: AwsClients;
  const provision = () =>
    provisionTopology({ topology, clients, profile: 'embedded', endpoint: broker.endpoint });

  beforeAll(async () => {
    broker = await startBroker({ port: 0 });
    clients = createAwsClients({
      region: 'us-east-1',
      endpoint: broker.endpoint,
      credentials: MOTO_CREDENTIALS,
    });
  });
  afterAll(async () => {
    clients?.destroy();
    await broker?.stop();
  });

  it('creates the same topology with the alias as KmsMasterKeyId, and is idempotent', async () => {
    // Fail loudly if a KMS call slips into the embedded path: there is no KMS here.
    const kmsSend = jest.spyOn(clients.kms, 'send');
    const first = await provision();
    expect(first.rows).toHaveLength(AWS_RESOURCES - 1);
    expect(new Set(outcomes(first))).toEqual(new Set(['created']));
    expect(first.keyArns).toEqual({});
    const topic = await clients.sns.send(new GetTopicAttributesCommand({ TopicArn: first.topicArn }));
    expect(topic.Attributes?.KmsMasterKeyId).toBe('alias/prov-orders');
    await expectQueuesAsDeclared(clients, first, 'alias/prov-orders');
    expect(renderProvisionReport(first)).toContain('embedded profile: there is no KMS');

    const second = await provision();
    expect(second.rows.filter((r) => r.outcome !== 'unchanged')).toEqual([]);
    expect(second.queues).toEqual(first.queues);
    expect(kmsSend).not.toHaveBeenCalled();
  });
});
