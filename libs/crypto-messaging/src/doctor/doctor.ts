import type { KeyMetadata } from '@aws-sdk/client-kms';
import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import type { AwsClients } from '../config/aws-clients';
import type { Profile } from '../config/messaging.config';
import { allowedAttributesOf } from '../topology/topology.lookup';
import type { KeyDeclaration, MessagingTopology, QueueDeclaration } from '../topology/topology.types';
import {
  describeKey,
  findQueueUrl,
  findTopicArn,
  listTopicSubscriptions,
  queueAttributes,
  wrapAwsError,
} from '../provisioning/lookups';
import {
  CONSUMER_KEY_ACTIONS,
  PUBLISHER_KEY_ACTIONS,
  parseArn,
  resolvePrincipals,
  sameJson,
  type KeyPrincipals,
  type ResolvedPrincipals,
} from '../provisioning/policies';
import {
  desiredSubscriptionAttributes,
  keyUsage,
  sameSubscriptionAttribute,
} from '../provisioning/provision';
import {
  deniesInsecureTransport,
  filterPolicyAttributeNames,
  grantFor,
  isLoopbackEndpoint,
  openAllowStatements,
  parsePolicy,
  snsKeyGrant,
  snsQueueGrant,
  type ServiceGrantStatus,
} from './policy-analysis';

/** Result of one check. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

/** One finding: which resource, what is wrong (or right), and how to fix it. */
export interface DoctorCheck {
  /** Stable id (`queue.encryption`), for tests, docs and workshop labs. */
  readonly id: string;
  readonly status: CheckStatus;
  /** `<kind> <name>` as in the provisioning report, e.g. `queue clinic-billing`. */
  readonly resource: string;
  readonly message: string;
  /** Present on every warn and fail. */
  readonly fix?: string;
}

/** All findings; `ok` is false when any check failed. */
export interface DoctorReport {
  readonly checks: readonly DoctorCheck[];
  readonly ok: boolean;
}

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  readonly topology: MessagingTopology;
  readonly clients: Pick<AwsClients, 'sns' | 'sqs' | 'kms'>;
  readonly profile: Profile;
  /** The endpoint the clients talk to (`undefined` = AWS itself). */
  readonly endpoint: string | undefined;
  /** The principals the key policies should name; the account root where not given. */
  readonly principals?: KeyPrincipals;
}

const PROVISION = 'run npm run clinic -- provision';

/**
 * An `aws` CLI command as the person should type it: with `--endpoint-url` when the doctor talks
 * to an endpoint other than AWS itself, so a fix tried in a lab reaches moto, not a real account.
 */
export function awsCliCommand(command: string, endpoint: string | undefined): string {
  return endpoint ? `${command} --endpoint-url ${endpoint}` : command;
}
const MIN_REUSE_S = 60;
const MAX_REUSE_S = 86_400;

