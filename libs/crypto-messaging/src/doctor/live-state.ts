/**
 * Reads what the doctor checks from the live account, read-only. Every later step is pure.
 */
import type { KeyMetadata } from '@aws-sdk/client-kms';
import type { Subscription } from '@aws-sdk/client-sns';
import type { AwsCall } from '../plan/aws-errors';
import type { LiveKey } from '../plan/compare';
import {
  describeKey,
  findQueueUrl,
  findTopicArn,
  listTopicSubscriptions,
  queueAttributes,
  subscriptionAttributes,
  topicAttributes,
} from '../plan/lookups';
import type { MessagingTopology } from '../topology/topology.types';
import { awsManagedByName } from './checks/encryption';
import type { DoctorOptions } from './doctor.types';

/** A live key: its metadata and, when it exists, its rotation and policy. */
export interface LiveKeyState extends Partial<LiveKey> {
  readonly meta?: KeyMetadata;
}

/** Everything the doctor read. Absent entries mean "does not exist" (or not asked: no KMS). */
export interface LiveState {
  readonly topicArn?: string;
  readonly topicAttributes?: Record<string, string>;
  /** Per key ref; empty in the embedded profile. */
  readonly keys: ReadonlyMap<string, LiveKeyState>;
  /** Per queue name (queues and dead-letter queues). */
  readonly queues: ReadonlyMap<string, Record<string, string>>;
  readonly subscriptions: readonly Subscription[];
  /** Per declared queue name whose subscription exists (and is confirmed). */
  readonly subscriptionAttributes: ReadonlyMap<string, Record<string, string>>;
  /** DescribeKey of every `KmsMasterKeyId` seen (aws profile, not AWS-managed by name). */
  readonly sseKeys: ReadonlyMap<string, KeyMetadata | undefined>;
}

/** Reads the topic, the keys (aws profile), every queue and the subscriptions. */
export async function readLiveState(
  topology: MessagingTopology,
  { clients, profile }: Pick<DoctorOptions, 'clients' | 'profile'>,
  call: AwsCall,
): Promise<LiveState> {
  const kmsEnforced = profile === 'aws';
  const topicResource = `topic ${topology.topic.name}`;
  const topicArn = await call('sns:ListTopics', topicResource, () =>
    findTopicArn(clients.sns, topology.topic.name),
  );

  const keys = new Map<string, LiveKeyState>();
  for (const key of kmsEnforced ? topology.keys : []) {
    const resource = `kms-key ${key.alias}`;
    const meta = await call('kms:DescribeKey', resource, () => describeKey(clients.kms, key.alias));
    const keyId = meta?.KeyId;
    if (!keyId || !meta.Arn) {
      keys.set(key.ref, { meta });
      continue;
    }
    const rotation =
      meta.KeyManager === 'AWS'
        ? undefined
        : (
            await call('kms:GetKeyRotationStatus', resource, () =>
              clients.kms.getKeyRotationStatus({ KeyId: keyId }),
            )
          ).KeyRotationEnabled;
    const policy = await call('kms:GetKeyPolicy', resource, () =>
      clients.kms.getKeyPolicy({ KeyId: keyId, PolicyName: 'default' }),
    );
    keys.set(key.ref, { meta, state: meta.KeyState, rotation, policy: policy.Policy });
  }

  const sseKeys = new Map<string, KeyMetadata | undefined>();
  const describeSse = async (resource: string, masterKeyId: string | undefined) => {
    if (!kmsEnforced || !masterKeyId || awsManagedByName(masterKeyId) || sseKeys.has(masterKeyId)) return;
    sseKeys.set(
      masterKeyId,
      await call('kms:DescribeKey', resource, () => describeKey(clients.kms, masterKeyId)),
    );
  };

  const topic = topicArn
    ? await call('sns:GetTopicAttributes', topicResource, () => topicAttributes(clients.sns, topicArn))
    : undefined;
  await describeSse(topicResource, topic?.KmsMasterKeyId);
  const subscriptions = topicArn
    ? await call('sns:ListSubscriptionsByTopic', topicResource, () =>
        listTopicSubscriptions(clients.sns, topicArn),
      )
    : [];

  const queues = new Map<string, Record<string, string>>();
  const subscribed = new Map<string, Record<string, string>>();
  for (const queue of topology.queues) {
    for (const [kind, name] of [
      ['dead-letter-queue', queue.deadLetterQueueName],
      ['queue', queue.name],
    ] as const) {
      const resource = `${kind} ${name}`;
      const url = await call('sqs:GetQueueUrl', resource, () => findQueueUrl(clients.sqs, name));
      if (!url) continue;
      const attributes = await call('sqs:GetQueueAttributes', resource, () =>
        queueAttributes(clients.sqs, url),
      );
      queues.set(name, attributes);
      await describeSse(resource, attributes.KmsMasterKeyId);
    }
    const arn = queues.get(queue.name)?.QueueArn ?? '';
    const found = subscriptions.find((s) => s.Protocol === 'sqs' && s.Endpoint === arn)?.SubscriptionArn;
    if (!topicArn || !queues.has(queue.name) || !found || found === 'PendingConfirmation') continue;
    const resource = `subscription ${queue.name}`;
    subscribed.set(
      queue.name,
      await call('sns:GetSubscriptionAttributes', resource, () => subscriptionAttributes(clients.sns, found)),
    );
  }

  return {
    topicArn,
    topicAttributes: topic,
    keys,
    queues,
    subscriptions,
    subscriptionAttributes: subscribed,
    sseKeys,
  };
}
