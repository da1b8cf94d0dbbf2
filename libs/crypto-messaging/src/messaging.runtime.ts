import type { SQSClient } from '@aws-sdk/client-sqs';
import { createAwsClients, type AwsClients } from './config/aws-clients';
import {
  resolveMessagingOptions,
  type MessagingOptions,
  type Profile,
  type ResolvedMessagingOptions,
} from './config/messaging.config';
import { EnvelopeCipher } from './crypto/envelope.cipher';
import { MessagingError, MessagingErrorCode } from './errors/messaging.error';
import type { EventDefinition } from './events/event-definition';
import { kmsKeyProvider, localKeyProvider, type KeyProvider } from './keys/key-provider';
import { KeyUseMonitor } from './keys/key-use.monitor';
import { loadOrCreateLocalMasterKey } from './keys/local-master-key';
import { findQueueUrl, findTopicArn } from './plan/lookups';
import type { DeliveryTap } from './journey/delivery-tap';
import { EncryptedPublisher } from './publisher/encrypted.publisher';
import { allowedAttributesOf, keyOf, queueOf } from './topology/topology.lookup';
import type { MessagingTopology } from './topology/topology.types';
import type { DeliveryPolicy } from './transport/delivery.policy';
import { EncryptedSqsServer, type EncryptedSqsServerOptions } from './transport/encrypted-sqs.server';

/** Credentials the embedded broker accepts (it checks none). Never used against AWS. */
const EMBEDDED_CREDENTIALS = { accessKeyId: 'embedded', secretAccessKey: 'embedded' };

/** The queue a delivery policy acts on: what a custom policy is built from. */
export interface DeliveryPolicyTarget {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

/** Consumer tuning that callers may set; the rest comes from the topology. */
export interface ConsumerTuning extends Pick<
  EncryptedSqsServerOptions,
  | 'concurrency'
  | 'receivers'
  | 'batchWindowMs'
  | 'waitTimeS'
  | 'visibilityTimeoutS'
  | 'retryBaseDelayS'
  | 'retryMaxDelayS'
  | 'closeGraceMs'
> {
  /**
   * Your own delivery policy (ack, retry, dead-letter), built once the queue's addresses are
   * known. Default: {@link SqsDeliveryPolicy}.
   */
  readonly deliveryPolicy?: (target: DeliveryPolicyTarget) => DeliveryPolicy;
}

/**
 * Everything one process needs to publish or consume, built once from the validated options:
 * the topology, the SDK clients, the key provider, one envelope cipher (one data-key cache) and
 * the key-use monitor. The composition root behind {@link CryptoMessagingModule}, and of
 * scripts and tests that run without Nest.
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

  /** The attribute names publishers built here may set: the envelope's and the topology's. */
  readonly allowedAttributes: ReadonlySet<string>;

  private constructor(
    readonly options: ResolvedMessagingOptions,
    readonly app: string,
    readonly clients: AwsClients,
  ) {
    this.monitor = new KeyUseMonitor(app);
    this.allowedAttributes = allowedAttributesOf(options.topology);
  }

  /**
   * Builds the runtime for an app (`orders`, `billing` ...) after validating the options (a
   * `ConfigError` names every wrong one). No network calls yet.
   */
  static create(options: MessagingOptions, app: string): MessagingRuntime {
    const resolved = resolveMessagingOptions(options);
    const clients = createAwsClients({
      region: resolved.region,
      endpoint: resolved.endpoint,
      credentials: resolved.profile === 'embedded' ? EMBEDDED_CREDENTIALS : undefined,
    });
    return new MessagingRuntime(resolved, app, clients);
  }

  /** The topic, queues and keys this runtime publishes to or consumes from. */
  get topology(): MessagingTopology {
    return this.options.topology;
  }

  /** Where the messaging runs. */
  get profile(): Profile {
    return this.options.profile;
  }

  /** The endpoint the SDK talks to, for messages and the doctor (`undefined` is AWS itself). */
  get endpoint(): string | undefined {
    return this.options.endpoint;
  }

  /** The process's envelope cipher (created on first use; resolves the KMS key once). */
  cipher(): Promise<EnvelopeCipher> {
    this.cipherPromise ??= this.keyProvider().then(
      (keys) =>
        new EnvelopeCipher({
          keys,
          monitor: this.monitor,
          dataKeyMaxAgeS: this.options.dataKeyMaxAgeS,
          dataKeyMaxMessages: this.options.dataKeyMaxMessages,
          algorithm: this.options.algorithm,
        }),
    );
    this.cipherPromise.catch(() => (this.cipherPromise = undefined));
    return this.cipherPromise;
  }

  /** The topic's ARN, looked up once. Fails with the fix when the topology is not provisioned. */
  topicArn(): Promise<string> {
    if (this.options.topicArn) return Promise.resolve(this.options.topicArn);
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
      allowedAttributes: this.allowedAttributes,
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
    const { deliveryPolicy, ...rest } = tuning;
    this.transport = new EncryptedSqsServer({
      sqs: this.clients.sqs,
      queueUrl,
      deadLetterQueueUrl,
      topicName: this.topology.topic.name,
      cipher,
      events,
      visibilityTimeoutS: queue.visibilityTimeoutS,
      waitTimeS: queue.receiveWaitTimeS,
      ...rest,
      deliveryPolicy: deliveryPolicy?.({ sqs: this.clients.sqs, queueUrl, deadLetterQueueUrl }),
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
    if (this.options.profile === 'aws') return kmsKeyProvider(this.clients.kms, key.alias, this.monitor);
    // resolveMessagingOptions refuses the embedded profile without a key folder.
    const local = loadOrCreateLocalMasterKey(this.options.localKeyDir!);
    return localKeyProvider(local.key, key.alias.replace(/^alias\//, ''), this.monitor);
  }

  private notProvisioned(what: string): MessagingError {
    return new MessagingError(
      MessagingErrorCode.NotProvisioned,
      `The ${what} does not exist at ${this.endpoint ?? 'AWS'} (region ${this.options.region}).`,
      { fix: 'Provision the topology first.' },
    );
  }

  private unreachable(error: unknown): MessagingError {
    return new MessagingError(
      MessagingErrorCode.BrokerUnavailable,
      `Cannot reach SNS/SQS at ${this.endpoint ?? `AWS (region ${this.options.region})`}: ${(error as Error).name}.`,
      {
        cause: error,
        fix:
          this.options.profile === 'embedded'
            ? 'Start the embedded broker, or check the endpoint it listens on.'
            : 'Check AWS_ENDPOINT_URL, AWS_REGION and credentials.',
      },
    );
  }
}