/**
 * Reads the live configuration and checks it statically against the topology and the rules
 * emulators do not enforce (key policies, queue policies, key state, AWS-managed keys, TLS).
 * Read-only: it never changes anything; the fix of most findings is to re-run provisioning.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { topology, clients, profile, endpoint } = options;
  const checks: DoctorCheck[] = [];
  const add = (check: DoctorCheck) => checks.push(check);
  const call = async <T>(operation: string, resource: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw wrapAwsError(error, operation, resource, endpoint);
    }
  };
  const kmsEnforced = profile === 'aws';
  const aws = (command: string) => awsCliCommand(command, endpoint);

  // 8. Where we are: emulators enforce neither policies nor KMS.
  const target = endpoint ?? 'AWS (default endpoint)';
  if (profile === 'embedded' || isLoopbackEndpoint(endpoint)) {
    add({
      id: 'endpoint.enforcement',
      status: 'warn',
      resource: `endpoint ${target}`,
      message:
        profile === 'embedded'
          ? 'embedded profile: the local broker enforces no key or queue policy and there is no KMS, so ' +
            'KmsMasterKeyId is a name only; each body is envelope-encrypted with the local master key'
          : 'a local emulator: it enforces no key policy, queue policy or key state, so passing here proves the configuration, not the enforcement',
      fix: 'run the doctor against the real AWS account before go-live (CLINIC_PROFILE=aws, no AWS_ENDPOINT_URL)',
    });
  } else if (endpoint && new URL(endpoint).protocol !== 'https:') {
    add({
      id: 'endpoint.tls',
      status: 'fail',
      resource: `endpoint ${target}`,
      message: 'a remote endpoint over plain HTTP: requests and credentials travel unencrypted',
      fix: 'use the https:// endpoint (or unset AWS_ENDPOINT_URL for AWS itself)',
    });
  } else {
    add({
      id: 'endpoint.enforcement',
      status: 'pass',
      resource: `endpoint ${target}`,
      message: 'AWS endpoint over TLS: key and resource policies are enforced',
    });
  }

  // Topic.
  const topicResource = `topic ${topology.topic.name}`;
  const topicArn = await call('sns:ListTopics', topicResource, () =>
    findTopicArn(clients.sns, topology.topic.name),
  );
  if (!topicArn) {
    add({ id: 'topic.exists', status: 'fail', resource: topicResource, message: 'missing', fix: PROVISION });
  }
  const account = topicArn ? parseArn(topicArn) : undefined;
  const principals = account
    ? resolvePrincipals(
        account.partition,
        account.accountId,
        topology.queues.map((q) => q.consumer),
        options.principals,
      )
    : undefined;

  // Keys (5, 2, 4).
  const keyArns = new Map<string, string>();
  for (const key of topology.keys) {
    const resource = `kms-key ${key.alias}`;
    if (!kmsEnforced) {
      add({
        id: 'key.kms',
        status: 'warn',
        resource,
        message:
          'no KMS in the embedded profile: key state, rotation and key policy are not checked; ' +
          'the local master key (<state>/master-key.bin) encrypts the envelopes instead',
        fix: 'run the doctor with CLINIC_PROFILE=aws against moto, LocalStack or AWS to check the keys',
      });
      continue;
    }
    const arn = await checkKey({ key, topology, topicArn, principals, clients, call, add, aws });
    if (arn) keyArns.set(key.ref, arn);
  }

  /** Classifies a `KmsMasterKeyId` against the declared key (1, 6). */
  const checkEncryption = async (
    id: string,
    resource: string,
    masterKeyId: string | undefined,
    declared: KeyDeclaration,
    subscribed: boolean,
  ) => {
    if (!masterKeyId) {
      add({
        id,
        status: 'fail',
        resource,
        message:
          'not encrypted with a KMS key (KmsMasterKeyId is empty; SSE-SQS/none is not customer-managed)',
        fix: `${PROVISION} (sets KmsMasterKeyId to ${declared.alias})`,
      });
      return;
    }
    const awsManagedByName = /^(alias\/aws\/|arn:[^:]+:kms:[^:]*:[^:]*:alias\/aws\/)/.test(masterKeyId);
    let meta: KeyMetadata | undefined;
    if (!awsManagedByName && kmsEnforced) {
      meta = await call('kms:DescribeKey', resource, () => describeKey(clients.kms, masterKeyId));
    }
    if (awsManagedByName || meta?.KeyManager === 'AWS') {
      add({
        id,
        status: 'fail',
        resource,
        message: subscribed
          ? `encrypted with the AWS-managed key ${masterKeyId}: its policy cannot admit SNS, so deliveries are dropped silently`
          : `encrypted with the AWS-managed key ${masterKeyId}, not the customer-managed ${declared.alias}`,
        fix: `${PROVISION} (sets KmsMasterKeyId to ${declared.alias})`,
      });
      return;
    }
    const declaredArn = keyArns.get(declared.ref);
    const same = kmsEnforced
      ? meta?.Arn !== undefined && meta.Arn === declaredArn
      : masterKeyId === declared.alias;
    if (kmsEnforced && !meta) {
      add({
        id,
        status: 'fail',
        resource,
        message: `KmsMasterKeyId ${masterKeyId} names no existing key: nothing can be encrypted or delivered`,
        fix: `${PROVISION} (sets KmsMasterKeyId to ${declared.alias})`,
      });
    } else if (!same) {
      add({
        id,
        status: 'fail',
        resource,
        message: `encrypted with ${masterKeyId}, not the declared ${declared.alias}`,
        fix: `${PROVISION} (sets KmsMasterKeyId to ${declared.alias})`,
      });
    } else if (kmsEnforced) {
      add({ id, status: 'pass', resource, message: `encrypted with the customer-managed ${declared.alias}` });
    } else {
      // Say what is true here: the broker stores the attribute and encrypts nothing with it.
      add({
        id,
        status: 'pass',
        resource,
        message:
          `KmsMasterKeyId names ${declared.alias} as declared, but the embedded broker does not enforce ` +
          'it (no KMS): the body is envelope-encrypted with the local key',
      });
    }
  };

  if (topicArn) {
    const attrs =
      (
        await call('sns:GetTopicAttributes', topicResource, () =>
          clients.sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn })),
        )
      ).Attributes ?? {};
    await checkEncryption(
      'topic.encryption',
      topicResource,
      attrs.KmsMasterKeyId,
      keyOfRef(topology, topology.topic.keyRef),
      false,
    );
    const policy = parsePolicy(attrs.Policy);
    add(
      deniesInsecureTransport(policy, ['sns:Publish'])
        ? {
            id: 'topic.https-only',
            status: 'pass',
            resource: topicResource,
            message: 'topic policy denies requests without TLS',
          }
        : {
            id: 'topic.https-only',
            status: 'fail',
            resource: topicResource,
            message: 'topic policy has no Deny on aws:SecureTransport=false for sns:Publish',
            fix: PROVISION,
          },
    );
    const open = openAllowStatements(policy);
    if (open.length > 0) {
      add({
        id: 'topic.owner-only',
        status: 'fail',
        resource: topicResource,
        message: `topic policy allows anyone without a condition (statement ${open.map((s) => s.Sid ?? '?').join(', ')})`,
        fix: PROVISION,
      });
    }
  }

  // Queues and dead-letter queues.
  const subscriptions = topicArn
    ? await call('sns:ListSubscriptionsByTopic', topicResource, () =>
        listTopicSubscriptions(clients.sns, topicArn),
      )
    : [];
  for (const queue of topology.queues) {
    const key = keyOfRef(topology, queue.keyRef);
    const dlq = await checkQueue({
      queue,
      name: queue.deadLetterQueueName,
      kind: 'dead-letter-queue',
      topicArn: undefined,
      topology,
      clients,
      call,
      add,
      checkEncryption: (resource, id, value) => checkEncryption(id, resource, value, key, false),
    });
    const main = await checkQueue({
      queue,
      name: queue.name,
      kind: 'queue',
      topicArn,
      dlqArn: dlq?.arn,
      topology,
      clients,
      call,
      add,
      checkEncryption: (resource, id, value) => checkEncryption(id, resource, value, key, true),
    });
    if (topicArn && main) {
      const subscription = subscriptions.find((s) => s.Protocol === 'sqs' && s.Endpoint === main.arn);
      await checkSubscription({ queue, subscriptionArn: subscription?.SubscriptionArn, clients, call, add });
    }
  }
  if (topicArn) {
    const declared = new Set(topology.queues.map((q) => q.name));
    for (const s of subscriptions) {
      const name = s.Endpoint ? safeResourceName(s.Endpoint) : undefined;
      if (name && s.Protocol === 'sqs' && declared.has(name)) continue;
      add({
        id: 'subscription.undeclared',
        status: 'warn',
        resource: `subscription ${s.SubscriptionArn ?? '?'}`,
        message: `the topic also delivers to ${s.Protocol ?? '?'} ${s.Endpoint ?? '?'}, which the topology does not declare`,
        fix: `declare it in the topology or unsubscribe it (${aws(`aws sns unsubscribe --subscription-arn ${s.SubscriptionArn ?? '<arn>'}`)})`,
      });
    }
  }

  // 7. PHI: attributes and subjects are plaintext. Statically, routing may use only the allowlist.
  const allowed = allowedAttributesOf(topology);
  for (const queue of topology.queues) {
    const names = filterPolicyAttributeNames(queue.filterPolicy);
    const unknown = names.filter((n) => !allowed.has(n));
    add(
      unknown.length === 0
        ? {
            id: 'phi.filter-attributes',
            status: 'pass',
            resource: `subscription ${queue.name}`,
            message: `filter policy routes only on allowlisted, PHI-free attributes (${names.join(', ')}); subjects, attribute values and encryption context are guarded at publish time`,
          }
        : {
            id: 'phi.filter-attributes',
            status: 'warn',
            resource: `subscription ${queue.name}`,
            message: `filter policy routes on attributes outside the allowlist (${unknown.join(', ')}): attributes are plaintext and must never carry PHI`,
            fix: "route only on the topology's declared attributes, or declare a PHI-free name there after review",
          },
    );
  }

  return { checks, ok: checks.every((c) => c.status !== 'fail') };
}

