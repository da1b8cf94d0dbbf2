import type { KeyMetadata } from '@aws-sdk/client-kms';
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../config/aws-clients';
import type { Profile } from '../config/messaging.config';
import { ConfigError } from '../errors/messaging.error';
import type { KeyDeclaration, MessagingTopology, QueueDeclaration } from '../topology/topology.types';
import {
  describeKey,
  findQueueUrl,
  findTopicArn,
  listTopicSubscriptions,
  queueAttributes,
  notAwsApiExplanation,
  wrapAwsError,
} from './lookups';
import {
  buildKeyPolicy,
  buildQueuePolicy,
  buildTopicPolicy,
  parseArn,
  resolvePrincipals,
  sameJson,
  type KeyPrincipals,
  type KeyUsage,
  type ResolvedPrincipals,
} from './policies';

/** What provisioning did to one resource. */
export type ProvisionOutcome = 'created' | 'updated' | 'unchanged';

/** The kinds of resource the topology declares. */
export type ResourceKind = 'kms-key' | 'topic' | 'queue' | 'dead-letter-queue' | 'subscription';

/** One line of the provisioning report. */
export interface ProvisionRow {
  /** `<kind> <name>`: the same label the doctor uses. */
  readonly resource: string;
  readonly kind: ResourceKind;
  readonly name: string;
  readonly arn: string;
  /** The `KmsMasterKeyId` set (key ARN; the alias in the embedded profile), or what the row is. */
  readonly encryption: string;
  readonly outcome: ProvisionOutcome;
  /** What was created or corrected (attribute names, `enabled`, `rotation`...); empty when unchanged. */
  readonly changes: readonly string[];
}

/** Where a consumer's queue and dead-letter queue are. */
export interface QueueEndpoints {
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  readonly subscriptionArn: string;
}

/** Everything provisioning did, and the addresses the apps need. */
export interface ProvisionReport {
  readonly profile: Profile;
  readonly rows: readonly ProvisionRow[];
  readonly topicArn: string;
  /** Per consumer (`billing`, ...). */
  readonly queues: Readonly<Record<string, QueueEndpoints>>;
  /** Key ARN per key ref (`records`); empty in the embedded profile, which has no KMS. */
  readonly keyArns: Readonly<Record<string, string>>;
}

/** Options of {@link provisionTopology}. */
export interface ProvisionOptions {
  readonly topology: MessagingTopology;
  readonly clients: Pick<AwsClients, 'sns' | 'sqs' | 'kms'>;
  /** `aws`: KMS keys and key policies too. `embedded`: the broker only, no KMS calls. */
  readonly profile: Profile;
  /** Principals the key policies name; the account root where not given. */
  readonly principals?: KeyPrincipals;
  /** Named in error messages so that "cannot connect" says where. */
  readonly endpoint?: string;
  /** Called as each resource is done, for live progress output. */
  readonly onProgress?: (row: ProvisionRow) => void;
}

/** The SSE key the topic and queues are set to: what `KmsMasterKeyId` should hold. */
interface KeyRef {
  readonly declaration: KeyDeclaration;
  /** Key ARN (aws) or alias (embedded). */
  readonly masterKeyId: string;
  /** Values that denote the same key (ARN, key id, alias). */
  readonly sameKey: ReadonlySet<string>;
}

/**
 * Creates or verifies every resource of the topology: keys (aws profile), topic, dead-letter
 * queues, queues and subscriptions, with their encryption, policies and attributes. Safe to
 * re-run: an up-to-date resource is reported `unchanged`, a drifted one is corrected and
 * reported `updated` with the attributes it fixed.
 */
