import { KMS } from '@aws-sdk/client-kms';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/** Where and how to reach the AWS APIs. */
export interface AwsTarget {
  readonly region: string;
  /** Override endpoint (the embedded broker); `undefined` lets the SDK use `AWS_ENDPOINT_URL` or AWS. */
  readonly endpoint?: string;
  /** Static credentials (the embedded broker accepts any); `undefined` uses the SDK's chain. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** The SDK clients the library uses. KMS is the aggregated client the Encryption SDK needs. */
export interface AwsClients {
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly kms: KMS;
  destroy(): void;
}

/** Enough sockets for many concurrent long polls plus publishing. */
const MAX_SOCKETS = 256;

/** The longest long poll SQS allows (`WaitTimeSeconds`), during which the service sends nothing. */
export const SQS_MAX_WAIT_TIME_S = 20;

/**
 * How long a request may go without a byte either way before it is given up, per client. Given
 * a request handler of its own, the SDK sets no such limit (its service defaults, 5 and 15
 * minutes, are opt-in, and only for a handler it builds itself). TCP keepalive notices a peer
 * that stops acknowledging; not one whose kernel still acknowledges but never answers: a broker
 * process frozen with its sockets open, a proxy or load balancer whose backend hangs. Such a
 * connection held its caller for good: the outbox relay, which publishes one batch at a time
 * while it holds a database connection, and each consumer's long polls. Past the limit the
 * request fails with `TimeoutError`, the socket is destroyed, and the SDK retries (up to
 * `maxAttempts`) on another. The SDK starts watching a socket 3 s into a request, so a request
 * silent from its start is given up after the limit and up to 3 s more. SQS waits in silence
 * through a long poll, so its limit is the longest poll and 10 s more; its deletes and
 * visibility changes get the same.
 */
export const AWS_SILENCE_LIMIT_MS = {
  sqs: (SQS_MAX_WAIT_TIME_S + 10) * 1000,
  sns: 10_000,
  kms: 10_000,
} as const;
/** A TCP connection not made by then is given up (and retried): a firewall that drops packets. */
export const AWS_CONNECT_TIMEOUT_MS = 5_000;
/** Hosts that never leave the machine: nothing on the way can change a byte. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Whether the SQS client should check the MD5 of every body it sends and receives. The check
 * guards against bytes changed in transit; it costs an MD5 of each body (about 5 us for a
 * 1.7 KB body, every message of every consumer). It adds nothing where transit already has
 * integrity: over an HTTPS endpoint (TLS authenticates every record) and on loopback. With no
 * endpoint given, the SDK may still take one from its environment (`AWS_ENDPOINT_URL_SQS`,
 * possibly plain HTTP), so the check stays. And every body this library sends through SQS is an Encryption SDK message whose
 * AES-GCM tag authenticates it end to end: a changed byte fails the decrypt. Only plain HTTP
 * to another host keeps the check, so that a body changed on the way is refused at receive
 * (and retried) rather than opened, failed and dead-lettered as changed.
 */
export function sqsBodyChecksumNeeded(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return true;
  const url = new URL(endpoint);
  return url.protocol !== 'https:' && !LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * Creates the SNS, SQS and KMS clients for a target. They share keep-alive connection pools;
 * each has its own silence limit ({@link AWS_SILENCE_LIMIT_MS}).
 */
export function createAwsClients(target: AwsTarget): AwsClients {
  const agents = {
    httpAgent: new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
  };
  const requestHandler = (service: keyof typeof AWS_SILENCE_LIMIT_MS) =>
    new NodeHttpHandler({
      ...agents,
      connectionTimeout: AWS_CONNECT_TIMEOUT_MS,
      socketTimeout: AWS_SILENCE_LIMIT_MS[service],
    });
  const common = {
    region: target.region,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
    maxAttempts: 4,
  };
  // The hot clients keep each command's middleware chain (`cacheMiddleware`) instead of building
  // it at every send: about 80 us of CPU less per request (of about 600), measured on this
  // machine. The SDK drops the cache at any send with options: the poller's receive passes an
  // abort signal, and so does the outbox relay's publish (a deadline). What gains is a send
  // without options after another (a publish without a deadline; in a consumer, the deletes
  // and visibility changes after the first since the last receive). Nothing adds middleware to
  // these clients after their first request (the KMS client, which gets its call counter then,
  // keeps the default).
  const hot = { ...common, cacheMiddleware: true };
  const sns = new SNSClient({ ...hot, requestHandler: requestHandler('sns') });
  // Send to the endpoint the SDK resolved (the target's, AWS_ENDPOINT_URL's or the regional one),
  // not to the host inside a queue URL: emulators hand out URLs such as
  // http://sqs.us-east-1.localhost:4566/... whose host does not resolve everywhere.
  const sqs = new SQSClient({
    ...hot,
    requestHandler: requestHandler('sqs'),
    useQueueUrlAsEndpoint: false,
    // `false` turns the check off; leaving it unset keeps the SDK's default MD5.
    ...(sqsBodyChecksumNeeded(target.endpoint) ? {} : { md5: false }),
  });
  const kms = new KMS({ ...common, requestHandler: requestHandler('kms') });
  return {
    sns,
    sqs,
    kms,
    destroy() {
      sns.destroy();
      sqs.destroy();
      kms.destroy();
    },
  };
}