type Call = <T>(operation: string, resource: string, run: () => Promise<T>) => Promise<T>;
type Add = (check: DoctorCheck) => void;
type Clients = DoctorOptions['clients'];

function keyOfRef(topology: MessagingTopology, ref: string): KeyDeclaration {
  const key = topology.keys.find((k) => k.ref === ref);
  if (!key) throw new TypeError(`Topology references undeclared key "${ref}"`);
  return key;
}

function safeResourceName(arn: string): string | undefined {
  try {
    return parseArn(arn).resource;
  } catch {
    return undefined;
  }
}

/** Checks one key; returns its ARN when it exists. */
async function checkKey(args: {
  key: KeyDeclaration;
  topology: MessagingTopology;
  topicArn: string | undefined;
  principals: ResolvedPrincipals | undefined;
  clients: Clients;
  call: Call;
  add: Add;
  /** Completes an `aws` CLI command for the endpoint in use. */
  aws: (command: string) => string;
}): Promise<string | undefined> {
  const { key, call, add, clients, aws } = args;
  const resource = `kms-key ${key.alias}`;
  const meta = await call('kms:DescribeKey', resource, () => describeKey(clients.kms, key.alias));
  if (!meta?.KeyId || !meta.Arn) {
    add({ id: 'key.exists', status: 'fail', resource, message: 'no key has this alias', fix: PROVISION });
    return undefined;
  }
  const keyId = meta.KeyId;
  if (meta.KeyManager === 'AWS') {
    add({
      id: 'key.customer-managed',
      status: 'fail',
      resource,
      message:
        'the alias points at an AWS-managed key: its policy cannot admit SNS or separate admins from users',
      fix: `point the alias at a customer-managed key (${aws('aws kms update-alias')}), then ${PROVISION}`,
    });
  }
  add(
    meta.KeySpec === 'SYMMETRIC_DEFAULT' && meta.KeyUsage === 'ENCRYPT_DECRYPT'
      ? { id: 'key.symmetric', status: 'pass', resource, message: 'symmetric encrypt/decrypt key' }
      : {
          id: 'key.symmetric',
          status: 'fail',
          resource,
          message: `KeySpec ${meta.KeySpec ?? '?'} / ${meta.KeyUsage ?? '?'}: SNS and SQS need SYMMETRIC_DEFAULT ENCRYPT_DECRYPT`,
          fix: `point the alias at a symmetric key (${aws('aws kms update-alias')}), then ${PROVISION}`,
        },
  );
  const state = meta.KeyState ?? 'Unknown';
  if (state === 'Enabled') {
    add({ id: 'key.state', status: 'pass', resource, message: 'enabled' });
  } else {
    const fix =
      state === 'PendingDeletion'
        ? `cancel the deletion (${aws(`aws kms cancel-key-deletion --key-id ${keyId}`)}), then ${PROVISION}`
        : state === 'Disabled'
          ? `${PROVISION} (enables it) or ${aws(`aws kms enable-key --key-id ${keyId}`)}`
          : 'resolve the key state in the KMS console';
    add({
      id: 'key.state',
      status: 'fail',
      resource,
      message: `key state is ${state}: every publish and delivery that needs it fails`,
      fix,
    });
  }
  if (meta.KeyManager !== 'AWS') {
    const rotation = await call('kms:GetKeyRotationStatus', resource, () =>
      clients.kms.getKeyRotationStatus({ KeyId: keyId }),
    );
    add(
      rotation.KeyRotationEnabled
        ? { id: 'key.rotation', status: 'pass', resource, message: 'automatic rotation on' }
        : {
            id: 'key.rotation',
            status: 'fail',
            resource,
            message: 'automatic rotation is off',
            fix: `${PROVISION} or ${aws(`aws kms enable-key-rotation --key-id ${keyId}`)}`,
          },
    );
  }
  const policyText = (
    await call('kms:GetKeyPolicy', resource, () =>
      clients.kms.getKeyPolicy({ KeyId: keyId, PolicyName: 'default' }),
    )
  ).Policy;
  const policy = parsePolicy(policyText);
  const usage = keyUsage(args.topology, key.ref);
  const { topicArn, principals } = args;
  if (topicArn && (usage.encryptsTopic || usage.queueConsumers.length > 0)) {
    const uses = [
      ...(usage.encryptsTopic ? ['the topic'] : []),
      ...usage.queueConsumers.map((c) => `the ${c} queue`),
    ].join(', ');
    add(
      snsGrantCheck(
        'key.sns-access',
        resource,
        snsKeyGrant(policy, topicArn),
        `key policy: SNS may use the key for ${uses}`,
        'kms:GenerateDataKey* + kms:Decrypt',
      ),
    );
  }
  if (principals && usage.encryptsTopic) {
    for (const arn of principals.publisher) {
      add(
        principalCheck(
          'key.publisher-access',
          resource,
          grantFor(policy, { aws: arn }, ['kms:GenerateDataKey', 'kms:Decrypt']),
          `publisher ${arn}`,
          PUBLISHER_KEY_ACTIONS,
        ),
      );
    }
  }
  if (principals) {
    const consumers = usage.encryptsTopic
      ? args.topology.queues.map((q) => q.consumer)
      : usage.queueConsumers;
    for (const consumer of consumers) {
      for (const arn of principals.consumers[consumer] ?? []) {
        add(
          principalCheck(
            'key.consumer-access',
            resource,
            grantFor(policy, { aws: arn }, ['kms:Decrypt']),
            `consumer ${consumer} (${arn})`,
            CONSUMER_KEY_ACTIONS,
          ),
        );
      }
    }
  }
  return meta.Arn;
}