export async function provisionTopology(options: ProvisionOptions): Promise<ProvisionReport> {
  const { topology, clients, profile, endpoint } = options;
  const rows: ProvisionRow[] = [];
  const emit = (row: ProvisionRow) => {
    rows.push(row);
    options.onProgress?.(row);
  };
  const call = async <T>(operation: string, resource: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw wrapAwsError(error, operation, resource, endpoint);
    }
  };

  // The topic comes first: its ARN tells the account and partition the key policies need,
  // without an STS call. Its attributes are set once the key exists.
  const topicName = topology.topic.name;
  const topicResource = `topic ${topicName}`;
  let topicArn = await call('sns:ListTopics', topicResource, () => findTopicArn(clients.sns, topicName));
  const topicCreated = topicArn === undefined;
  if (topicArn === undefined) {
    const out = await call('sns:CreateTopic', topicResource, () =>
      clients.sns.send(new CreateTopicCommand({ Name: topicName })),
    );
    topicArn = requireValue(out.TopicArn, 'CreateTopic returned no TopicArn', topicResource, endpoint);
  }
  const { partition, accountId } = parseArn(topicArn);
  const consumers = topology.queues.map((q) => q.consumer);
  const principals = resolvePrincipals(partition, accountId, consumers, options.principals);

  const keys = new Map<string, KeyRef>();
  const keyArns: Record<string, string> = {};
  for (const declaration of topology.keys) {
    if (profile === 'embedded') {
      // No KMS here: the broker only stores the alias, so the same attribute values apply.
      keys.set(declaration.ref, {
        declaration,
        masterKeyId: declaration.alias,
        sameKey: new Set([declaration.alias]),
      });
      continue;
    }
    const usage = keyUsage(topology, declaration.ref);
    const meta = await ensureKey({
      declaration,
      topicArn,
      principals,
      usage,
      consumers,
      call,
      emit,
      clients,
    });
    const arn = requireValue(meta.Arn, 'DescribeKey returned no Arn', `kms-key ${declaration.alias}`);
    keyArns[declaration.ref] = arn;
    keys.set(declaration.ref, {
      declaration,
      masterKeyId: arn,
      sameKey: new Set([arn, declaration.alias, meta.KeyId ?? arn]),
    });
  }
  const keyFor = (ref: string): KeyRef => {
    const key = keys.get(ref);
    if (!key)
      throw new ConfigError(`The topology references undeclared key "${ref}": declare it in topology.keys`);
    return key;
  };

  // Topic attributes.
  const topicKey = keyFor(topology.topic.keyRef);
  const topicAttrs = await call('sns:GetTopicAttributes', topicResource, () =>
    clients.sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn })),
  );
  const current = topicAttrs.Attributes ?? {};
  const desiredTopic: Record<string, string> = {
    KmsMasterKeyId: topicKey.masterKeyId,
    Policy: JSON.stringify(buildTopicPolicy(topicArn)),
  };
  const topicChanges: string[] = [];
  for (const [name, value] of Object.entries(desiredTopic)) {
    const same =
      name === 'KmsMasterKeyId' ? topicKey.sameKey.has(current[name] ?? '') : sameJson(current[name], value);
    if (same) continue;
    await call('sns:SetTopicAttributes', topicResource, () =>
      clients.sns.send(
        new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: name, AttributeValue: value }),
      ),
    );
    topicChanges.push(name);
  }
  emit({
    resource: topicResource,
    kind: 'topic',
    name: topicName,
    arn: topicArn,
    encryption: topicKey.masterKeyId,
    outcome: topicCreated ? 'created' : topicChanges.length > 0 ? 'updated' : 'unchanged',
    changes: topicCreated ? [] : topicChanges,
  });

  // Dead-letter queue before its source queue: the redrive policy needs its ARN.
  const queues: Record<string, Omit<QueueEndpoints, 'subscriptionArn'>> = {};
  for (const queue of topology.queues) {
    const key = keyFor(queue.keyRef);
    const common = {
      KmsMasterKeyId: key.masterKeyId,
      KmsDataKeyReusePeriodSeconds: String(topology.dataKeyReusePeriodS),
      VisibilityTimeout: String(queue.visibilityTimeoutS),
      ReceiveMessageWaitTimeSeconds: String(queue.receiveWaitTimeS),
    };
    const dlq = await ensureQueue({
      kind: 'dead-letter-queue',
      name: queue.deadLetterQueueName,
      attributes: { ...common, MessageRetentionPeriod: String(queue.deadLetterRetentionS) },
      policyFor: (arn) => buildQueuePolicy(arn, undefined),
      key,
      call,
      emit,
      clients,
    });
    const main = await ensureQueue({
      kind: 'queue',
      name: queue.name,
      attributes: {
        ...common,
        MessageRetentionPeriod: String(queue.messageRetentionS),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlq.arn,
          maxReceiveCount: queue.maxReceiveCount,
        }),
      },
      policyFor: (arn) => buildQueuePolicy(arn, topicArn),
      key,
      call,
      emit,
      clients,
    });
    queues[queue.consumer] = { url: main.url, arn: main.arn, dlqUrl: dlq.url, dlqArn: dlq.arn };
  }

  // Subscriptions last: SNS may deliver as soon as they exist, so the queues must be ready.
  const existing = await call('sns:ListSubscriptionsByTopic', topicResource, () =>
    listTopicSubscriptions(clients.sns, topicArn),
  );
  const withSubscriptions: Record<string, QueueEndpoints> = {};
  for (const queue of topology.queues) {
    const target = queues[queue.consumer];
    const subscriptionArn = await ensureSubscription({
      queue,
      topicArn,
      queueArn: target.arn,
      existingArn: existing.find((s) => s.Protocol === 'sqs' && s.Endpoint === target.arn)?.SubscriptionArn,
      call,
      emit,
      clients,
    });
    withSubscriptions[queue.consumer] = { ...target, subscriptionArn };
  }

  return { profile, rows, topicArn, queues: withSubscriptions, keyArns };
}

