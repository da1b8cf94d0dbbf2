/**
 * Read-only look-ups shared by provisioning and the doctor: "does it exist, and what is it
 * now". Each returns undefined for "not there" and lets every other error through.
 */
import type { KeyMetadata, KMS } from '@aws-sdk/client-kms';
import {
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  type SNSClient,
  type Subscription,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { MessagingError, MessagingErrorCode } from '../errors/messaging.error';
import { parseArn } from './policies';

/** True when `error` is an SDK error with one of these names (the service's error code). */
export function isAwsError(error: unknown, ...names: string[]): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { Code?: unknown }).Code;
  return names.includes(error.name) || (typeof code === 'string' && names.includes(code));
}

/** The ARN of the topic with this name, found by listing (the account id is not known yet). */
export async function findTopicArn(sns: SNSClient, name: string): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const page = await sns.send(new ListTopicsCommand({ NextToken: token }));
    const found = page.Topics?.find(
      (t) => t.TopicArn !== undefined && parseArn(t.TopicArn).resource === name,
    );
    if (found?.TopicArn) return found.TopicArn;
    token = page.NextToken;
  } while (token);
  return undefined;
}

/** Every subscription of a topic (all pages). */
export async function listTopicSubscriptions(sns: SNSClient, topicArn: string): Promise<Subscription[]> {
  const all: Subscription[] = [];
  let token: string | undefined;
  do {
    const page = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }),
    );
    all.push(...(page.Subscriptions ?? []));
    token = page.NextToken;
  } while (token);
  return all;
}

/** The queue URL, or undefined when no queue has this name. */
export async function findQueueUrl(sqs: SQSClient, name: string): Promise<string | undefined> {
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (isAwsError(error, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue')) return undefined;
    throw error;
  }
}

/** All attributes of a queue. */
export async function queueAttributes(sqs: SQSClient, url: string): Promise<Record<string, string>> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
  return out.Attributes ?? {};
}

/** DescribeKey, or undefined when the key id, ARN or alias resolves to nothing. */
export async function describeKey(kms: KMS, keyId: string): Promise<KeyMetadata | undefined> {
  try {
    return (await kms.describeKey({ KeyId: keyId })).KeyMetadata;
  } catch (error) {
    if (isAwsError(error, 'NotFoundException')) return undefined;
    throw error;
  }
}

/**
 * Wraps a failed AWS call into a {@link MessagingError} that says which resource and operation
 * failed and what to do. SDK error messages name resources, never message contents.
 */
export function wrapAwsError(
  error: unknown,
  operation: string,
  resource: string,
  endpoint?: string,
): MessagingError {
  if (error instanceof MessagingError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const detail = error instanceof Error ? error.message : String(error);
  const where = endpoint ? ` at ${endpoint}` : '';
  const unreachable =
    /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|socket hang up/i.test(detail) || name === 'TimeoutError';
  if (unreachable) {
    return new MessagingError(
      MessagingErrorCode.BrokerUnavailable,
      `${operation} for ${resource} failed: the endpoint${where} does not answer (${name}). ` +
        'Start the broker (npm start) or set AWS_ENDPOINT_URL / AWS_REGION to a reachable endpoint.',
      { cause: error },
    );
  }
  if (isNotAwsApiAnswer(error)) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return new MessagingError(
      MessagingErrorCode.Config,
      `${operation} for ${resource} failed: ${notAwsApiExplanation(endpoint, status)}`,
      { cause: error },
    );
  }
  const kms = operation.startsWith('kms:');
  let code = kms ? MessagingErrorCode.KmsUnavailable : MessagingErrorCode.BrokerUnavailable;
  let fix = 'Check the credentials and the endpoint, then re-run npm run clinic -- provision.';
  if (/AccessDenied|NotAuthorized|UnauthorizedOperation/i.test(name)) {
    code = kms ? MessagingErrorCode.KmsAccessDenied : code;
    fix = `Grant the caller ${operation} on ${resource} (IAM policy${kms ? ' and key policy' : ''}).`;
  } else if (kms && name === 'DisabledException') {
    code = MessagingErrorCode.KmsKeyDisabled;
    fix = 'Enable the key (aws kms enable-key) or re-run npm run clinic -- provision.';
  } else if (kms && name === 'NotFoundException') {
    code = MessagingErrorCode.KmsKeyNotFound;
  }
  return new MessagingError(code, `${operation} for ${resource} failed${where}: ${name}: ${detail}. ${fix}`, {
    cause: error,
  });
}

/**
 * True when the endpoint answered, but not as an AWS-API service does: a web page, plain text,
 * or an error status without an AWS error code or request id (macOS's AirPlay receiver answers
 * an empty 403 on port 5000). The SDK then reports "XML parse error", "is not valid JSON" or
 * "Unknown", which reads like a credentials problem and is not one.
 */
export function isNotAwsApiAnswer(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (/Deserialization error|XML parse error|is not valid JSON/i.test(error.message)) return true;
  const metadata = (error as { $metadata?: { httpStatusCode?: number; requestId?: string } }).$metadata;
  return (
    (error.message === 'Unknown' || error.message === 'UnknownError') &&
    metadata?.httpStatusCode !== undefined &&
    !metadata.requestId
  );
}

/**
 * "The endpoint at ... answered, but it does not speak the AWS API", with what to do: for an
 * answer that {@link isNotAwsApiAnswer}, or a reply without the fields every AWS answer has.
 */
export function notAwsApiExplanation(endpoint: string | undefined, status?: number): string {
  return (
    `the endpoint${endpoint ? ` at ${endpoint}` : ''} answered${status ? ` (HTTP ${status})` : ''}, but it ` +
    'does not speak the AWS API. Another program holds that port (not moto, or not the endpoint ' +
    `you meant). ${howToFreePort(endpoint)}`
  );
}

/** What to do when another program answers on the endpoint's port. */
function howToFreePort(endpoint: string | undefined): string {
  if (!endpoint) return 'Check for a proxy in between (HTTPS_PROXY), or set AWS_ENDPOINT_URL.';
  let port: string;
  try {
    const url = new URL(endpoint);
    port = url.port || (url.protocol === 'https:' ? '443' : '80');
  } catch {
    return 'Check AWS_ENDPOINT_URL.';
  }
  return (
    `See which program listens there (lsof -i :${port}, or ss -ltnp), stop it, or start moto on a ` +
    'free port (moto_server -H 127.0.0.1 -p 5001) and set AWS_ENDPOINT_URL=http://127.0.0.1:5001.'
  );
}
