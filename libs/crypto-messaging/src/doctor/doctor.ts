import { awsCaller } from '../plan/aws-errors';
import { aliasIdentity, kmsIdentity, type KeyIdentity } from '../plan/compare';
import { keyUsage, plan, type MessagingPlan } from '../plan/plan';
import { keyOf } from '../topology/topology.lookup';
import { CONSUMER_KEY_ACTIONS, PUBLISHER_KEY_ACTIONS, parseArn } from '../plan/policies';
import { allowedAttributesOf } from '../topology/topology.lookup';
import { ENDPOINT_CHECKS, PHI_CHECKS, type PhiSubject } from './checks/endpoint.checks';
import type { SseFacts } from './checks/encryption';
import { KEY_CHECKS, PRINCIPAL_CHECKS, type KeySubject, type PrincipalSubject } from './checks/key.checks';
import { QUEUE_CHECKS, TOPIC_CHECKS, type QueueSubject } from './checks/resource.checks';
import {
  SUBSCRIPTION_CHECKS,
  UNDECLARED_SUBSCRIPTION_CHECKS,
  type SubscriptionSubject,
  type UndeclaredSubscriptionSubject,
} from './checks/subscription.checks';
import type { DoctorCheck, DoctorOptions, DoctorReport } from './doctor.types';
import { evaluate, type FixContext } from './engine';
import { readLiveState, type LiveState } from './live-state';
import {
  filterPolicyAttributeNames,
  grantFor,
  isLoopbackEndpoint,
  parsePolicy,
  snsKeyGrant,
  snsQueueGrant,
} from './policy-analysis';

export type { CheckStatus, DoctorCheck, DoctorHints, DoctorOptions, DoctorReport } from './doctor.types';

/**
 * An `aws` CLI command as the person should type it: with `--endpoint-url` when the doctor talks
 * to an endpoint other than AWS itself, so a fix tried in a lab reaches moto, not a real account.
 */
export function awsCliCommand(command: string, endpoint: string | undefined): string {
  return endpoint ? `${command} --endpoint-url ${endpoint}` : command;
}

/**
 * Reads the live configuration and checks it statically against the {@link plan} and the rules
 * emulators do not enforce (key policies, queue policies, key state, AWS-managed keys, TLS).
 * Read-only: it never changes anything; the fix of most findings is to re-run provisioning.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { topology, profile, endpoint } = options;
  const fixes: FixContext = {
    provision: options.hints?.provision ?? 're-run provisioning',
    awsProfile: options.hints?.awsProfile ?? 'the aws profile',
    aws: (command) => awsCliCommand(command, endpoint),
  };
  const live = await readLiveState(topology, options, awsCaller(endpoint));
  // The plan needs the account, which the topic's ARN tells: without a topic, no plan.
  const desired = live.topicArn ? plan(topology, profile, options.principals, live.topicArn) : undefined;
  const kmsEnforced = profile === 'aws';
  const identities = keyIdentities(options, live);
  const sse = (masterKeyId: string | undefined, keyRef: string, subscribed: boolean): SseFacts => {
    const declared = keyOf(topology, keyRef);
    return {
      masterKeyId,
      declared,
      meta: masterKeyId ? live.sseKeys.get(masterKeyId) : undefined,
      declaredArn: live.keys.get(keyRef)?.meta?.Arn,
      kmsEnforced,
      subscribed,
    };
  };

  const checks: DoctorCheck[] = [];
  const target = endpoint ?? 'AWS (default endpoint)';
  const local = profile === 'embedded' || isLoopbackEndpoint(endpoint);
  checks.push(
    ...evaluate(ENDPOINT_CHECKS, [{ resource: `endpoint ${target}`, profile, endpoint, local }], fixes),
  );
  const topicSubject = {
    resource: `topic ${topology.topic.name}`,
    attributes: live.topicAttributes,
    sse: sse(live.topicAttributes?.KmsMasterKeyId, topology.topic.keyRef, false),
    policy: parsePolicy(live.topicAttributes?.Policy),
    planned: desired?.topic,
    key: identities.get(topology.topic.keyRef),
  };
  // A missing topic is said first, as provisioning creates it first.
  checks.push(...evaluate(TOPIC_CHECKS.slice(0, 1), [topicSubject], fixes));
  for (const subject of keySubjects(options, live, desired)) {
    checks.push(...evaluate(KEY_CHECKS, [subject], fixes));
    checks.push(...evaluate(PRINCIPAL_CHECKS, principalSubjects(options, subject, desired), fixes));
  }
  checks.push(...evaluate(TOPIC_CHECKS.slice(1), [topicSubject], fixes));

  for (const queue of topology.queues) {
    const queueSubjects = (['dead-letter-queue', 'queue'] as const).map((kind): QueueSubject => {
      const name = kind === 'queue' ? queue.name : queue.deadLetterQueueName;
      const attributes = live.queues.get(name);
      const subscribedTo = kind === 'queue' ? live.topicArn : undefined;
      const policy = parsePolicy(attributes?.Policy);
      return {
        resource: `${kind} ${name}`,
        kind,
        declaration: queue,
        attributes,
        sse: sse(attributes?.KmsMasterKeyId, queue.keyRef, kind === 'queue'),
        policy,
        snsSend: subscribedTo ? snsQueueGrant(policy, attributes?.QueueArn ?? '', subscribedTo) : undefined,
        dlqArn: kind === 'queue' ? live.queues.get(queue.deadLetterQueueName)?.QueueArn : undefined,
        dataKeyReusePeriodS: topology.dataKeyReusePeriodS,
        planned: desired?.queues.find((q) => q.name === name),
        key: identities.get(queue.keyRef),
      };
    });
    checks.push(...evaluate(QUEUE_CHECKS, queueSubjects, fixes));
    if (!live.topicArn || !live.queues.has(queue.name)) continue;
    const subscription: SubscriptionSubject = {
      resource: `subscription ${queue.name}`,
      declaration: queue,
      attributes: live.subscriptionAttributes.get(queue.name),
      planned: desired?.subscriptions.find((s) => s.declaration.name === queue.name),
    };
    checks.push(...evaluate(SUBSCRIPTION_CHECKS, [subscription], fixes));
  }
  checks.push(...evaluate(UNDECLARED_SUBSCRIPTION_CHECKS, undeclaredSubscriptions(options, live), fixes));
  checks.push(...evaluate(PHI_CHECKS, phiSubjects(options), fixes));
  return { checks, ok: checks.every((c) => c.status !== 'fail') };
}

/** The live identity of each key that can be found: what `KmsMasterKeyId` may hold. */
function keyIdentities({ topology, profile }: DoctorOptions, live: LiveState): Map<string, KeyIdentity> {
  const identities = new Map<string, KeyIdentity>();
  for (const key of topology.keys) {
    const meta = live.keys.get(key.ref)?.meta;
    if (profile === 'embedded') identities.set(key.ref, aliasIdentity(key.alias));
    else if (meta?.Arn) identities.set(key.ref, kmsIdentity(key.alias, meta, meta.Arn));
  }
  return identities;
}

