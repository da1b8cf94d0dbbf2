import {
  aliasIdentity,
  attributeDrift,
  attributesToWrite,
  keyBlocker,
  keyDrift,
  keyStateChanges,
  kmsIdentity,
  parseRedrive,
  sameAttribute,
} from './compare';
import type { PlannedKey } from './plan';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const key = kmsIdentity('alias/shop-orders', { KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' }, ARN);
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'A', Effect: 'Allow', Action: ['x'] }],
});

describe('sameAttribute', () => {
  it('takes any name of the same key for KmsMasterKeyId, and nothing else', () => {
    for (const live of [ARN, 'alias/shop-orders', '1234abcd-12ab-34cd-56ef-1234567890ab']) {
      expect(sameAttribute('KmsMasterKeyId', live, 'alias/shop-orders', key)).toBe(true);
    }
    expect(sameAttribute('KmsMasterKeyId', 'alias/aws/sqs', 'alias/shop-orders', key)).toBe(false);
    expect(sameAttribute('KmsMasterKeyId', undefined, 'alias/shop-orders', key)).toBe(false);
    expect(sameAttribute('KmsMasterKeyId', 'alias/a', 'alias/a', aliasIdentity('alias/a'))).toBe(true);
  });

  it('compares policies as JSON, redrive policies by target and count, numbers as numbers', () => {
    expect(
      sameAttribute(
        'Policy',
        ' {"Statement":[{"Action":"x","Effect":"Allow","Sid":"A"}],"Version":"2012-10-17"}',
        POLICY,
      ),
    ).toBe(true);
    expect(sameAttribute('Policy', '', POLICY)).toBe(false);
    const redrive = JSON.stringify({ deadLetterTargetArn: 'arn:d', maxReceiveCount: 5 });
    expect(
      sameAttribute('RedrivePolicy', '{"deadLetterTargetArn":"arn:d","maxReceiveCount":"5"}', redrive),
    ).toBe(true);
    expect(
      sameAttribute('RedrivePolicy', '{"deadLetterTargetArn":"arn:e","maxReceiveCount":5}', redrive),
    ).toBe(false);
    expect(sameAttribute('RedrivePolicy', 'not json', redrive)).toBe(false);
    expect(sameAttribute('VisibilityTimeout', '030', '30')).toBe(true);
    expect(sameAttribute('VisibilityTimeout', undefined, '30')).toBe(false);
  });

  it("reads SNS's omitted subscription attributes as their defaults", () => {
    expect(sameAttribute('FilterPolicyScope', undefined, 'MessageAttributes')).toBe(true);
    expect(sameAttribute('FilterPolicyScope', 'MessageBody', 'MessageAttributes')).toBe(false);
    expect(sameAttribute('RawMessageDelivery', undefined, 'false')).toBe(true);
    expect(sameAttribute('RawMessageDelivery', undefined, 'true')).toBe(false);
  });
});

describe('attributeDrift / attributesToWrite', () => {
  const planned = { KmsMasterKeyId: 'alias/shop-orders', VisibilityTimeout: '30', Policy: POLICY };

  it('names the attributes that differ, in plan order, and none when live matches', () => {
    expect(
      attributeDrift(planned, { KmsMasterKeyId: ARN, VisibilityTimeout: '30', Policy: POLICY }, key),
    ).toEqual([]);
    expect(
      attributeDrift(planned, { KmsMasterKeyId: 'alias/aws/sqs', VisibilityTimeout: '60' }, key),
    ).toEqual(['KmsMasterKeyId', 'VisibilityTimeout', 'Policy']);
  });

  it('writes the key ARN where the plan holds the alias', () => {
    expect(attributesToWrite(planned, key)).toEqual({ ...planned, KmsMasterKeyId: ARN });
    expect(attributesToWrite({ RawMessageDelivery: 'true' }, key)).toEqual({ RawMessageDelivery: 'true' });
  });

  it('parses redrive policies, undefined for none or garbage', () => {
    expect(parseRedrive('{"deadLetterTargetArn":"arn:d","maxReceiveCount":2}')).toEqual({
      deadLetterTargetArn: 'arn:d',
      maxReceiveCount: 2,
    });
    expect(parseRedrive(undefined)).toBeUndefined();
    expect(parseRedrive('{')).toBeUndefined();
  });
});

describe('keys against the plan', () => {
  const planned = {
    declaration: { ref: 'orders', alias: 'alias/shop-orders', description: 'orders' },
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    rotation: true,
    policy: POLICY,
  } as PlannedKey;

  it('repairs a pending deletion and a disabled key, and refuses states it cannot repair', () => {
    expect(keyStateChanges('Enabled')).toEqual([]);
    expect(keyStateChanges('Disabled')).toEqual(['enabled']);
    expect(keyStateChanges('PendingDeletion')).toEqual(['deletion cancelled', 'enabled']);
    expect(keyStateChanges('PendingImport')).toBeUndefined();
  });

  it('lists every change provisioning would make, in its order', () => {
    expect(keyDrift(planned, { state: 'Enabled', rotation: true, policy: POLICY })).toEqual([]);
    expect(keyDrift(planned, { state: 'Disabled', rotation: false, policy: '{}' })).toEqual([
      'enabled',
      'rotation',
      'key policy',
    ]);
  });

  it('blocks an AWS-managed or asymmetric key under the alias', () => {
    const ok = { KeyManager: 'CUSTOMER', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' } as const;
    expect(keyBlocker(planned, ok)).toBeUndefined();
    expect(keyBlocker(planned, { ...ok, KeyManager: 'AWS' })).toContain('AWS-managed key');
    expect(keyBlocker(planned, { ...ok, KeySpec: 'RSA_2048' })).toContain('points at a RSA_2048 key');
  });
});
