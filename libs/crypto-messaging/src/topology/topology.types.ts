/**
 * The shape of an encrypted SNS-to-SQS fan-out, declared once. Provisioning, the doctor, the
 * infrastructure code and the docs all read a value of this type, so they cannot drift apart.
 */

/** SNS filter policy on message attributes (the JSON SNS stores in `FilterPolicy`). */
export type FilterPolicy = Record<string, unknown>;

/** A customer-managed, symmetric KMS key with automatic rotation. */
export interface KeyDeclaration {
  /** Stable reference used by topics and queues (`records`). */
  readonly ref: string;
  /** Alias, `alias/<prefix>-<ref>`. */
  readonly alias: string;
  readonly description: string;
}

export interface TopicDeclaration {
  readonly name: string;
  /** `KeyDeclaration.ref` of the key that encrypts the topic (SSE) and the envelope. */
  readonly keyRef: string;
}

/** One consumer's queue, its dead-letter queue and its subscription to the topic. */
export interface QueueDeclaration {
  /** Short name of the consuming system (`billing`). */
  readonly consumer: string;
  readonly name: string;
  readonly deadLetterQueueName: string;
  /** `KeyDeclaration.ref` of the key that encrypts this queue and its dead-letter queue. */
  readonly keyRef: string;
  /** Receives before SQS moves a message to the dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutS: number;
  readonly messageRetentionS: number;
  /** Kept longer than the source queue so that nothing expires while it waits for a human. */
  readonly deadLetterRetentionS: number;
  readonly receiveWaitTimeS: number;
  readonly filterPolicy: FilterPolicy;
  /** Deliver the published body as is (no SNS JSON envelope): the body is already ciphertext. */
  readonly rawMessageDelivery: boolean;
}

export interface MessagingTopology {
  readonly prefix: string;
  /** The application that publishes (`emr`): it alone may use the topic key to encrypt. */
  readonly publisher: string;
  readonly keys: readonly KeyDeclaration[];
  readonly topic: TopicDeclaration;
  readonly queues: readonly QueueDeclaration[];
  /** SSE data-key reuse on every queue (`KmsDataKeyReusePeriodSeconds`), 60..86,400 s. */
  readonly dataKeyReusePeriodS: number;
  /**
   * The routing attributes publishers may set besides the envelope's own (`event-type`,
   * `schema-version`, `event-id`), and filter policies may route on: plaintext, so reviewed to
   * carry no PHI. The attribute allowlist of the publisher and the doctor. None: envelope only.
   */
  readonly attributes?: readonly string[];
}
