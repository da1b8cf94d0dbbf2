/**
 * The desired state of a topology, computed once and used twice: provisioning applies the
 * difference between it and the live account, the doctor reports that difference. Pure: no
 * network, so every value is unit-tested.
 */
import type { Profile } from '../config/messaging.config';
import { keyOf } from '../topology/topology.lookup';
import type { KeyDeclaration, MessagingTopology, QueueDeclaration } from '../topology/topology.types';
import {
  buildKeyPolicy,
  buildQueuePolicy,
  buildTopicPolicy,
  parseArn,
  resolvePrincipals,
  type KeyPrincipals,
  type KeyUsage,
  type ResolvedPrincipals,
} from './policies';

/** A customer-managed, symmetric, rotating KMS key and the policy it carries. */
export interface PlannedKey {
  /** `kms-key <alias>`: the label of provisioning rows and doctor checks. */
  readonly resource: string;
  readonly declaration: KeyDeclaration;
  readonly keySpec: 'SYMMETRIC_DEFAULT';
  readonly keyUsage: 'ENCRYPT_DECRYPT';
  readonly rotation: true;
  /** What the key protects, which decides its policy's statements. */
  readonly usage: KeyUsage;
  /** The key policy (JSON text). Not applied in the embedded profile, which has no KMS. */
  readonly policy: string;
}

/**
 * Attributes as provisioning sets them. `KmsMasterKeyId` holds the key's alias: provisioning
 * writes the key ARN in its place where KMS exists (see `compare.ts`, `KeyIdentity`).
 */
export type PlannedAttributes = Readonly<Record<string, string>>;

/** The topic, its SSE key and its policy. */
export interface PlannedTopic {
  readonly resource: string;
  readonly name: string;
  readonly arn: string;
  readonly keyRef: string;
  readonly attributes: PlannedAttributes;
}

/** A consumer's queue or its dead-letter queue. */
export interface PlannedQueue {
  readonly resource: string;
  readonly kind: 'queue' | 'dead-letter-queue';
  readonly name: string;
  readonly arn: string;
  readonly declaration: QueueDeclaration;
  readonly keyRef: string;
  /** Every attribute, `Policy` last (it goes in every write: see provisioning). */
  readonly attributes: PlannedAttributes;
}

/** A queue's subscription to the topic. */
export interface PlannedSubscription {
  readonly resource: string;
  readonly declaration: QueueDeclaration;
  readonly topicArn: string;
  readonly queueArn: string;
  readonly attributes: PlannedAttributes;
}

/** The desired state of a whole topology, in the order provisioning creates it. */
export interface MessagingPlan {
  readonly profile: Profile;
  readonly topicArn: string;
  readonly principals: ResolvedPrincipals;
  readonly keys: readonly PlannedKey[];
  readonly topic: PlannedTopic;
  /** Per consumer, its dead-letter queue, then its queue (the redrive policy names the DLQ). */
  readonly queues: readonly PlannedQueue[];
  /** Last: SNS may deliver as soon as a subscription exists. */
  readonly subscriptions: readonly PlannedSubscription[];
}

/**
 * The desired state of `topology`. The topic ARN gives the partition, region and account
 * (no STS call): the key policies name the account root, the queue policies the topic, and
 * every ARN derives from it as AWS builds them.
 */
export function plan(
  topology: MessagingTopology,
  profile: Profile,
  principals: KeyPrincipals | undefined,
  topicArn: string,
): MessagingPlan {
  const { partition, region, accountId } = parseArn(topicArn);
  const consumers = topology.queues.map((q) => q.consumer);
  const resolved = resolvePrincipals(partition, accountId, consumers, principals);
  const queueArn = (name: string) => `arn:${partition}:sqs:${region}:${accountId}:${name}`;
  const keys = topology.keys.map((declaration): PlannedKey => ({
    resource: `kms-key ${declaration.alias}`,
    declaration,
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    rotation: true,
    usage: keyUsage(topology, declaration.ref),
    policy: JSON.stringify(
      buildKeyPolicy({
        topicArn,
        principals: resolved,
        usage: keyUsage(topology, declaration.ref),
        allConsumers: consumers,
      }),
    ),
  }));
  const topic: PlannedTopic = {
    resource: `topic ${topology.topic.name}`,
    name: topology.topic.name,
    arn: topicArn,
    keyRef: topology.topic.keyRef,
    attributes: {
      KmsMasterKeyId: keyOf(topology, topology.topic.keyRef).alias,
      Policy: JSON.stringify(buildTopicPolicy(topicArn)),
    },
  };
  const queues = topology.queues.flatMap((queue): PlannedQueue[] => {
    const common = {
      KmsMasterKeyId: keyOf(topology, queue.keyRef).alias,
      KmsDataKeyReusePeriodSeconds: String(topology.dataKeyReusePeriodS),
      VisibilityTimeout: String(queue.visibilityTimeoutS),
      ReceiveMessageWaitTimeSeconds: String(queue.receiveWaitTimeS),
    };
    const dlqArn = queueArn(queue.deadLetterQueueName);
    const arn = queueArn(queue.name);
    const base = { declaration: queue, keyRef: queue.keyRef };
    return [
      {
        ...base,
        resource: `dead-letter-queue ${queue.deadLetterQueueName}`,
        kind: 'dead-letter-queue',
        name: queue.deadLetterQueueName,
        arn: dlqArn,
        attributes: {
          ...common,
          MessageRetentionPeriod: String(queue.deadLetterRetentionS),
          Policy: JSON.stringify(buildQueuePolicy(dlqArn, undefined)),
        },
      },
      {
        ...base,
        resource: `queue ${queue.name}`,
        kind: 'queue',
        name: queue.name,
        arn,
        attributes: {
          ...common,
          MessageRetentionPeriod: String(queue.messageRetentionS),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn,
            maxReceiveCount: queue.maxReceiveCount,
          }),
          Policy: JSON.stringify(buildQueuePolicy(arn, topicArn)),
        },
      },
    ];
  });
  const subscriptions = topology.queues.map((queue): PlannedSubscription => ({
    resource: `subscription ${queue.name}`,
    declaration: queue,
    topicArn,
    queueArn: queueArn(queue.name),
    attributes: subscriptionAttributes(queue),
  }));
  return { profile, topicArn, principals: resolved, keys, topic, queues, subscriptions };
}

/** Which statements a key's policy needs, from what it encrypts. */
export function keyUsage(topology: MessagingTopology, keyRef: string): KeyUsage {
  return {
    encryptsTopic: topology.topic.keyRef === keyRef,
    queueConsumers: topology.queues.filter((q) => q.keyRef === keyRef).map((q) => q.consumer),
  };
}

/** The subscription attributes a queue declaration implies. */
export function subscriptionAttributes(queue: QueueDeclaration): Record<string, string> {
  return {
    RawMessageDelivery: String(queue.rawMessageDelivery),
    FilterPolicyScope: 'MessageAttributes',
    FilterPolicy: JSON.stringify(queue.filterPolicy),
  };
}
