import { createAwsClients, type AwsClients } from './config/aws-clients';
import type { MessagingConfig } from './config/messaging.config';
import { EnvelopeCipher } from './crypto/envelope.cipher';
import { MessagingError, MessagingErrorCode } from './errors/messaging.error';
import type { EventDefinition } from './events/event-definition';
import { kmsKeyProvider, localKeyProvider, type KeyProvider } from './keys/key-provider';
import { KeyUseMonitor } from './keys/key-use.monitor';
import { loadOrCreateLocalMasterKey } from './keys/local-master-key';
import { findQueueUrl, findTopicArn } from './plan/lookups';
import type { DeliveryTap } from './journey/delivery-tap';
import { EncryptedPublisher } from './publisher/encrypted.publisher';
import { clinicTopology, keyOf, queueOf } from './topology/clinic.topology';
import type { MessagingTopology } from './topology/topology.types';
import { EncryptedSqsServer, type EncryptedSqsServerOptions } from './transport/encrypted-sqs.server';

/** Credentials the embedded broker accepts (it checks none). Never used against AWS. */
const EMBEDDED_CREDENTIALS = { accessKeyId: 'embedded', secretAccessKey: 'embedded' };

/** The embedded broker on loopback, or AWS_ENDPOINT_URL; `undefined` is AWS itself. */
function endpointOf(config: MessagingConfig): string | undefined {
  return config.profile === 'embedded'
    ? (config.endpoint ?? `http://127.0.0.1:${config.brokerPort}`)
    : config.endpoint;
}

/** Consumer tuning that callers may set; the rest comes from the topology. */
export type ConsumerTuning = Pick<
  EncryptedSqsServerOptions,
  'concurrency' | 'waitTimeS' | 'visibilityTimeoutS' | 'retryBaseDelayS' | 'retryMaxDelayS'
>;

/**
 * Everything one process needs to publish or consume, built once from the validated config:
 * the topology, the SDK clients, the key provider, one envelope cipher (one data-key cache) and
 * the key-use monitor. The single composition root of the CLI, the apps, the tests and the bench.
 */
export class MessagingRuntime {
  readonly monitor: KeyUseMonitor;
  /**
   * Where publishers and the transport built here report each event's hops (the web's journey
   * view). Set it before building them; unset, nothing is observed.
   */
  tap?: DeliveryTap;
  /** The consumer transport built by {@link consumerServer}, once built (lab pause/resume). */
  transport?: EncryptedSqsServer;
  private cipherPromise?: Promise<EnvelopeCipher>;
  private topicArnPromise?: Promise<string>;

  private constructor(
    readonly config: MessagingConfig,
    readonly app: string,
    readonly topology: MessagingTopology,
    readonly clients: AwsClients,
  ) {
    this.monitor = new KeyUseMonitor(app);
  }

  /** Builds the runtime for an app (`emr`, `billing` ...). No network calls yet. */
  static create(config: MessagingConfig, app: string): MessagingRuntime {
    const topology = clinicTopology({ prefix: config.prefix, maxReceiveCount: config.maxReceiveCount });
    const clients = createAwsClients({
      region: config.region,
      endpoint: endpointOf(config),
      credentials: config.profile === 'embedded' ? EMBEDDED_CREDENTIALS : undefined,
    });
    return new MessagingRuntime(config, app, topology, clients);
  }

  /** The endpoint the SDK talks to, for messages and the doctor. */
  get endpoint(): string | undefined {
    return endpointOf(this.config);
  }

  /** The process's envelope cipher (created on first use; resolves the KMS key once). */
  cipher(): Promise<EnvelopeCipher> {
    this.cipherPromise ??= this.keyProvider().then(
      (keys) =>
        new EnvelopeCipher({
          keys,
          monitor: this.monitor,
          dataKeyMaxAgeS: this.config.dataKeyMaxAgeS,
          dataKeyMaxMessages: this.config.dataKeyMaxMessages,
          algorithm: this.config.algorithm,
        }),
    );
    this.cipherPromise.catch(() => (this.cipherPromise = undefined));
    return this.cipherPromise;
  }

