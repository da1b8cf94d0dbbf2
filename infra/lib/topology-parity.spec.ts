/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   Synthesized CloudFormation is untyped JSON; these assertions check its shape at run time. */
import type { Template } from 'aws-cdk-lib/assertions';
import { clinicTopology } from '@app/clinic';
import { allowedAttributesOf, type MessagingTopology } from '@app/crypto-messaging';
import type { ClinicStack } from './clinic-stack';
import { resourcesOf, synthClinic } from './testing/synth-clinic';

/**
 * The CDK stack is generated from the library's declaration: rebuild the declaration from the
 * synthesized template and compare. A non-default prefix proves nothing is hard-coded; the same
 * synthesis also exercises the optional AWS event-source statements.
 */
const PREFIX = 'parity-check';
const EVENT_SOURCE = 'cloudwatch.amazonaws.com';
let stack: ClinicStack;
let template: Template;
let declared: MessagingTopology;
beforeAll(() => {
  ({ stack, template } = synthClinic({ prefix: PREFIX, eventSourcePrincipals: EVENT_SOURCE }));
  declared = clinicTopology({ prefix: PREFIX });
});

const json = (v: unknown) => JSON.stringify(v);

/** What the template says, in the declaration's own terms. */
function topologyFromTemplate(): Omit<MessagingTopology, 'publisher' | 'attributes'> {
  const res = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
  const byId = (id: string) => res[id];
  // An alias targets its key as { Fn::GetAtt: [key, Arn] }, the same value a KmsMasterKeyId holds.
  const aliasOfKey = (keyArn: unknown): string =>
    Object.values(resourcesOf(template, 'AWS::KMS::Alias')).find(
      (a) => json(a.Properties.TargetKeyId) === json(keyArn),
    )!.Properties.AliasName;
  const refOf = (alias: string) => alias.replace(`alias/${PREFIX}-`, '');
  const topic = Object.values(resourcesOf(template, 'AWS::SNS::Topic')).find((t) =>
    t.Properties.TopicName.endsWith('-patient-records'),
  )!;
  const subs = Object.values(resourcesOf(template, 'AWS::SNS::Subscription'));
  const queues = subs.map((sub) => {
    const queueId = sub.Properties.Endpoint['Fn::GetAtt'][0] as string;
    const q = byId(queueId).Properties;
    const dlq = byId(q.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0]).Properties;
    expect(dlq.KmsMasterKeyId).toEqual(q.KmsMasterKeyId);
    expect(dlq.KmsDataKeyReusePeriodSeconds).toBe(q.KmsDataKeyReusePeriodSeconds);
    return {
      consumer: (q.QueueName as string).slice(PREFIX.length + 1),
      name: q.QueueName,
      deadLetterQueueName: dlq.QueueName,
      keyRef: refOf(aliasOfKey(q.KmsMasterKeyId)),
      maxReceiveCount: q.RedrivePolicy.maxReceiveCount,
      visibilityTimeoutS: q.VisibilityTimeout,
      messageRetentionS: q.MessageRetentionPeriod,
      deadLetterRetentionS: dlq.MessageRetentionPeriod,
      receiveWaitTimeS: q.ReceiveMessageWaitTimeSeconds,
      filterPolicy: sub.Properties.FilterPolicy,
      rawMessageDelivery: sub.Properties.RawMessageDelivery,
      reuse: q.KmsDataKeyReusePeriodSeconds as number,
    };
  });
  const reuse = new Set(queues.map((q) => q.reuse));
  expect(reuse.size).toBe(1);
  const topicKeyAlias = aliasOfKey(topic.Properties.KmsMasterKeyId);
  return {
    prefix: PREFIX,
    keys: [...new Set([topicKeyAlias, ...queues.map((q) => `alias/${PREFIX}-${q.keyRef}`)])].map((alias) => ({
      ref: refOf(alias),
      alias,
      description: Object.values(res).find(
        (r) => r.Type === 'AWS::KMS::Key' && json(r.Properties).includes(`${PREFIX}: patient-record`),
      )!.Properties.Description,
    })),
    topic: { name: topic.Properties.TopicName, keyRef: refOf(topicKeyAlias) },
    queues: queues.map(({ reuse: _reuse, ...q }) => q),
    dataKeyReusePeriodS: [...reuse][0],
  };
}

describe('the CDK topology equals the library declaration', () => {
  it('topic, queues, dead-letter queues, subscriptions, filter policies, keys, redrive and reuse period', () => {
    // The publisher and the attribute allowlist are no CloudFormation resource: checked below.
    const { publisher: _publisher, attributes: _attributes, ...expected } = declared;
    const actual = topologyFromTemplate();
    const sortQueues = (t: { queues: readonly { consumer: string }[] }) =>
      [...t.queues].sort((a, b) => a.consumer.localeCompare(b.consumer));
    expect({ ...actual, queues: sortQueues(actual) }).toEqual({ ...expected, queues: sortQueues(expected) });
  });

  it('the synthesized filter policies route only on the envelope and the declared routing attributes', () => {
    const allowed = allowedAttributesOf(declared);
    const routedOn = topologyFromTemplate().queues.flatMap((q) => Object.keys(q.filterPolicy));
    expect(routedOn.length).toBeGreaterThan(0);
    expect(routedOn.filter((name) => !allowed.has(name))).toEqual([]);
    expect(declared.attributes).toEqual(expect.arrayContaining(['billable', 'has-medications']));
  });

  it('the publisher of the declaration is the app allowed to publish', () => {
    expect(declared.publisher).toBe('emr');
    const emrRole = stack.getLogicalId(stack.roles.emr.node.defaultChild as never);
    const publishers = Object.values(resourcesOf(template, 'AWS::IAM::ManagedPolicy')).filter((p) =>
      json(p.Properties.PolicyDocument).includes('sns:Publish'),
    );
    expect(publishers.map((p) => json(p.Properties.Roles))).toEqual([json([{ Ref: emrRole }])]);
  });
});

describe('optional AWS event sources on the records topic', () => {
  it('are admitted by the key policy and the topic policy when configured', () => {
    const key =
      template.toJSON().Resources[stack.getLogicalId(stack.keys.records.key.node.defaultChild as never)];
    const keyStatement = key.Properties.KeyPolicy.Statement.find(
      (s: any) => s.Principal?.Service === EVENT_SOURCE,
    );
    expect([...keyStatement.Action].sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(keyStatement.Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    const topicPolicy = Object.values(resourcesOf(template, 'AWS::SNS::TopicPolicy')).find((p) =>
      json(p.Properties.PolicyDocument).includes(EVENT_SOURCE),
    )!;
    const allow = topicPolicy.Properties.PolicyDocument.Statement.find(
      (s: any) => s.Principal?.Service === EVENT_SOURCE,
    );
    expect(allow).toMatchObject({ Effect: 'Allow', Action: 'sns:Publish' });
  });
});