/** Which statements a key's policy needs, from what it encrypts. */
export function keyUsage(topology: MessagingTopology, keyRef: string): KeyUsage {
  return {
    encryptsTopic: topology.topic.keyRef === keyRef,
    queueConsumers: topology.queues.filter((q) => q.keyRef === keyRef).map((q) => q.consumer),
  };
}

type Call = <T>(operation: string, resource: string, run: () => Promise<T>) => Promise<T>;
type Clients = ProvisionOptions['clients'];

async function ensureKey(args: {
  declaration: KeyDeclaration;
  topicArn: string;
  principals: ResolvedPrincipals;
  usage: KeyUsage;
  consumers: readonly string[];
  call: Call;
  emit: (row: ProvisionRow) => void;
  clients: Clients;
}): Promise<KeyMetadata> {
  const { declaration, call, clients } = args;
  const { kms } = clients;
  const alias = declaration.alias;
  const resource = `kms-key ${alias}`;
  const policy = JSON.stringify(
    buildKeyPolicy({
      topicArn: args.topicArn,
      principals: args.principals,
      usage: args.usage,
      allConsumers: args.consumers,
    }),
  );
  const changes: string[] = [];
  let outcome: ProvisionOutcome;
  let meta = await call('kms:DescribeKey', resource, () => describeKey(kms, alias));
  if (!meta) {
    const created = await call('kms:CreateKey', resource, () =>
      kms.createKey({
        Description: declaration.description,
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        Policy: policy,
        Tags: [{ TagKey: 'managed-by', TagValue: 'crypto-messaging' }],
      }),
    );
    const keyId = requireValue(created.KeyMetadata?.KeyId, 'CreateKey returned no KeyId', resource);
    await call('kms:CreateAlias', resource, () => kms.createAlias({ AliasName: alias, TargetKeyId: keyId }));
    await call('kms:EnableKeyRotation', resource, () => kms.enableKeyRotation({ KeyId: keyId }));
    meta = created.KeyMetadata;
    outcome = 'created';
  } else {
    // Key operations take the key id: moto 5.2.1 fails DisableKey/EnableKey given an ARN (500).
    const keyId = requireValue(meta.KeyId, 'DescribeKey returned no KeyId', resource);
    if (meta.KeyManager === 'AWS') {
      throw new ConfigError(
        `${alias} points at an AWS-managed key: SNS cannot deliver to queues on it and its policy cannot be changed. ` +
          'Point the alias at a customer-managed key (aws kms update-alias) or choose another CLINIC_PREFIX.',
      );
    }
    if (meta.KeySpec !== 'SYMMETRIC_DEFAULT' || meta.KeyUsage !== 'ENCRYPT_DECRYPT') {
      throw new ConfigError(
        `${alias} points at a ${meta.KeySpec ?? 'non-symmetric'} key: SNS and SQS encryption need a ` +
          'SYMMETRIC_DEFAULT ENCRYPT_DECRYPT key. Point the alias at one (aws kms update-alias) or choose another CLINIC_PREFIX.',
      );
    }
    if (meta.KeyState === 'PendingDeletion' || meta.KeyState === 'PendingReplicaDeletion') {
      await call('kms:CancelKeyDeletion', resource, () => kms.cancelKeyDeletion({ KeyId: keyId }));
      changes.push('deletion cancelled');
      meta = { ...meta, KeyState: 'Disabled' };
    }
    if (meta.KeyState === 'Disabled') {
      await call('kms:EnableKey', resource, () => kms.enableKey({ KeyId: keyId }));
      changes.push('enabled');
    } else if (meta.KeyState !== 'Enabled') {
      throw new ConfigError(
        `${alias} is in state ${meta.KeyState ?? 'unknown'}, which provisioning cannot repair. ` +
          'Resolve it in the KMS console (for imported keys: import key material), then re-run provisioning.',
      );
    }
    const rotation = await call('kms:GetKeyRotationStatus', resource, () =>
      kms.getKeyRotationStatus({ KeyId: keyId }),
    );
    if (!rotation.KeyRotationEnabled) {
      await call('kms:EnableKeyRotation', resource, () => kms.enableKeyRotation({ KeyId: keyId }));
      changes.push('rotation');
    }
    const live = await call('kms:GetKeyPolicy', resource, () =>
      kms.getKeyPolicy({ KeyId: keyId, PolicyName: 'default' }),
    );
    if (!sameJson(live.Policy, policy)) {
      await call('kms:PutKeyPolicy', resource, () =>
        kms.putKeyPolicy({ KeyId: keyId, PolicyName: 'default', Policy: policy }),
      );
      changes.push('key policy');
    }
    outcome = changes.length > 0 ? 'updated' : 'unchanged';
  }
  const done = requireValue(meta, 'CreateKey returned no KeyMetadata', resource);
  const arn = requireValue(done.Arn, 'KMS returned no key ARN', resource);
  args.emit({
    resource,
    kind: 'kms-key',
    name: alias,
    arn,
    encryption: 'customer-managed, symmetric, rotation on',
    outcome,
    changes,
  });
  return done;
}

