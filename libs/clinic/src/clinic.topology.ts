import { z } from 'zod';
import { ATTRIBUTE, type MessagingTopology, type QueueDeclaration } from '@app/crypto-messaging';
import { consumers } from './app-list';
import { ROUTING_ATTRIBUTE } from './routing-attributes';

/** SSE data-key reuse, as SNS does it: 5 minutes. */
export const DATA_KEY_REUSE_PERIOD_S = 300;
export const DEFAULT_MAX_RECEIVE_COUNT = 5;
const VISIBILITY_TIMEOUT_S = 30;
const RETENTION_S = 4 * 24 * 3600;
const DEAD_LETTER_RETENTION_S = 14 * 24 * 3600;
const RECEIVE_WAIT_TIME_S = 20;

/** Options for {@link clinicTopology}. */
export interface ClinicTopologyOptions {
  /** Prefix of every resource name; lower-case letters, digits and dashes. Default `clinic`. */
  prefix?: string;
  /** Receives before a message goes to the dead-letter queue. Default 5. */
  maxReceiveCount?: number;
}

const optionsSchema = z.object({
  prefix: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{0,39}$/,
      'must be 1-40 lower-case letters, digits or dashes, starting with a letter',
    )
    .default('clinic'),
  maxReceiveCount: z.number().int().min(1).max(1000).default(DEFAULT_MAX_RECEIVE_COUNT),
});

/**
 * The clinic's messaging, declared once: one customer-managed key, the patient-records topic
 * and a queue (with its dead-letter queue) per consuming system, each subscribed with a filter
 * policy on the plaintext, PHI-free message attributes.
 */
export function clinicTopology(options: ClinicTopologyOptions = {}): MessagingTopology {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`Invalid topology option "${issue.path.join('.')}": ${issue.message}`);
  }
  const { prefix, maxReceiveCount } = parsed.data;
  const queue = (consumer: string, filterPolicy: Record<string, unknown>): QueueDeclaration => ({
    consumer,
    name: `${prefix}-${consumer}`,
    deadLetterQueueName: `${prefix}-${consumer}-dlq`,
    keyRef: 'records',
    maxReceiveCount,
    visibilityTimeoutS: VISIBILITY_TIMEOUT_S,
    messageRetentionS: RETENTION_S,
    deadLetterRetentionS: DEAD_LETTER_RETENTION_S,
    receiveWaitTimeS: RECEIVE_WAIT_TIME_S,
    filterPolicy,
    rawMessageDelivery: true,
  });
  const patientRecords = { [ATTRIBUTE.eventType]: [{ prefix: 'patient-record.' }] };

  return {
    prefix,
    publisher: 'emr',
    keys: [
      {
        ref: 'records',
        alias: `alias/${prefix}-records`,
        description: `${prefix}: patient-record events (topic, queues, dead-letter queues, envelope)`,
      },
    ],
    topic: { name: `${prefix}-patient-records`, keyRef: 'records' },
    // A queue per consuming app of the list, subscribed to what its line says it routes on.
    queues: consumers().map(({ messaging }) =>
      queue(messaging.queue, { ...patientRecords, ...messaging.onlyWhen }),
    ),
    dataKeyReusePeriodS: DATA_KEY_REUSE_PERIOD_S,
    attributes: Object.values(ROUTING_ATTRIBUTE),
  };
}
