import * as path from 'node:path';
import { z } from 'zod';
import {
  AWS_REGION_NAME,
  configErrorOf,
  IAM_PRINCIPAL_ARN,
  MAX_DATA_KEY_AGE_S,
  MAX_DATA_KEY_MESSAGES,
  SNS_TOPIC_ARN,
  type AlgorithmSuiteChoice,
  type MessagingPrincipals,
  type Profile,
} from '@app/crypto-messaging';
import { consumers } from './app-list';

/** The clinic's messaging settings, validated. Only this file reads the clinic's messaging variables. */
export interface MessagingConfig {
  readonly profile: Profile;
  /** Resource name prefix (`clinic`). */
  readonly prefix: string;
  readonly region: string;
  /** `AWS_ENDPOINT_URL` when set; the embedded profile points at its own broker. */
  readonly endpoint: string | undefined;
  /** Folder of local state (master key, database, logs); git-ignored. */
  readonly stateDir: string;
  readonly brokerPort: number;
  readonly postgresPort: number;
  /** A data key is reused for at most this long (caching materials manager). */
  readonly dataKeyMaxAgeS: number;
  /** ... and for at most this many messages. */
  readonly dataKeyMaxMessages: number;
  readonly maxReceiveCount: number;
  readonly algorithm: AlgorithmSuiteChoice;
  /** The topic's ARN when known (deployments): saves a ListTopics the publisher may not be allowed. */
  readonly topicArn: string | undefined;
  /** IAM principals the key policy names (aws profile); empty lists mean the account root. */
  readonly principals: MessagingPrincipals;
}

const arnList = (name: string) =>
  z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.string().regex(IAM_PRINCIPAL_ARN, `${name} must list IAM role or user ARNs, comma-separated`),
      ),
    );

const port = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a TCP port number` })
    .int(`${name} must be a whole number`)
    .min(1, `${name} must be between 1 and 65535`)
    .max(65535, `${name} must be between 1 and 65535`)
    .default(fallback);

/** The variables' schema; made when first used, from the list of apps (one ARN variable per consumer). */
const schemaOf = () =>
  z.object({
    CLINIC_PROFILE: z
      .enum(['embedded', 'aws'], { error: 'CLINIC_PROFILE must be "embedded" or "aws"' })
      .default('embedded'),
    CLINIC_PREFIX: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,39}$/, 'CLINIC_PREFIX must be 1-40 lower-case letters, digits or dashes')
      .default('clinic'),
    AWS_REGION: z.string().regex(AWS_REGION_NAME, 'AWS_REGION must look like us-east-1').optional(),
    AWS_DEFAULT_REGION: z.string().optional(),
    AWS_ENDPOINT_URL: z
      .url({ error: 'AWS_ENDPOINT_URL must be a URL such as http://127.0.0.1:5000' })
      .optional(),
    CLINIC_STATE_DIR: z.string().min(1).optional(),
    CLINIC_BROKER_PORT: port('CLINIC_BROKER_PORT', 4566),
    CLINIC_POSTGRES_PORT: port('CLINIC_POSTGRES_PORT', 5433),
    CLINIC_DATA_KEY_MAX_AGE_S: z.coerce
      .number()
      .int()
      .min(1, 'CLINIC_DATA_KEY_MAX_AGE_S must be at least 1')
      .max(MAX_DATA_KEY_AGE_S, 'CLINIC_DATA_KEY_MAX_AGE_S must be at most 86400 (24 h)')
      .default(300),
    CLINIC_DATA_KEY_MAX_MESSAGES: z.coerce
      .number()
      .int()
      .min(1, 'CLINIC_DATA_KEY_MAX_MESSAGES must be at least 1')
      .max(MAX_DATA_KEY_MESSAGES, 'CLINIC_DATA_KEY_MAX_MESSAGES must be at most 2^32')
      .default(100_000),
    CLINIC_MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(1000).default(5),
    CLINIC_ALGORITHM: z
      .enum(['committing', 'committing-signed'], {
        error: 'CLINIC_ALGORITHM must be "committing" or "committing-signed"',
      })
      .default('committing'),
    CLINIC_TOPIC_ARN: z.string().regex(SNS_TOPIC_ARN, 'CLINIC_TOPIC_ARN must be an SNS topic ARN').optional(),
    CLINIC_KMS_ADMIN_ARNS: arnList('CLINIC_KMS_ADMIN_ARNS'),
    CLINIC_PUBLISHER_ARNS: arnList('CLINIC_PUBLISHER_ARNS'),
    // CLINIC_CONSUMER_ARNS_<QUEUE>, one per consumer of the list of apps.
    ...Object.fromEntries(
      consumerQueues().map((queue) => [consumerArnsVariable(queue), arnList(consumerArnsVariable(queue))]),
    ),
  });
let schema: ReturnType<typeof schemaOf> | undefined;

/** The variable that lists a consumer's IAM principals: `CLINIC_CONSUMER_ARNS_BILLING`. */
export function consumerArnsVariable(queue: string): string {
  return `CLINIC_CONSUMER_ARNS_${queue.toUpperCase()}`;
}

function consumerQueues(): string[] {
  return consumers().map((app) => app.messaging.queue);
}

/** The repository root, where the git-ignored `.clinic/` state folder lives by default. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * Reads and validates the clinic's messaging settings. Throws a `ConfigError` that names every
 * wrong variable and what it must look like.
 */
export function loadMessagingConfig(env: NodeJS.ProcessEnv = process.env): MessagingConfig {
  schema ??= schemaOf();
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw configErrorOf('Invalid configuration', parsed.error);
  const e = parsed.data;
  const region = e.AWS_REGION ?? e.AWS_DEFAULT_REGION ?? 'us-east-1';
  return {
    profile: e.CLINIC_PROFILE,
    prefix: e.CLINIC_PREFIX,
    region,
    endpoint: e.AWS_ENDPOINT_URL,
    stateDir: path.resolve(e.CLINIC_STATE_DIR ?? path.join(PROJECT_ROOT, '.clinic')),
    brokerPort: e.CLINIC_BROKER_PORT,
    postgresPort: e.CLINIC_POSTGRES_PORT,
    dataKeyMaxAgeS: e.CLINIC_DATA_KEY_MAX_AGE_S,
    dataKeyMaxMessages: e.CLINIC_DATA_KEY_MAX_MESSAGES,
    maxReceiveCount: e.CLINIC_MAX_RECEIVE_COUNT,
    algorithm: e.CLINIC_ALGORITHM,
    topicArn: e.CLINIC_TOPIC_ARN,
    principals: {
      administrators: e.CLINIC_KMS_ADMIN_ARNS,
      publisher: e.CLINIC_PUBLISHER_ARNS,
      consumers: Object.fromEntries(
        consumerQueues().map((queue) => [
          queue,
          (e as unknown as Record<string, string[]>)[consumerArnsVariable(queue)],
        ]),
      ),
    },
  };
}