function snsGrantCheck(
  id: string,
  resource: string,
  status: ServiceGrantStatus,
  what: string,
  actions: string,
): DoctorCheck {
  switch (status) {
    case 'scoped':
      return { id, status: 'pass', resource, message: `${what} (${actions}), only for this topic` };
    case 'unscoped':
      return {
        id,
        status: 'warn',
        resource,
        message: `${what}, but for any source: add an aws:SourceArn condition so no other topic can use the grant`,
        fix: PROVISION,
      };
    case 'other-source':
      return {
        id,
        status: 'fail',
        resource,
        message: `grants sns.amazonaws.com ${actions} only for another source ARN, not this topic: deliveries fail`,
        fix: PROVISION,
      };
    case 'missing':
      return {
        id,
        status: 'fail',
        resource,
        message: `no grant for sns.amazonaws.com ${actions} from this topic: SNS cannot deliver (silently)`,
        fix: PROVISION,
      };
  }
}

function principalCheck(
  id: string,
  resource: string,
  status: ReturnType<typeof grantFor>,
  who: string,
  actions: readonly string[],
): DoctorCheck {
  switch (status) {
    case 'granted':
      return {
        id,
        status: 'pass',
        resource,
        message: `key policy lets ${who} use the key (${actions.join(', ')})`,
      };
    case 'delegated-to-iam':
      return {
        id,
        status: 'warn',
        resource,
        message: `${who} may use the key only through the account-root statement: IAM policies decide`,
        fix: 'pass the role ARNs to provisioning (principals) so the key policy names them, then re-provision',
      };
    case 'missing':
      return {
        id,
        status: 'fail',
        resource,
        message: `key policy does not let ${who} use the key (${actions.join(', ')})`,
        fix: PROVISION,
      };
  }
}

