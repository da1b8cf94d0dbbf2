/**
 * Pure builders of the key, topic and queue policies the topology needs. Provisioning writes
 * them, the doctor reads the live ones back and checks them (see `doctor/policy-analysis.ts`).
 * Nothing here calls AWS, so every statement is unit-tested.
 */

/** The SNS service principal: it must use the queue keys, or delivery to encrypted queues fails. */
export const SNS_SERVICE_PRINCIPAL = 'sns.amazonaws.com';

/** Statement ids: stable, so a human (and the doctor) can find each grant in the console. */
export const SID = {
  root: 'EnableAccountRootPermissions',
  administrators: 'KeyAdministratorsManageNotUse',
  publisher: 'PublisherEncryptDecrypt',
  consumers: 'ConsumersDecrypt',
  snsService: 'AllowSnsServiceForThisTopic',
  topicOwner: 'OwnerAccountOnly',
  topicDelivery: 'AllowSnsDeliveryFromThisTopic',
  denyInsecureTransport: 'DenyInsecureTransport',
} as const;

/**
 * What key administrators may do: manage the key's life cycle and policy, never use it
 * (no Encrypt, Decrypt, ReEncrypt or GenerateDataKey), which keeps duties separate.
 */
export const KEY_ADMIN_ACTIONS: readonly string[] = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];

/**
 * The publisher encrypts (data keys) and decrypts (SNS/the Encryption SDK re-read cached data
 * keys). `kms:DescribeKey` lets it resolve the alias to the key ARN the keyring needs.
 */
export const PUBLISHER_KEY_ACTIONS: readonly string[] = [
  'kms:GenerateDataKey*',
  'kms:Decrypt',
  'kms:DescribeKey',
];
/** Consumers only decrypt (SQS SSE on receive and the envelope). */
export const CONSUMER_KEY_ACTIONS: readonly string[] = ['kms:Decrypt', 'kms:DescribeKey'];
/** What SNS needs on the topic key and on the key of every encrypted queue it delivers to. */
export const SNS_KEY_ACTIONS: readonly string[] = ['kms:GenerateDataKey*', 'kms:Decrypt'];

/** What the owning account may do on the topic; nobody else is admitted. */
export const TOPIC_OWNER_ACTIONS: readonly string[] = [
  'sns:GetTopicAttributes',
  'sns:SetTopicAttributes',
  'sns:AddPermission',
  'sns:RemovePermission',
  'sns:DeleteTopic',
  'sns:Subscribe',
  'sns:ListSubscriptionsByTopic',
  'sns:Publish',
];

/** An IAM policy statement, as far as this library writes and reads them. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | { AWS?: string | string[]; Service?: string | string[] };
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
  Version: string;
  Id?: string;
  Statement: PolicyStatement[];
}

/** The parts of an ARN that matter here. */
export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  resource: string;
}

/** Splits an ARN; throws a TypeError naming the bad value's shape (ARNs are not PHI). */
export function parseArn(arn: string): ParsedArn {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') throw new TypeError(`Not an ARN: "${arn}"`);
  const [, partition, service, region, accountId, ...rest] = parts;
  return { partition, service, region, accountId, resource: rest.join(':') };
}

/** `arn:<partition>:iam::<account>:root`: the account itself, which delegates to IAM policies. */
export function accountRootArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

/** IAM principals (role/user ARNs) that the key policies name. Absent lists default to the account root. */
export interface KeyPrincipals {
  /** Manage but cannot use the keys. */
  readonly administrators?: readonly string[];
  /** The publishing application. */
  readonly publisher?: readonly string[];
  /** Per consumer (`billing`, ...), the principals that receive and decrypt. */
  readonly consumers?: Readonly<Record<string, readonly string[]>>;
}

/** {@link KeyPrincipals} with the defaults applied. */
export interface ResolvedPrincipals {
  readonly root: string;
  readonly administrators: readonly string[];
  readonly publisher: readonly string[];
  readonly consumers: Readonly<Record<string, readonly string[]>>;
}

/**
 * Applies the defaults: any list not given is the account root, which in a key policy means
 * "whatever the account's IAM policies allow" (AWS's default key policy). That is always valid
 * (KMS rejects policies naming principals that do not exist), but it is not least privilege:
 * pass the real role ARNs to pin each grant.
 */
export function resolvePrincipals(
  partition: string,
  accountId: string,
  consumers: readonly string[],
  given: KeyPrincipals = {},
): ResolvedPrincipals {
  const root = accountRootArn(partition, accountId);
  const orRoot = (list: readonly string[] | undefined) => (list && list.length > 0 ? unique(list) : [root]);
  return {
    root,
    administrators: orRoot(given.administrators),
    publisher: orRoot(given.publisher),
    consumers: Object.fromEntries(consumers.map((c) => [c, orRoot(given.consumers?.[c])])),
  };
}

/** What one key protects, which decides which statements its policy needs. */
export interface KeyUsage {
  /** The key encrypts the topic (and the envelope): the publisher and SNS use it. */
  readonly encryptsTopic: boolean;
  /** Consumers whose queue (or DLQ) this key encrypts; SNS must be able to deliver to them. */
  readonly queueConsumers: readonly string[];
}

