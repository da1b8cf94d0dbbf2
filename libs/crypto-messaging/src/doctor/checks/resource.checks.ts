import { attributeDrift, parseRedrive, type KeyIdentity } from '../../plan/compare';
import type { PlannedQueue, PlannedTopic } from '../../plan/plan';
import type { PolicyDocument } from '../../plan/policies';
import type { QueueDeclaration } from '../../topology/topology.types';
import { fail, pass, warn, type CheckRow, type Verdict } from '../engine';
import { deniesInsecureTransport, openAllowStatements, type ServiceGrantStatus } from '../policy-analysis';
import { driftVerdict } from './drift';
import { encryptionVerdict, type SseFacts } from './encryption';
import { snsGrantVerdict } from './key.checks';

/** SSE data-key reuse bounds SQS accepts, in seconds. */
const MIN_REUSE_S = 60;
const MAX_REUSE_S = 86_400;

/** The topic, its SSE and its policy. Attributes are undefined when it does not exist. */
export interface TopicSubject {
  readonly resource: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly sse: SseFacts;
  readonly policy?: PolicyDocument;
  readonly planned?: PlannedTopic;
  /** The live identity of the topic key; undefined when the key cannot be found. */
  readonly key?: KeyIdentity;
}

/** A queue or dead-letter queue. Attributes are undefined when it does not exist. */
export interface QueueSubject {
  readonly resource: string;
  readonly kind: 'queue' | 'dead-letter-queue';
  readonly declaration: QueueDeclaration;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly sse: SseFacts;
  readonly policy?: PolicyDocument;
  /** How the queue policy admits SNS from the topic (subscribed queues, when the topic exists). */
  readonly snsSend?: ServiceGrantStatus;
  /** The live dead-letter queue's ARN (main queues, when it exists). */
  readonly dlqArn?: string;
  readonly dataKeyReusePeriodS: number;
  readonly planned?: PlannedQueue;
  readonly key?: KeyIdentity;
}

/** The attributes provisioning would set, as a verdict; undefined without a plan or a key. */
function attributeDriftVerdict(
  planned: { attributes: Readonly<Record<string, string>> } | undefined,
  live: Readonly<Record<string, string>> | undefined,
  key: KeyIdentity | undefined,
): Verdict | undefined {
  if (!planned || !live || !key) return undefined;
  return driftVerdict(attributeDrift(planned.attributes, live, key), 'attributes as provisioning sets them');
}

const sets = (s: { sse: SseFacts }) => `(sets KmsMasterKeyId to ${s.sse.declared.alias})`;

/** Checks of the topic (architecture notes: 6). */
export const TOPIC_CHECKS: readonly CheckRow<TopicSubject>[] = [
  {
    id: 'topic.exists',
    test: (s) => (s.attributes ? undefined : fail('missing')),
    fix: (_, f) => f.provision,
  },
  {
    id: 'topic.encryption',
    test: (s) => (s.attributes ? encryptionVerdict(s.sse) : undefined),
    fix: (s, f) => `${f.provision} ${sets(s)}`,
  },
  {
    id: 'topic.https-only',
    test: (s) => {
      if (!s.attributes) return undefined;
      return deniesInsecureTransport(s.policy, ['sns:Publish'])
        ? pass('topic policy denies requests without TLS')
        : fail('topic policy has no Deny on aws:SecureTransport=false for sns:Publish');
    },
    fix: (_, f) => f.provision,
  },
  {
    id: 'topic.owner-only',
    test: (s) => {
      const open = s.attributes ? openAllowStatements(s.policy) : [];
      if (open.length === 0) return undefined;
      const sids = open.map((statement) => statement.Sid ?? '?').join(', ');
      return fail(`topic policy allows anyone without a condition (statement ${sids})`);
    },
    fix: (_, f) => f.provision,
  },
  {
    id: 'topic.drift',
    test: (s) => attributeDriftVerdict(s.planned, s.attributes, s.key),
    fix: (_, f) => f.provision,
  },
];

function reuseVerdict(s: QueueSubject): Verdict | undefined {
  const attrs = s.attributes;
  if (!attrs?.KmsMasterKeyId) return undefined;
  const reuse = Number(attrs.KmsDataKeyReusePeriodSeconds);
  if (!Number.isFinite(reuse) || reuse < MIN_REUSE_S || reuse > MAX_REUSE_S) {
    return fail(
      `KmsDataKeyReusePeriodSeconds is ${attrs.KmsDataKeyReusePeriodSeconds ?? 'unset'}, outside ${MIN_REUSE_S}..${MAX_REUSE_S} s`,
    );
  }
  if (reuse !== s.dataKeyReusePeriodS) {
    return warn(`data keys reused for ${reuse} s, the topology declares ${s.dataKeyReusePeriodS} s`);
  }
  return pass(`data keys reused for ${reuse} s`);
}

function redriveVerdict(s: QueueSubject): Verdict | undefined {
  if (s.kind !== 'queue' || !s.attributes) return undefined;
  const { maxReceiveCount, deadLetterQueueName } = s.declaration;
  const redrive = parseRedrive(s.attributes.RedrivePolicy);
  const good =
    redrive !== undefined &&
    (s.dlqArn === undefined || redrive.deadLetterTargetArn === s.dlqArn) &&
    Number(redrive.maxReceiveCount) === maxReceiveCount;
  return good
    ? pass(`dead-letters after ${maxReceiveCount} receives to ${deadLetterQueueName}`)
    : fail(
        `redrive policy is not ${deadLetterQueueName} after ${maxReceiveCount} receives: poison messages loop or vanish`,
      );
}

/** Checks of each queue and dead-letter queue (architecture notes: 1, 3, 6). */
export const QUEUE_CHECKS: readonly CheckRow<QueueSubject>[] = [
  {
    id: '{kind}.exists',
    test: (s) => (s.attributes ? undefined : fail('missing')),
    fix: (_, f) => f.provision,
  },
  {
    id: '{kind}.encryption',
    test: (s) => (s.attributes ? encryptionVerdict(s.sse) : undefined),
    fix: (s, f) => `${f.provision} ${sets(s)}`,
  },
  { id: '{kind}.reuse-period', test: reuseVerdict, fix: (_, f) => f.provision },
  {
    id: '{kind}.https-only',
    test: (s) => {
      if (!s.attributes) return undefined;
      return deniesInsecureTransport(s.policy, ['sqs:SendMessage', 'sqs:ReceiveMessage'])
        ? pass('queue policy denies requests without TLS')
        : fail('queue policy has no Deny on aws:SecureTransport=false');
    },
    fix: (_, f) => f.provision,
  },
  {
    id: '{kind}.sns-send',
    test: (s) =>
      s.attributes && s.snsSend
        ? snsGrantVerdict(s.snsSend, 'queue policy: SNS may send', 'sqs:SendMessage')
        : undefined,
    fix: (_, f) => f.provision,
  },
  { id: 'queue.redrive', test: redriveVerdict, fix: (_, f) => f.provision },
  {
    id: '{kind}.drift',
    test: (s) => attributeDriftVerdict(s.planned, s.attributes, s.key),
    fix: (_, f) => f.provision,
  },
];