async function checkQueue(args: {
  queue: QueueDeclaration;
  name: string;
  kind: 'queue' | 'dead-letter-queue';
  /** Set for subscribed queues: the topic that must be allowed to send. */
  topicArn: string | undefined;
  dlqArn?: string;
  topology: MessagingTopology;
  clients: Clients;
  call: Call;
  add: Add;
  checkEncryption: (resource: string, id: string, value: string | undefined) => Promise<void>;
}): Promise<{ arn: string } | undefined> {
  const { name, kind, call, add, clients, queue } = args;
  const resource = `${kind} ${name}`;
  const url = await call('sqs:GetQueueUrl', resource, () => findQueueUrl(clients.sqs, name));
  if (!url) {
    add({ id: `${kind}.exists`, status: 'fail', resource, message: 'missing', fix: PROVISION });
    return undefined;
  }
  const attrs = await call('sqs:GetQueueAttributes', resource, () => queueAttributes(clients.sqs, url));
  const arn = attrs.QueueArn ?? '';
  await args.checkEncryption(resource, `${kind}.encryption`, attrs.KmsMasterKeyId);

  const reuse = Number(attrs.KmsDataKeyReusePeriodSeconds);
  if (attrs.KmsMasterKeyId) {
    if (!Number.isFinite(reuse) || reuse < MIN_REUSE_S || reuse > MAX_REUSE_S) {
      add({
        id: `${kind}.reuse-period`,
        status: 'fail',
        resource,
        message: `KmsDataKeyReusePeriodSeconds is ${attrs.KmsDataKeyReusePeriodSeconds ?? 'unset'}, outside ${MIN_REUSE_S}..${MAX_REUSE_S} s`,
        fix: PROVISION,
      });
    } else if (reuse !== args.topology.dataKeyReusePeriodS) {
      add({
        id: `${kind}.reuse-period`,
        status: 'warn',
        resource,
        message: `data keys reused for ${reuse} s, the topology declares ${args.topology.dataKeyReusePeriodS} s`,
        fix: PROVISION,
      });
    } else {
      add({
        id: `${kind}.reuse-period`,
        status: 'pass',
        resource,
        message: `data keys reused for ${reuse} s`,
      });
    }
  }

  const policy = parsePolicy(attrs.Policy);
  add(
    deniesInsecureTransport(policy, ['sqs:SendMessage', 'sqs:ReceiveMessage'])
      ? {
          id: `${kind}.https-only`,
          status: 'pass',
          resource,
          message: 'queue policy denies requests without TLS',
        }
      : {
          id: `${kind}.https-only`,
          status: 'fail',
          resource,
          message: 'queue policy has no Deny on aws:SecureTransport=false',
          fix: PROVISION,
        },
  );
  if (args.topicArn) {
    add(
      snsGrantCheck(
        `${kind}.sns-send`,
        resource,
        snsQueueGrant(policy, arn, args.topicArn),
        'queue policy: SNS may send',
        'sqs:SendMessage',
      ),
    );
  }
  if (kind === 'queue') {
    let redrive: { deadLetterTargetArn?: string; maxReceiveCount?: string | number } | undefined;
    try {
      redrive = attrs.RedrivePolicy ? (JSON.parse(attrs.RedrivePolicy) as typeof redrive) : undefined;
    } catch {
      redrive = undefined;
    }
    const good =
      redrive !== undefined &&
      (args.dlqArn === undefined || redrive.deadLetterTargetArn === args.dlqArn) &&
      Number(redrive.maxReceiveCount) === queue.maxReceiveCount;
    add(
      good
        ? {
            id: 'queue.redrive',
            status: 'pass',
            resource,
            message: `dead-letters after ${queue.maxReceiveCount} receives to ${queue.deadLetterQueueName}`,
          }
        : {
            id: 'queue.redrive',
            status: 'fail',
            resource,
            message: `redrive policy is not ${queue.deadLetterQueueName} after ${queue.maxReceiveCount} receives: poison messages loop or vanish`,
            fix: PROVISION,
          },
    );
  }
  return { arn };
}

