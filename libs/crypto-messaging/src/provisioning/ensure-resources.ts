import {
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { requireValue, type AwsCall } from '../plan/aws-errors';
import { attributeDrift, attributesToWrite, type KeyIdentity } from '../plan/compare';
import { findQueueUrl, queueAttributes, subscriptionAttributes, topicAttributes } from '../plan/lookups';
import type { PlannedQueue, PlannedSubscription, PlannedTopic } from '../plan/plan';
import { sameJson } from '../plan/policies';
import { outcomeOf, type ProvisionOptions, type ProvisionRow } from './provision.types';

/** What every `ensure*` needs: the clients, the AWS call wrapper and the report. */
export interface EnsureContext {
  readonly clients: ProvisionOptions['clients'];
  readonly call: AwsCall;
  readonly emit: (row: ProvisionRow) => void;
}

/** Sets the topic's drifted attributes (SNS takes one per call). */
export async function ensureTopic(
  topic: PlannedTopic,
  created: boolean,
  key: KeyIdentity,
  { clients, call, emit }: EnsureContext,
): Promise<void> {
  const live = await call('sns:GetTopicAttributes', topic.resource, () =>
    topicAttributes(clients.sns, topic.arn),
  );
  const wanted = attributesToWrite(topic.attributes, key);
  const changes = attributeDrift(topic.attributes, live, key);
  for (const name of changes) {
    await call('sns:SetTopicAttributes', topic.resource, () =>
      clients.sns.send(
        new SetTopicAttributesCommand({
          TopicArn: topic.arn,
          AttributeName: name,
          AttributeValue: wanted[name],
        }),
      ),
    );
  }
  emit({
    resource: topic.resource,
    kind: 'topic',
    name: topic.name,
    arn: topic.arn,
    encryption: key.masterKeyId,
    outcome: outcomeOf(created, changes),
    changes: created ? [] : changes,
  });
}

/** Creates the queue with its planned attributes, or sets the drifted ones. */
export async function ensureQueue(
  queue: PlannedQueue,
  key: KeyIdentity,
  { clients, call, emit }: EnsureContext,
): Promise<{ url: string; arn: string }> {
  const { sqs } = clients;
  const resource = queue.resource;
  const wanted = attributesToWrite(queue.attributes, key);
  const { Policy: policy, ...withoutPolicy } = wanted;
  let url = await call('sqs:GetQueueUrl', resource, () => findQueueUrl(sqs, queue.name));
  const created = url === undefined;
  if (url === undefined) {
    // The policy follows once the queue exists, as for a drifted queue.
    const out = await call('sqs:CreateQueue', resource, () =>
      sqs.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: withoutPolicy })),
    );
    url = requireValue(out.QueueUrl, 'CreateQueue returned no QueueUrl', resource);
  }
  const queueUrl = url;
  const live = await call('sqs:GetQueueAttributes', resource, () => queueAttributes(sqs, queueUrl));
  const arn = requireValue(live.QueueArn, 'GetQueueAttributes returned no QueueArn', resource);
  const changes = attributeDrift(queue.attributes, live, key);
  if (changes.length > 0) {
    // The policy goes in every write: moto 5.2.1 drops a queue's Policy whenever
    // SetQueueAttributes changes other attributes without it.
    const update = { ...Object.fromEntries(changes.map((name) => [name, wanted[name]])), Policy: policy };
    await call('sqs:SetQueueAttributes', resource, () =>
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: update })),
    );
    const after = await call('sqs:GetQueueAttributes', resource, () => queueAttributes(sqs, queueUrl));
    if (!sameJson(after.Policy, policy)) {
      await call('sqs:SetQueueAttributes', resource, () =>
        sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { Policy: policy } })),
      );
    }
  }
  emit({
    resource,
    kind: queue.kind,
    name: queue.name,
    arn,
    encryption: key.masterKeyId,
    outcome: outcomeOf(created, changes),
    changes: created ? [] : changes,
  });
  return { url: queueUrl, arn };
}

/** Subscribes the queue with its planned attributes, or sets the drifted ones. */
export async function ensureSubscription(
  subscription: PlannedSubscription,
  queueArn: string,
  existingArn: string | undefined,
  { clients, call, emit }: EnsureContext,
): Promise<string> {
  const { sns } = clients;
  const resource = subscription.resource;
  const wanted = subscription.attributes;
  let arn = existingArn;
  let changes: string[] = [];
  if (arn === undefined) {
    const out = await call('sns:Subscribe', resource, () =>
      sns.send(
        new SubscribeCommand({
          TopicArn: subscription.topicArn,
          Protocol: 'sqs',
          Endpoint: queueArn,
          Attributes: { ...wanted },
          ReturnSubscriptionArn: true,
        }),
      ),
    );
    arn = requireValue(out.SubscriptionArn, 'Subscribe returned no SubscriptionArn', resource);
  } else {
    const subscriptionArn = arn;
    const live = await call('sns:GetSubscriptionAttributes', resource, () =>
      subscriptionAttributes(sns, subscriptionArn),
    );
    changes = attributeDrift(wanted, live);
    for (const name of changes) {
      await call('sns:SetSubscriptionAttributes', resource, () =>
        sns.send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn: subscriptionArn,
            AttributeName: name,
            AttributeValue: wanted[name],
          }),
        ),
      );
    }
  }
  emit({
    resource,
    kind: 'subscription',
    name: subscription.declaration.name,
    arn,
    encryption: 'n/a (delivers into the encrypted queue)',
    outcome: outcomeOf(existingArn === undefined, changes),
    changes,
  });
  return arn;
}