async function ensureQueue(args: {
  kind: 'queue' | 'dead-letter-queue';
  name: string;
  /** Every attribute but `Policy`, which needs the queue ARN. */
  attributes: Record<string, string>;
  policyFor: (queueArn: string) => object;
  key: KeyRef;
  call: Call;
  emit: (row: ProvisionRow) => void;
  clients: Clients;
}): Promise<{ url: string; arn: string }> {
  const { name, call, key } = args;
  const { sqs } = args.clients;
  const resource = `${args.kind} ${name}`;
  let url = await call('sqs:GetQueueUrl', resource, () => findQueueUrl(sqs, name));
  const created = url === undefined;
  const changes: string[] = [];
  if (url === undefined) {
    const out = await call('sqs:CreateQueue', resource, () =>
      sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: args.attributes })),
    );
    url = requireValue(out.QueueUrl, 'CreateQueue returned no QueueUrl', resource);
  }
  const queueUrl = url;
  const current = await call('sqs:GetQueueAttributes', resource, () => queueAttributes(sqs, queueUrl));
  const arn = requireValue(current.QueueArn, 'GetQueueAttributes returned no QueueArn', resource);
  const policy = JSON.stringify(args.policyFor(arn));
  const drifted = Object.entries(args.attributes).filter(
    ([attribute, value]) => !sameQueueAttribute(attribute, current[attribute], value, key),
  );
  const policyDrifted = !sameJson(current.Policy, policy);
  if (drifted.length > 0 || policyDrifted) {
    // The policy goes in every write: moto 5.2.1 drops a queue's Policy whenever
    // SetQueueAttributes changes other attributes without it.
    const update = { ...Object.fromEntries(drifted), Policy: policy };
    await call('sqs:SetQueueAttributes', resource, () =>
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: update })),
    );
    changes.push(...drifted.map(([attribute]) => attribute), ...(policyDrifted ? ['Policy'] : []));
    const after = await call('sqs:GetQueueAttributes', resource, () => queueAttributes(sqs, queueUrl));
    if (!sameJson(after.Policy, policy)) {
      await call('sqs:SetQueueAttributes', resource, () =>
        sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { Policy: policy } })),
      );
    }
  }
  args.emit({
    resource,
    kind: args.kind,
    name,
    arn,
    encryption: key.masterKeyId,
    outcome: created ? 'created' : changes.length > 0 ? 'updated' : 'unchanged',
    changes: created ? [] : changes,
  });
  return { url: queueUrl, arn };
}