  /** The topic's ARN, looked up once. Fails with the fix when the topology is not provisioned. */
  topicArn(): Promise<string> {
    if (this.config.topicArn) return Promise.resolve(this.config.topicArn);
    this.topicArnPromise ??= findTopicArn(this.clients.sns, this.topology.topic.name)
      .catch((error: unknown) => {
        throw this.unreachable(error);
      })
      .then((arn) => arn ?? Promise.reject(this.notProvisioned(`topic ${this.topology.topic.name}`)))
      .catch((error: unknown) => {
        // Not cached: the broker may come back, or provisioning may run, later.
        this.topicArnPromise = undefined;
        throw error;
      });
    return this.topicArnPromise;
  }

  /** A publisher to the topic. */
  async publisher(): Promise<EncryptedPublisher> {
    const [topicArn, cipher] = await Promise.all([this.topicArn(), this.cipher()]);
    return new EncryptedPublisher({
      sns: this.clients.sns,
      topicArn,
      topicName: this.topology.topic.name,
      cipher,
      tap: this.tap,
      app: this.app,
    });
  }

  /** The Nest transport for one consumer's queue. */
  async consumerServer(
    consumer: string,
    events: readonly EventDefinition[],
    tuning: ConsumerTuning = {},
  ): Promise<EncryptedSqsServer> {
    const queue = queueOf(this.topology, consumer);
    const [queueUrl, deadLetterQueueUrl, cipher] = await Promise.all([
      this.queueUrl(queue.name),
      this.queueUrl(queue.deadLetterQueueName),
      this.cipher(),
    ]);
    this.transport = new EncryptedSqsServer({
      sqs: this.clients.sqs,
      queueUrl,
      deadLetterQueueUrl,
      topicName: this.topology.topic.name,
      cipher,
      events,
      visibilityTimeoutS: queue.visibilityTimeoutS,
      waitTimeS: queue.receiveWaitTimeS,
      ...tuning,
      tap: this.tap,
      app: this.app,
      queueName: queue.name,
    });
    return this.transport;
  }

  /** A queue's URL by name. Fails with the fix when it does not exist. */
  async queueUrl(name: string): Promise<string> {
    let url: string | undefined;
    try {
      url = await findQueueUrl(this.clients.sqs, name);
    } catch (error) {
      throw this.unreachable(error);
    }
    if (!url) throw this.notProvisioned(`queue ${name}`);
    return url;
  }

  /** Releases the SDK clients' sockets. */
  close(): void {
    this.clients.destroy();
  }

  private async keyProvider(): Promise<KeyProvider> {
    const key = keyOf(this.topology, this.topology.topic.keyRef);
    if (this.config.profile === 'aws') return kmsKeyProvider(this.clients.kms, key.alias, this.monitor);
    const local = loadOrCreateLocalMasterKey(this.config.stateDir);
    return localKeyProvider(local.key, key.alias.replace(/^alias\//, ''), this.monitor);
  }

  private notProvisioned(what: string): MessagingError {
    return new MessagingError(
      MessagingErrorCode.NotProvisioned,
      `The ${what} does not exist at ${this.endpoint ?? 'AWS'} (region ${this.config.region}). Run "npm run clinic -- provision" first.`,
    );
  }

  private unreachable(error: unknown): MessagingError {
    return new MessagingError(
      MessagingErrorCode.BrokerUnavailable,
      `Cannot reach SNS/SQS at ${this.endpoint ?? `AWS (region ${this.config.region})`}: ${(error as Error).name}. ` +
        (this.config.profile === 'embedded'
          ? 'Start the embedded stack ("npm start"), or check CLINIC_BROKER_PORT.'
          : 'Check AWS_ENDPOINT_URL, AWS_REGION and credentials.'),
      { cause: error },
    );
  }
}
