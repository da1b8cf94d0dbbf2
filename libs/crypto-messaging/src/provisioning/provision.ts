import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { awsCaller, requireValue } from '../plan/aws-errors';
import { aliasIdentity, kmsIdentity, type KeyIdentity } from '../plan/compare';
import { findTopicArn, listTopicSubscriptions } from '../plan/lookups';
import { plan } from '../plan/plan';
import { ensureQueue, ensureSubscription, ensureTopic } from './ensure-resources';
import { ensureKey } from './ensure-key';
import type { ProvisionOptions, ProvisionReport, ProvisionRow, QueueEndpoints } from './provision.types';

export type {
  ProvisionOptions,
  ProvisionOutcome,
  ProvisionReport,
  ProvisionRow,
  QueueEndpoints,
  ResourceKind,
} from './provision.types';

/**
 * Creates or verifies every resource of the topology: keys (aws profile), topic, dead-letter
 * queues, queues and subscriptions, with their encryption, policies and attributes. It reads
 * the live state, compares it with the {@link plan} and applies the difference, so it is safe
 * to re-run: an up-to-date resource is reported `unchanged`, a drifted one is corrected and
 * reported `updated` with the attributes it fixed.
 */
export async function provisionTopology(options: ProvisionOptions): Promise<ProvisionReport> {
  const { topology, clients, profile, endpoint } = options;
  const rows: ProvisionRow[] = [];
  const emit = (row: ProvisionRow) => {
    rows.push(row);
    options.onProgress?.(row);
  };
  const call = awsCaller(endpoint);

  // The topic comes first: its ARN tells the account and partition the plan needs, without an
  // STS call. Its attributes are set once the key exists.
  const topicResource = `topic ${topology.topic.name}`;
  let topicArn = await call('sns:ListTopics', topicResource, () =>
    findTopicArn(clients.sns, topology.topic.name),
  );
  const topicCreated = topicArn === undefined;
  if (topicArn === undefined) {
    const out = await call('sns:CreateTopic', topicResource, () =>
      clients.sns.send(new CreateTopicCommand({ Name: topology.topic.name })),
    );
    topicArn = requireValue(out.TopicArn, 'CreateTopic returned no TopicArn', topicResource, endpoint);
  }
  const desired = plan(topology, profile, options.principals, topicArn);

  const keys = new Map<string, KeyIdentity>();
  const keyArns: Record<string, string> = {};
  for (const key of desired.keys) {
    const { ref, alias } = key.declaration;
    // No KMS in the embedded profile: the broker only stores the alias.
    if (profile === 'embedded') {
      keys.set(ref, aliasIdentity(alias));
      continue;
    }
    const meta = await ensureKey(key, clients.kms, call, emit);
    const arn = requireValue(meta.Arn, 'DescribeKey returned no Arn', key.resource);
    keyArns[ref] = arn;
    keys.set(ref, kmsIdentity(alias, meta, arn));
  }
  // plan() refused undeclared key refs, so every ref has an identity.
  const keyOf = (ref: string) => keys.get(ref) as KeyIdentity;

  const context = { clients, call, emit };
  await ensureTopic(desired.topic, topicCreated, keyOf(desired.topic.keyRef), context);

  const addresses = new Map<string, { url: string; arn: string }>();
  for (const queue of desired.queues) {
    addresses.set(queue.name, await ensureQueue(queue, keyOf(queue.keyRef), context));
  }

  const existing = await call('sns:ListSubscriptionsByTopic', topicResource, () =>
    listTopicSubscriptions(clients.sns, desired.topicArn),
  );
  const queues: Record<string, QueueEndpoints> = {};
  for (const subscription of desired.subscriptions) {
    const { consumer, name, deadLetterQueueName } = subscription.declaration;
    const main = addresses.get(name) as { url: string; arn: string };
    const dlq = addresses.get(deadLetterQueueName) as { url: string; arn: string };
    const found = existing.find((s) => s.Protocol === 'sqs' && s.Endpoint === main.arn);
    const subscriptionArn = await ensureSubscription(subscription, main.arn, found?.SubscriptionArn, context);
    queues[consumer] = { url: main.url, arn: main.arn, dlqUrl: dlq.url, dlqArn: dlq.arn, subscriptionArn };
  }

  return { profile, rows, topicArn: desired.topicArn, queues, keyArns };
}
