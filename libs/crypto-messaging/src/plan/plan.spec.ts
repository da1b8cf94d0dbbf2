import { MessagingError, MessagingErrorCode } from '../errors/messaging.error';
import type { MessagingTopology, QueueDeclaration } from '../topology/topology.types';
import { plan } from './plan';
import { SID, type PolicyDocument } from './policies';

/** A topology that is not the clinic's: orders, with two consumers on two keys. */
const queue = (consumer: string, keyRef: string): QueueDeclaration => ({
  consumer,
  name: `shop-${consumer}`,
  deadLetterQueueName: `shop-${consumer}-dlq`,
  keyRef,
  maxReceiveCount: 3,
  visibilityTimeoutS: 45,
  messageRetentionS: 86_400,
  deadLetterRetentionS: 1_209_600,
  receiveWaitTimeS: 10,
  filterPolicy: { 'event-type': [{ prefix: 'order.' }] },
  rawMessageDelivery: true,
});
const topology: MessagingTopology = {
  prefix: 'shop',
  publisher: 'checkout',
  keys: [
    { ref: 'orders', alias: 'alias/shop-orders', description: 'orders' },
    { ref: 'ledger', alias: 'alias/shop-ledger', description: 'ledger' },
  ],
  topic: { name: 'shop-orders', keyRef: 'orders' },
  queues: [queue('shipping', 'orders'), queue('accounting', 'ledger')],
  dataKeyReusePeriodS: 600,
};
const TOPIC = 'arn:aws-cn:sns:cn-north-1:444455556666:shop-orders';
const policyOf = (text: string) => JSON.parse(text) as PolicyDocument;

describe('plan', () => {
  const desired = plan(topology, 'aws', { publisher: ['arn:aws-cn:iam::444455556666:role/checkout'] }, TOPIC);

  it('derives every ARN and the account root from the topic ARN, without a network call', () => {
    expect(desired.topicArn).toBe(TOPIC);
    expect(desired.principals.root).toBe('arn:aws-cn:iam::444455556666:root');
    expect(desired.queues.map((q) => q.arn)).toEqual([
      'arn:aws-cn:sqs:cn-north-1:444455556666:shop-shipping-dlq',
      'arn:aws-cn:sqs:cn-north-1:444455556666:shop-shipping',
      'arn:aws-cn:sqs:cn-north-1:444455556666:shop-accounting-dlq',
      'arn:aws-cn:sqs:cn-north-1:444455556666:shop-accounting',
    ]);
    expect(desired.subscriptions.map((s) => s.queueArn)).toEqual([
      desired.queues[1].arn,
      desired.queues[3].arn,
    ]);
  });

  it('plans each key symmetric and rotating, with a policy that fits what it encrypts', () => {
    const [orders, ledger] = desired.keys;
    expect(orders).toMatchObject({
      resource: 'kms-key alias/shop-orders',
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      rotation: true,
      usage: { encryptsTopic: true, queueConsumers: ['shipping'] },
    });
    expect(policyOf(orders.policy).Statement.map((s) => s.Sid)).toContain(SID.publisher);
    // The ledger key encrypts only the accounting queue: no publisher statement, SNS still admitted.
    expect(ledger.usage).toEqual({ encryptsTopic: false, queueConsumers: ['accounting'] });
    const ledgerSids = policyOf(ledger.policy).Statement.map((s) => s.Sid);
    expect(ledgerSids).not.toContain(SID.publisher);
    expect(ledgerSids).toContain(SID.snsService);
  });

  it('plans the topic on its key alias with the owner-only, TLS-only policy', () => {
    expect(desired.topic.attributes.KmsMasterKeyId).toBe('alias/shop-orders');
    expect(policyOf(desired.topic.attributes.Policy).Statement.map((s) => s.Sid)).toEqual([
      SID.topicOwner,
      SID.denyInsecureTransport,
    ]);
  });

  it('plans each dead-letter queue before its queue, the redrive naming it and the policy last', () => {
    const [dlq, main, , accounting] = desired.queues;
    expect([dlq.kind, main.kind]).toEqual(['dead-letter-queue', 'queue']);
    expect(dlq.attributes).toMatchObject({
      KmsMasterKeyId: 'alias/shop-orders',
      KmsDataKeyReusePeriodSeconds: '600',
      VisibilityTimeout: '45',
      ReceiveMessageWaitTimeSeconds: '10',
      MessageRetentionPeriod: '1209600',
    });
    expect(dlq.attributes.RedrivePolicy).toBeUndefined();
    expect(JSON.parse(main.attributes.RedrivePolicy)).toEqual({
      deadLetterTargetArn: dlq.arn,
      maxReceiveCount: 3,
    });
    expect(main.attributes.MessageRetentionPeriod).toBe('86400');
    expect(Object.keys(main.attributes).at(-1)).toBe('Policy');
    // Only the subscribed queue admits SNS; both deny requests without TLS.
    expect(policyOf(main.attributes.Policy).Statement.map((s) => s.Sid)).toEqual([
      SID.topicDelivery,
      SID.denyInsecureTransport,
    ]);
    expect(policyOf(dlq.attributes.Policy).Statement.map((s) => s.Sid)).toEqual([SID.denyInsecureTransport]);
    expect(accounting.attributes.KmsMasterKeyId).toBe('alias/shop-ledger');
  });

  it('plans raw delivery and the filter policy on message attributes for each subscription', () => {
    expect(desired.subscriptions[0]).toMatchObject({
      resource: 'subscription shop-shipping',
      topicArn: TOPIC,
      attributes: {
        RawMessageDelivery: 'true',
        FilterPolicyScope: 'MessageAttributes',
        FilterPolicy: JSON.stringify({ 'event-type': [{ prefix: 'order.' }] }),
      },
    });
  });

  it('refuses a topology that names an undeclared key, with a fix', () => {
    const broken = { ...topology, topic: { ...topology.topic, keyRef: 'missing' } };
    let error: unknown;
    try {
      plan(broken, 'embedded', undefined, TOPIC);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MessagingError);
    expect(error).toMatchObject({ code: MessagingErrorCode.Config, fix: 'declare the key in topology.keys' });
    expect((error as Error).message).toContain('"missing"');
  });
});