/**
 * The key policy: separate statements for the account root, the administrators (manage, not
 * use), the publisher, the consumers and the SNS service principal, the latter only for
 * requests on behalf of this topic (`aws:SourceArn`), which closes the confused-deputy hole.
 */
export function buildKeyPolicy(args: {
  topicArn: string;
  principals: ResolvedPrincipals;
  usage: KeyUsage;
  allConsumers: readonly string[];
}): PolicyDocument {
  const { topicArn, principals, usage } = args;
  // Consumers decrypt the envelope with the topic key, and SQS SSE with their queue key.
  const decrypting = usage.encryptsTopic ? args.allConsumers : usage.queueConsumers;
  const consumerArns = unique(decrypting.flatMap((c) => principals.consumers[c] ?? [principals.root]));
  const statements: PolicyStatement[] = [
    { Sid: SID.root, Effect: 'Allow', Principal: { AWS: principals.root }, Action: 'kms:*', Resource: '*' },
    {
      Sid: SID.administrators,
      Effect: 'Allow',
      Principal: { AWS: oneOrMany(principals.administrators) },
      Action: [...KEY_ADMIN_ACTIONS],
      Resource: '*',
    },
  ];
  if (usage.encryptsTopic) {
    statements.push({
      Sid: SID.publisher,
      Effect: 'Allow',
      Principal: { AWS: oneOrMany(principals.publisher) },
      Action: [...PUBLISHER_KEY_ACTIONS],
      Resource: '*',
    });
  }
  if (consumerArns.length > 0) {
    statements.push({
      Sid: SID.consumers,
      Effect: 'Allow',
      Principal: { AWS: oneOrMany(consumerArns) },
      Action: [...CONSUMER_KEY_ACTIONS],
      Resource: '*',
    });
  }
  if (usage.encryptsTopic || usage.queueConsumers.length > 0) {
    statements.push({
      Sid: SID.snsService,
      Effect: 'Allow',
      Principal: { Service: SNS_SERVICE_PRINCIPAL },
      Action: [...SNS_KEY_ACTIONS],
      Resource: '*',
      Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
    });
  }
  return { Version: '2012-10-17', Id: 'crypto-messaging-key-policy', Statement: statements };
}

/** Topic policy: the owning account only, and no request without TLS. */
export function buildTopicPolicy(topicArn: string): PolicyDocument {
  const { partition, accountId } = parseArn(topicArn);
  return {
    Version: '2012-10-17',
    Id: 'crypto-messaging-topic-policy',
    Statement: [
      {
        Sid: SID.topicOwner,
        Effect: 'Allow',
        Principal: { AWS: accountRootArn(partition, accountId) },
        Action: [...TOPIC_OWNER_ACTIONS],
        Resource: topicArn,
      },
      denyInsecureTransport('sns:Publish', topicArn),
    ],
  };
}

/**
 * Queue policy: SNS may send only on behalf of this topic (a subscribed queue), and no request
 * without TLS. A dead-letter queue gets the TLS deny only: SQS itself redrives into it.
 */
export function buildQueuePolicy(queueArn: string, subscribedTo: string | undefined): PolicyDocument {
  const statements: PolicyStatement[] = [];
  if (subscribedTo) {
    statements.push({
      Sid: SID.topicDelivery,
      Effect: 'Allow',
      Principal: { Service: SNS_SERVICE_PRINCIPAL },
      Action: 'sqs:SendMessage',
      Resource: queueArn,
      Condition: { ArnEquals: { 'aws:SourceArn': subscribedTo } },
    });
  }
  statements.push(denyInsecureTransport('sqs:*', queueArn));
  return { Version: '2012-10-17', Id: 'crypto-messaging-queue-policy', Statement: statements };
}

function denyInsecureTransport(action: string, resource: string): PolicyStatement {
  return {
    Sid: SID.denyInsecureTransport,
    Effect: 'Deny',
    Principal: '*',
    Action: action,
    Resource: resource,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/**
 * A canonical form of a JSON document for comparison: object keys sorted, string arrays sorted
 * and de-duplicated, one-element string arrays collapsed. Services re-serialise what they store
 * (moto adds spaces; IAM accepts `"a"` and `["a"]` alike), so text comparison would say
 * "changed" on every run. Returns undefined for text that is not JSON.
 */
export function canonicalJson(text: string | undefined): string | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return JSON.stringify(canonical(parsed));
}

/** True when both texts are the same JSON document up to {@link canonicalJson}. */
export function sameJson(a: string | undefined, b: string | undefined): boolean {
  const ca = canonicalJson(a);
  return ca !== undefined && ca === canonicalJson(b);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    if (items.every((i) => typeof i === 'string')) {
      const sorted = unique(items).sort();
      return sorted.length === 1 ? sorted[0] : sorted;
    }
    return items;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

function oneOrMany(list: readonly string[]): string | string[] {
  return list.length === 1 ? list[0] : [...list];
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}