/** Attribute comparison that ignores how a service re-serialises the value. */
function sameQueueAttribute(
  attribute: string,
  live: string | undefined,
  wanted: string,
  key: KeyRef,
): boolean {
  if (live === undefined) return false;
  if (attribute === 'KmsMasterKeyId') return key.sameKey.has(live);
  if (attribute === 'RedrivePolicy') return sameRedrive(live, wanted);
  if (/^\d+$/.test(wanted)) return Number(live) === Number(wanted);
  return live === wanted;
}

function sameRedrive(live: string, wanted: string): boolean {
  try {
    const a = JSON.parse(live) as { deadLetterTargetArn?: string; maxReceiveCount?: string | number };
    const b = JSON.parse(wanted) as { deadLetterTargetArn?: string; maxReceiveCount?: string | number };
    return (
      a.deadLetterTargetArn === b.deadLetterTargetArn &&
      Number(a.maxReceiveCount) === Number(b.maxReceiveCount)
    );
  } catch {
    return false;
  }
}

/** The subscription attributes the declaration implies. */
export function desiredSubscriptionAttributes(queue: QueueDeclaration): Record<string, string> {
  return {
    RawMessageDelivery: String(queue.rawMessageDelivery),
    FilterPolicyScope: 'MessageAttributes',
    FilterPolicy: JSON.stringify(queue.filterPolicy),
  };
}

/** True when a live subscription attribute matches the wanted value. */
export function sameSubscriptionAttribute(
  attribute: string,
  live: string | undefined,
  wanted: string,
): boolean {
  if (attribute === 'FilterPolicy') return sameJson(live, wanted);
  // SNS omits FilterPolicyScope on subscriptions that never set it: the default is MessageAttributes.
  if (attribute === 'FilterPolicyScope') return (live ?? 'MessageAttributes') === wanted;
  return (live ?? 'false') === wanted;
}

async function ensureSubscription(args: {
  queue: QueueDeclaration;
  topicArn: string;
  queueArn: string;
  existingArn: string | undefined;
  call: Call;
  emit: (row: ProvisionRow) => void;
  clients: Clients;
}): Promise<string> {
  const { queue, call } = args;
  const { sns } = args.clients;
  const resource = `subscription ${queue.name}`;
  const desired = desiredSubscriptionAttributes(queue);
  const changes: string[] = [];
  let arn = args.existingArn;
  const created = arn === undefined;
  if (arn === undefined) {
    const out = await call('sns:Subscribe', resource, () =>
      sns.send(
        new SubscribeCommand({
          TopicArn: args.topicArn,
          Protocol: 'sqs',
          Endpoint: args.queueArn,
          Attributes: desired,
          ReturnSubscriptionArn: true,
        }),
      ),
    );
    arn = requireValue(out.SubscriptionArn, 'Subscribe returned no SubscriptionArn', resource);
  } else {
    const subscriptionArn = arn;
    const live = await call('sns:GetSubscriptionAttributes', resource, () =>
      sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn })),
    );
    for (const [attribute, value] of Object.entries(desired)) {
      if (sameSubscriptionAttribute(attribute, live.Attributes?.[attribute], value)) continue;
      await call('sns:SetSubscriptionAttributes', resource, () =>
        sns.send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn: subscriptionArn,
            AttributeName: attribute,
            AttributeValue: value,
          }),
        ),
      );
      changes.push(attribute);
    }
  }
  args.emit({
    resource,
    kind: 'subscription',
    name: queue.name,
    arn,
    encryption: 'n/a (delivers into the encrypted queue)',
    outcome: created ? 'created' : changes.length > 0 ? 'updated' : 'unchanged',
    changes,
  });
  return arn;
}

/**
 * A field every AWS answer carries; without it the endpoint is not an AWS API (a web server on
 * the port answers a well-formed page, which parses to an empty result).
 */
function requireValue<T>(value: T | undefined, what: string, resource: string, endpoint?: string): T {
  if (value === undefined) {
    throw new ConfigError(`${resource}: ${what}: ${notAwsApiExplanation(endpoint)}`);
  }
  return value;
}