async function checkSubscription(args: {
  queue: QueueDeclaration;
  subscriptionArn: string | undefined;
  clients: Clients;
  call: Call;
  add: Add;
}): Promise<void> {
  const { queue, subscriptionArn, call, add } = args;
  const resource = `subscription ${queue.name}`;
  if (!subscriptionArn || subscriptionArn === 'PendingConfirmation') {
    add({
      id: 'subscription.exists',
      status: 'fail',
      resource,
      message: 'the queue is not subscribed to the topic',
      fix: PROVISION,
    });
    return;
  }
  const live =
    (
      await call('sns:GetSubscriptionAttributes', resource, () =>
        args.clients.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn })),
      )
    ).Attributes ?? {};
  const wanted = desiredSubscriptionAttributes(queue);
  add(
    sameSubscriptionAttribute('RawMessageDelivery', live.RawMessageDelivery, wanted.RawMessageDelivery)
      ? {
          id: 'subscription.raw-delivery',
          status: 'pass',
          resource,
          message: `RawMessageDelivery=${wanted.RawMessageDelivery}`,
        }
      : {
          id: 'subscription.raw-delivery',
          status: 'fail',
          resource,
          message: `RawMessageDelivery is ${live.RawMessageDelivery ?? 'unset'}, declared ${wanted.RawMessageDelivery}: consumers would receive an SNS JSON wrapper`,
          fix: PROVISION,
        },
  );
  const filterMatches =
    sameJson(live.FilterPolicy, wanted.FilterPolicy) &&
    sameSubscriptionAttribute('FilterPolicyScope', live.FilterPolicyScope, wanted.FilterPolicyScope);
  add(
    filterMatches
      ? {
          id: 'subscription.filter-policy',
          status: 'pass',
          resource,
          message: 'filter policy (MessageAttributes) as declared',
        }
      : {
          id: 'subscription.filter-policy',
          status: 'fail',
          resource,
          message:
            'filter policy or its scope differs from the declaration: the system gets the wrong records',
          fix: PROVISION,
        },
  );
}
