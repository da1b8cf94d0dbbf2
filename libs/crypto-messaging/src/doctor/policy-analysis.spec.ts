import { buildKeyPolicy, buildQueuePolicy, buildTopicPolicy, resolvePrincipals } from '../plan/policies';
import type { PolicyDocument } from '../plan/policies';
import {
  deniesInsecureTransport,
  filterPolicyAttributeNames,
  grantFor,
  isLoopbackEndpoint,
  openAllowStatements,
  parsePolicy,
  snsKeyGrant,
  snsQueueGrant,
  wildcardMatch,
} from './policy-analysis';

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:clinic-patient-records';
const OTHER_TOPIC = 'arn:aws:sns:us-east-1:444455556666:attacker';
const QUEUE = 'arn:aws:sqs:us-east-1:111122223333:clinic-billing';
const EMR = 'arn:aws:iam::111122223333:role/emr';
const consumers = ['billing'];
const principals = resolvePrincipals('aws', '111122223333', consumers, { publisher: [EMR] });
const keyPolicy = buildKeyPolicy({
  topicArn: TOPIC,
  principals,
  usage: { encryptsTopic: true, queueConsumers: consumers },
  allConsumers: consumers,
});
const without = (policy: PolicyDocument, sid: string): PolicyDocument => ({
  ...policy,
  Statement: policy.Statement.filter((s) => s.Sid !== sid),
});

describe('parsePolicy', () => {
  it('reads a single statement object as a list and refuses non-policies', () => {
    expect(parsePolicy('{"Version":"2012-10-17","Statement":{"Effect":"Allow"}}')?.Statement).toHaveLength(1);
    expect(parsePolicy('')).toBeUndefined();
    expect(parsePolicy('nope')).toBeUndefined();
  });
});

describe('wildcardMatch', () => {
  it('matches IAM wildcards, actions case-insensitively', () => {
    expect(wildcardMatch('kms:GenerateDataKey*', 'kms:GenerateDataKeyWithoutPlaintext')).toBe(true);
    expect(wildcardMatch('KMS:decrypt', 'kms:Decrypt')).toBe(true);
    expect(wildcardMatch('kms:Describe*', 'kms:Decrypt')).toBe(false);
    expect(wildcardMatch('arn:aws:sns:*:111122223333:*', TOPIC, false)).toBe(true);
  });
});

describe('snsKeyGrant (check 2)', () => {
  it('passes the provisioned key policy, scoped to the topic', () => {
    expect(snsKeyGrant(keyPolicy, TOPIC)).toBe('scoped');
  });
  it('is missing without the SNS statement', () => {
    expect(snsKeyGrant(without(keyPolicy, 'AllowSnsServiceForThisTopic'), TOPIC)).toBe('missing');
    expect(snsKeyGrant(undefined, TOPIC)).toBe('missing');
  });
  it('tells another topic, an unscoped grant and a half grant apart', () => {
    expect(snsKeyGrant(keyPolicy, OTHER_TOPIC)).toBe('other-source');
    const unscoped: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'kms:*', Resource: '*' },
      ],
    };
    expect(snsKeyGrant(unscoped, TOPIC)).toBe('unscoped');
    const decryptOnly: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'kms:Decrypt',
          Condition: { ArnEquals: { 'aws:SourceArn': TOPIC } },
        },
      ],
    };
    expect(snsKeyGrant(decryptOnly, TOPIC)).toBe('missing');
  });
  it('honours ArnLike patterns', () => {
    const like: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: ['sns.amazonaws.com'] },
          Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:sns:*:111122223333:clinic-*' } },
        },
      ],
    };
    expect(snsKeyGrant(like, TOPIC)).toBe('scoped');
    expect(snsKeyGrant(like, OTHER_TOPIC)).toBe('other-source');
  });
});

describe('snsQueueGrant (check 3)', () => {
  it('passes the provisioned queue policy and fails a DLQ-style policy or another queue', () => {
    const policy = buildQueuePolicy(QUEUE, TOPIC);
    expect(snsQueueGrant(policy, QUEUE, TOPIC)).toBe('scoped');
    expect(snsQueueGrant(policy, `${QUEUE}-other`, TOPIC)).toBe('missing');
    expect(snsQueueGrant(buildQueuePolicy(QUEUE, undefined), QUEUE, TOPIC)).toBe('missing');
    expect(snsQueueGrant(undefined, QUEUE, TOPIC)).toBe('missing');
  });
});

