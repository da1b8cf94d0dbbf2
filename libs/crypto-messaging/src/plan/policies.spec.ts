import {
  KEY_ADMIN_ACTIONS,
  SID,
  accountRootArn,
  buildKeyPolicy,
  buildQueuePolicy,
  buildTopicPolicy,
  canonicalJson,
  parseArn,
  resolvePrincipals,
  sameJson,
  type PolicyStatement,
} from './policies';
import { keyUsage } from './plan';
import { orderEventsTopology } from '../testing';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:shop-order-events';
const QUEUE = 'arn:aws:sqs:eu-west-1:111122223333:shop-invoicing';
const ROOT = 'arn:aws:iam::111122223333:root';
const consumers = ['shipping', 'invoicing'];
const bySid = (statements: PolicyStatement[], sid: string) => statements.find((s) => s.Sid === sid);

describe('parseArn / accountRootArn', () => {
  it('splits an ARN, keeping colons inside the resource', () => {
    expect(parseArn('arn:aws-us-gov:sns:us-gov-west-1:123456789012:a:b')).toEqual({
      partition: 'aws-us-gov',
      service: 'sns',
      region: 'us-gov-west-1',
      accountId: '123456789012',
      resource: 'a:b',
    });
    expect(() => parseArn('shop-invoicing')).toThrow(TypeError);
    expect(accountRootArn('aws', '111122223333')).toBe(ROOT);
  });
});

describe('resolvePrincipals', () => {
  it('defaults every role to the account root and keeps the ones given, de-duplicated', () => {
    const p = resolvePrincipals('aws', '111122223333', consumers, {
      publisher: ['arn:aws:iam::111122223333:role/orders', 'arn:aws:iam::111122223333:role/orders'],
      consumers: { invoicing: ['arn:aws:iam::111122223333:role/invoicing'] },
    });
    expect(p.root).toBe(ROOT);
    expect(p.administrators).toEqual([ROOT]);
    expect(p.publisher).toEqual(['arn:aws:iam::111122223333:role/orders']);
    expect(p.consumers).toEqual({
      invoicing: ['arn:aws:iam::111122223333:role/invoicing'],
      shipping: [ROOT],
    });
  });
});

describe('buildKeyPolicy', () => {
  const principals = resolvePrincipals('aws', '111122223333', consumers, {
    administrators: ['arn:aws:iam::111122223333:role/key-admin'],
    publisher: ['arn:aws:iam::111122223333:role/orders'],
    consumers: {
      shipping: ['arn:aws:iam::111122223333:role/shipping'],
      invoicing: ['arn:aws:iam::111122223333:role/invoicing'],
    },
  });
  const topology = orderEventsTopology();
  const policy = buildKeyPolicy({
    topicArn: TOPIC,
    principals,
    usage: keyUsage(topology, 'orders'),
    allConsumers: consumers,
  });

  it('has one statement per role, each with its own Sid', () => {
    expect(policy.Statement.map((s) => s.Sid)).toEqual([
      SID.root,
      SID.administrators,
      SID.publisher,
      SID.consumers,
      SID.snsService,
    ]);
    expect(bySid(policy.Statement, SID.root)).toMatchObject({ Principal: { AWS: ROOT }, Action: 'kms:*' });
  });

  it('lets administrators manage the key but never use it', () => {
    const admin = bySid(policy.Statement, SID.administrators);
    expect(admin?.Principal).toEqual({ AWS: 'arn:aws:iam::111122223333:role/key-admin' });
    expect(admin?.Action).toEqual(KEY_ADMIN_ACTIONS);
    for (const use of ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
      expect(admin?.Action).not.toContain(use);
    }
    expect(admin?.Action).toEqual(
      expect.arrayContaining(['kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion']),
    );
  });

  it('lets the publisher generate data keys and decrypt, consumers only decrypt', () => {
    const publisher = bySid(policy.Statement, SID.publisher);
    expect(publisher?.Principal).toEqual({ AWS: 'arn:aws:iam::111122223333:role/orders' });
    expect(publisher?.Action).toEqual(expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']));
    const consumersStatement = bySid(policy.Statement, SID.consumers);
    expect(consumersStatement?.Action).toContain('kms:Decrypt');
    expect(consumersStatement?.Action).not.toContain('kms:GenerateDataKey*');
    expect(consumersStatement?.Principal).toEqual({
      AWS: ['arn:aws:iam::111122223333:role/shipping', 'arn:aws:iam::111122223333:role/invoicing'],
    });
  });

  it('lets SNS use the key only on behalf of this topic', () => {
    expect(bySid(policy.Statement, SID.snsService)).toEqual({
      Sid: SID.snsService,
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Resource: '*',
      Condition: { ArnEquals: { 'aws:SourceArn': TOPIC } },
    });
  });

  it('leaves out the publisher statement on a key that only encrypts queues', () => {
    const queueOnly = buildKeyPolicy({
      topicArn: TOPIC,
      principals,
      usage: { encryptsTopic: false, queueConsumers: ['invoicing'] },
      allConsumers: consumers,
    });
    expect(queueOnly.Statement.map((s) => s.Sid)).toEqual([
      SID.root,
      SID.administrators,
      SID.consumers,
      SID.snsService,
    ]);
    expect(bySid(queueOnly.Statement, SID.consumers)?.Principal).toEqual({
      AWS: 'arn:aws:iam::111122223333:role/invoicing',
    });
  });
});

describe('topic and queue policies', () => {
  it('admits only the owning account to the topic and denies requests without TLS', () => {
    const policy = buildTopicPolicy(TOPIC);
    expect(bySid(policy.Statement, SID.topicOwner)).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: ROOT },
      Resource: TOPIC,
    });
    expect(bySid(policy.Statement, SID.denyInsecureTransport)).toMatchObject({
      Effect: 'Deny',
      Principal: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(JSON.stringify(policy)).not.toContain('"AWS":"*"');
  });

  it('lets SNS send to a subscribed queue only from this topic', () => {
    const policy = buildQueuePolicy(QUEUE, TOPIC);
    expect(bySid(policy.Statement, SID.topicDelivery)).toEqual({
      Sid: SID.topicDelivery,
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: QUEUE,
      Condition: { ArnEquals: { 'aws:SourceArn': TOPIC } },
    });
    expect(bySid(policy.Statement, SID.denyInsecureTransport)?.Action).toBe('sqs:*');
  });

  it('gives a dead-letter queue the TLS deny but no SNS grant', () => {
    expect(buildQueuePolicy(QUEUE, undefined).Statement.map((s) => s.Sid)).toEqual([
      SID.denyInsecureTransport,
    ]);
  });
});

describe('canonicalJson / sameJson', () => {
  it('ignores whitespace, key order, string-array order and one-element arrays', () => {
    expect(
      sameJson('{"a": ["y", "x"], "b": {"d": 1, "c": ["z"]}}', '{"b":{"c":"z","d":1},"a":["x","y"]}'),
    ).toBe(true);
  });
  it('keeps the order of statements and tells real differences', () => {
    expect(sameJson('[{"a":1},{"b":2}]', '[{"b":2},{"a":1}]')).toBe(false);
    expect(sameJson('{"a":"x"}', '{"a":"y"}')).toBe(false);
  });
  it('treats absent and non-JSON text as never equal', () => {
    expect(canonicalJson(undefined)).toBeUndefined();
    expect(canonicalJson('')).toBeUndefined();
    expect(canonicalJson('{not json')).toBeUndefined();
    expect(sameJson(undefined, undefined)).toBe(false);
  });
});
