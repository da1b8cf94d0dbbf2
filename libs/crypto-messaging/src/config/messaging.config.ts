import { z } from 'zod';
import { RESERVED_ATTRIBUTES } from '../topology/message-attributes';
import { ConfigError } from '../errors/messaging.error';
import type { MessagingTopology } from '../topology/topology.types';

/** Where the messaging runs: an embedded broker (no KMS, a local master key) or any AWS-API endpoint. */
export type Profile = 'embedded' | 'aws';

/** Envelope algorithm suite. See docs/adr/0003-algorithm-suite.md for the measured cost. */
export type AlgorithmSuiteChoice = 'committing' | 'committing-signed';

/** IAM principals the key policy names (aws profile); empty lists mean the account root. */
export interface MessagingPrincipals {
  readonly administrators: readonly string[];
  readonly publisher: readonly string[];
  /** By consumer name, as the topology's queues declare them. */
  readonly consumers: Readonly<Record<string, readonly string[]>>;
}

/**
 * What the library needs to publish or consume, given by the application (from its own
 * settings, in its own variables): the library reads no environment variable.
 */
export interface MessagingOptions {
  readonly profile: Profile;
  /** The topic, its queues, keys and routing attributes: see {@link MessagingTopology}. */
  readonly topology: MessagingTopology;
  readonly region: string;
  /** The endpoint of the SNS/SQS/KMS APIs; required by the embedded profile, `undefined` is AWS itself. */
  readonly endpoint?: string;
  /** Folder of the embedded profile's local master key (created mode 0600 on first use). */
  readonly localKeyDir?: string;
  /** A data key is reused for at most this long (caching materials manager). Default 300. */
  readonly dataKeyMaxAgeS?: number;
  /** ... and for at most this many messages. Default 100,000. */
  readonly dataKeyMaxMessages?: number;
  /** Default `committing`. */
  readonly algorithm?: AlgorithmSuiteChoice;
  /** The topic's ARN when known (deployments): saves a ListTopics the publisher may not be allowed. */
  readonly topicArn?: string;
  readonly principals?: MessagingPrincipals;
}

/** {@link MessagingOptions} after validation, with every default applied. */
export interface ResolvedMessagingOptions extends MessagingOptions {
  readonly dataKeyMaxAgeS: number;
  readonly dataKeyMaxMessages: number;
  readonly algorithm: AlgorithmSuiteChoice;
  readonly principals: MessagingPrincipals;
}

/** An IAM role, user or account root ARN, as key policies name principals. */
export const IAM_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/.+|user\/.+)$/;
/** An SNS topic ARN. */
export const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/;
/** An AWS region name. */
export const AWS_REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** Most seconds a data key may be reused (24 h). */
export const MAX_DATA_KEY_AGE_S = 86_400;
/** Most messages one data key may encrypt. */
export const MAX_DATA_KEY_MESSAGES = 2 ** 32;

/**
 * A topology's own routing attribute names: SNS's rules for a name (letters, digits, `_ - .`, no
 * `AWS.`/`Amazon.` prefix), and none of the names the library sets itself (a publisher that could
 * set `dead-letter-reason` could forge a consumer's verdict).
 */
const routingAttributes = z.array(
  z
    .string()
    .regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,255}$/, 'must be 1-256 letters, digits, "_", "-" or "."')
    .refine((name) => !/^(aws|amazon)\./i.test(name), 'must not start with "AWS." or "Amazon."')
    .refine((name) => !RESERVED_ATTRIBUTES.includes(name), {
      error: (issue) => `"${String(issue.input)}" is set by the library itself`,
    }),
);

const arns = z.array(z.string().regex(IAM_PRINCIPAL_ARN, 'must list IAM role or user ARNs'));

const optionsSchema = z
  .object({
    profile: z.enum(['embedded', 'aws'], { error: 'must be "embedded" or "aws"' }),
    topology: z
      .custom<MessagingTopology>(
        (v) => typeof v === 'object' && v !== null && 'topic' in v && 'queues' in v,
        'must be a MessagingTopology',
      )
      .superRefine((topology, ctx) => {
        const checked = routingAttributes.safeParse(topology.attributes ?? []);
        for (const issue of checked.error?.issues ?? [])
          ctx.addIssue({ code: 'custom', path: ['attributes', ...issue.path], message: issue.message });
      }),
    region: z.string().regex(AWS_REGION_NAME, 'must look like us-east-1'),
    endpoint: z.url({ error: 'must be a URL such as http://127.0.0.1:4566' }).optional(),
    localKeyDir: z.string().min(1).optional(),
    dataKeyMaxAgeS: z.number().int().min(1).max(MAX_DATA_KEY_AGE_S).default(300),
    dataKeyMaxMessages: z.number().int().min(1).max(MAX_DATA_KEY_MESSAGES).default(100_000),
    algorithm: z
      .enum(['committing', 'committing-signed'], { error: 'must be "committing" or "committing-signed"' })
      .default('committing'),
    topicArn: z.string().regex(SNS_TOPIC_ARN, 'must be an SNS topic ARN').optional(),
    principals: z
      .object({ administrators: arns, publisher: arns, consumers: z.record(z.string(), arns) })
      .default({ administrators: [], publisher: [], consumers: {} }),
  })
  .refine((o) => o.profile !== 'embedded' || o.endpoint !== undefined, {
    path: ['endpoint'],
    message: 'is required by the embedded profile (the local broker)',
  })
  .refine((o) => o.profile !== 'embedded' || o.localKeyDir !== undefined, {
    path: ['localKeyDir'],
    message: 'is required by the embedded profile (where the local master key lives)',
  });

/** A {@link ConfigError} listing every setting a schema refused, one per line, with why. */
export function configErrorOf(title: string, error: z.ZodError, fix?: string): ConfigError {
  const lines = error.issues.map((i) => `  - ${i.path.map(String).join('.')}: ${i.message}`);
  return new ConfigError(`${title}:\n${lines.join('\n')}`, fix);
}

/**
 * Validates the options an application gives the library and applies the defaults. Throws a
 * {@link ConfigError} that names every wrong option and what it must look like.
 */
export function resolveMessagingOptions(options: MessagingOptions): ResolvedMessagingOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw configErrorOf(
      'Invalid messaging options',
      parsed.error,
      'correct the options given to the library',
    );
  }
  // The topology is the caller's value, kept as given (the schema only checks its shape).
  return { ...parsed.data, topology: options.topology };
}