describe('grantFor (check 4)', () => {
  it('grants the named publisher and not a stranger', () => {
    expect(grantFor(keyPolicy, { aws: EMR }, ['kms:GenerateDataKey', 'kms:Decrypt'])).toBe('granted');
    expect(grantFor(keyPolicy, { aws: 'arn:aws:iam::999999999999:role/x' }, ['kms:Decrypt'])).toBe('missing');
  });
  it('says "delegated to IAM" when only the root statement covers the principal', () => {
    const noPublisher = without(keyPolicy, 'PublisherEncryptDecrypt');
    expect(grantFor(noPublisher, { aws: EMR }, ['kms:GenerateDataKey', 'kms:Decrypt'])).toBe(
      'delegated-to-iam',
    );
    const rootless = without(noPublisher, 'EnableAccountRootPermissions');
    expect(grantFor(rootless, { aws: EMR }, ['kms:GenerateDataKey'])).toBe('missing');
  });
  it('never lets administrators use the key', () => {
    const admins = resolvePrincipals('aws', '111122223333', consumers, {
      administrators: ['arn:aws:iam::111122223333:role/admin'],
    });
    const policy = without(
      buildKeyPolicy({
        topicArn: TOPIC,
        principals: admins,
        usage: { encryptsTopic: false, queueConsumers: [] },
        allConsumers: [],
      }),
      'EnableAccountRootPermissions',
    );
    expect(grantFor(policy, { aws: 'arn:aws:iam::111122223333:role/admin' }, ['kms:PutKeyPolicy'])).toBe(
      'granted',
    );
    expect(grantFor(policy, { aws: 'arn:aws:iam::111122223333:role/admin' }, ['kms:Decrypt'])).toBe(
      'missing',
    );
  });
  it('lets an unconditional Deny win', () => {
    const denied: PolicyDocument = {
      ...keyPolicy,
      Statement: [
        ...keyPolicy.Statement,
        { Effect: 'Deny', Principal: { AWS: EMR }, Action: 'kms:Decrypt', Resource: '*' },
      ],
    };
    expect(grantFor(denied, { aws: EMR }, ['kms:Decrypt'])).toBe('missing');
  });
});

describe('deniesInsecureTransport / openAllowStatements (check 6)', () => {
  it('finds the TLS deny in the provisioned topic and queue policies', () => {
    expect(deniesInsecureTransport(buildTopicPolicy(TOPIC), ['sns:Publish'])).toBe(true);
    expect(
      deniesInsecureTransport(buildQueuePolicy(QUEUE, TOPIC), ['sqs:SendMessage', 'sqs:ReceiveMessage']),
    ).toBe(true);
  });
  it('fails without it, or when it does not cover the action or is not for everyone', () => {
    expect(deniesInsecureTransport(undefined, ['sns:Publish'])).toBe(false);
    expect(deniesInsecureTransport(buildTopicPolicy(TOPIC), ['sns:Subscribe'])).toBe(false);
    const partial: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Principal: { AWS: EMR },
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    };
    expect(deniesInsecureTransport(partial, ['sqs:SendMessage'])).toBe(false);
  });
  it('flags an Allow for anyone without a condition (the old default topic policy is conditioned)', () => {
    const open: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'open', Effect: 'Allow', Principal: '*', Action: 'sns:Publish', Resource: TOPIC }],
    };
    expect(openAllowStatements(open).map((s) => s.Sid)).toEqual(['open']);
    expect(openAllowStatements(buildTopicPolicy(TOPIC))).toEqual([]);
  });
});

describe('filterPolicyAttributeNames (check 7)', () => {
  it('lists the attribute names, including those under $or, never the values', () => {
    expect(
      filterPolicyAttributeNames({
        'event-type': [{ prefix: 'patient-record.' }],
        $or: [{ billable: ['true'] }, { 'patient-name': ['Jane Doe'] }],
      }),
    ).toEqual(['billable', 'event-type', 'patient-name']);
  });
});

describe('isLoopbackEndpoint (check 8)', () => {
  it.each([
    ['http://127.0.0.1:5000', true],
    ['http://localhost:4566', true],
    ['http://sqs.us-east-1.localhost:4566', true],
    ['http://[::1]:5000', true],
    ['http://0.0.0.0:5000', true],
    ['https://sns.us-east-1.amazonaws.com', false],
    ['https://vpce-1.sqs.us-east-1.vpce.amazonaws.com', false],
    [undefined, false],
    ['not a url', false],
  ])('%s -> %s', (endpoint, expected) => {
    expect(isLoopbackEndpoint(endpoint)).toBe(expected);
  });
});