function keySubjects(
  { topology, profile }: DoctorOptions,
  live: LiveState,
  desired: MessagingPlan | undefined,
): KeySubject[] {
  return topology.keys.map((declaration) => {
    const state = live.keys.get(declaration.ref);
    const usage = keyUsage(topology, declaration.ref);
    const handledBySns = usage.encryptsTopic || usage.queueConsumers.length > 0;
    return {
      resource: `kms-key ${declaration.alias}`,
      declaration,
      kmsEnforced: profile === 'aws',
      meta: state?.meta,
      live: state && { state: state.state, rotation: state.rotation, policy: state.policy },
      usage,
      snsGrant:
        live.topicArn && handledBySns ? snsKeyGrant(parsePolicy(state?.policy), live.topicArn) : undefined,
      planned: desired?.keys.find((k) => k.declaration.ref === declaration.ref),
    };
  });
}

/** The publisher (for the topic key) and the consumers that decrypt with this key. */
function principalSubjects(
  { topology }: DoctorOptions,
  key: KeySubject,
  desired: MessagingPlan | undefined,
): PrincipalSubject[] {
  if (!desired || !key.live || !key.meta?.KeyId || !key.meta.Arn) return [];
  const policy = parsePolicy(key.live.policy);
  const principals = desired.principals;
  const publishers = key.usage.encryptsTopic ? principals.publisher : [];
  const consumers = key.usage.encryptsTopic
    ? topology.queues.map((q) => q.consumer)
    : key.usage.queueConsumers;
  return [
    ...publishers.map((arn): PrincipalSubject => ({
      resource: key.resource,
      role: 'publisher',
      who: `publisher ${arn}`,
      actions: PUBLISHER_KEY_ACTIONS,
      grant: grantFor(policy, { aws: arn }, ['kms:GenerateDataKey', 'kms:Decrypt']),
    })),
    ...consumers.flatMap((consumer) =>
      (principals.consumers[consumer] ?? []).map((arn): PrincipalSubject => ({
        resource: key.resource,
        role: 'consumer',
        who: `consumer ${consumer} (${arn})`,
        actions: CONSUMER_KEY_ACTIONS,
        grant: grantFor(policy, { aws: arn }, ['kms:Decrypt']),
      })),
    ),
  ];
}

function undeclaredSubscriptions(
  { topology }: DoctorOptions,
  live: LiveState,
): UndeclaredSubscriptionSubject[] {
  const declared = new Set(topology.queues.map((q) => q.name));
  return live.subscriptions
    .filter((s) => !(s.Protocol === 'sqs' && s.Endpoint && declared.has(safeResourceName(s.Endpoint) ?? '')))
    .map((s) => ({
      resource: `subscription ${s.SubscriptionArn ?? '?'}`,
      arn: s.SubscriptionArn,
      protocol: s.Protocol,
      endpoint: s.Endpoint,
    }));
}

function phiSubjects({ topology }: DoctorOptions): PhiSubject[] {
  const allowedAttributes = allowedAttributesOf(topology);
  return topology.queues.map((queue) => {
    const names = filterPolicyAttributeNames(queue.filterPolicy);
    return {
      resource: `subscription ${queue.name}`,
      names,
      unknown: names.filter((n) => !allowedAttributes.has(n)),
    };
  });
}

function safeResourceName(arn: string): string | undefined {
  try {
    return parseArn(arn).resource;
  } catch {
    return undefined;
  }
}
