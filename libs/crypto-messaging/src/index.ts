/**
 * @app/crypto-messaging: encrypted SNS-to-SQS fan-out, end to end. The topology declared once,
 * provisioning and the doctor, envelope encryption with the AWS Encryption SDK, a publisher
 * with a PHI guard, and a NestJS transport for consumers.
 *
 * Named exports only: what is listed here is the public API. Helpers the library uses inside
 * (AWS error wrapping, policy builders, the doctor's policy analysis) stay out.
 */
export {
  contextFor,
  defineEvent,
  EVENT_ATTRIBUTE,
  type BodyCipher,
  type EncryptionContext,
  type EventDefinition,
  type EventEnvelope,
  type PublishRequest,
} from './core';
export {
  type AlgorithmSuiteChoice,
  AWS_REGION_NAME,
  configErrorOf,
  IAM_PRINCIPAL_ARN,
  MAX_DATA_KEY_AGE_S,
  MAX_DATA_KEY_MESSAGES,
  SNS_TOPIC_ARN,
  type MessagingOptions,
  type MessagingPrincipals,
  type Profile,
  resolveMessagingOptions,
  type ResolvedMessagingOptions,
} from './config/messaging.config';
export {
  AWS_SILENCE_LIMIT_MS,
  type AwsClients,
  type AwsTarget,
  createAwsClients,
} from './config/aws-clients';
export {
  ConfigError,
  MessagingError,
  MessagingErrorCode,
  type MessagingErrorOptions,
  PoisonMessageError,
} from './errors/messaging.error';
export type {
  FilterPolicy,
  KeyDeclaration,
  MessagingTopology,
  QueueDeclaration,
  TopicDeclaration,
} from './topology/topology.types';
export { allowedAttributesOf, keyOf, queueOf } from './topology/topology.lookup';
export { ATTRIBUTE, ENVELOPE_ATTRIBUTES } from './topology/message-attributes';
export { EventRegistry } from './events/event-registry';
export { type KeyAuditEvent, type KeyUseCounters, KeyUseMonitor } from './keys/key-use.monitor';
export { type KeyProvider, kmsKeyProvider, localKeyProvider } from './keys/key-provider';
export { loadOrCreateLocalMasterKey, type LocalMasterKey } from './keys/local-master-key';
export { EnvelopeCipher, type EnvelopeCipherOptions } from './crypto/envelope.cipher';
export { PhiRefusedError } from './publisher/phi-guard';
// backoffMs: an outbox relay retries with the publisher's backoff.
export {
  backoffMs,
  type BatchPublishOutcome,
  EncryptedPublisher,
  type EncryptedPublisherOptions,
  EventSealer,
  type EventSealerOptions,
  type PublishResult,
  type SealedEvent,
  sizeOf,
  SNS_MAX_MESSAGE_BYTES,
} from './publisher/encrypted.publisher';
export { SqsContext, type SqsDeliveryInfo } from './transport/sqs.context';
export { EventBatchPattern, SqsBatchContext, type BatchFailures } from './transport/batch-handler';
export {
  DEAD_LETTER_REASON_ATTRIBUTE,
  ENCRYPTED_SQS_TRANSPORT,
  EncryptedSqsServer,
  type EncryptedSqsServerOptions,
  type MessageOutcome,
  type TransportState,
} from './transport/encrypted-sqs.server';
export { type ConsumerTuning, type DeliveryPolicyTarget, MessagingRuntime } from './messaging.runtime';
export { SqsPoller, SqsStatus, type PollerListener, type SqsPollerOptions } from './transport/sqs.poller';
export { VisibilityHeartbeat, type Lease } from './transport/visibility.heartbeat';
export { CryptoMessagingModule } from './module/crypto-messaging.module';
export {
  CRYPTO_MESSAGING_OPTIONS,
  type CryptoMessagingModuleExtras,
  type CryptoMessagingModuleOptions,
} from './module/crypto-messaging.module-definition';
export { ConsumerServerFactory } from './module/consumer-server.factory';
export {
  EventCodec,
  wireOf,
  wireOfDelivered,
  type EventCodecOptions,
  type OpenedEvent,
  type WireMessage,
} from './codec/event.codec';
export {
  SqsDeliveryPolicy,
  type Delivery,
  type DeliveryPolicy,
  type DeliveryStage,
  type SqsDeliveryPolicyOptions,
} from './transport/delivery.policy';
export {
  KEY_ADMIN_ACTIONS,
  type KeyPrincipals,
  type MessagingPlan,
  plan,
  type ProvisionOptions,
  type ProvisionReport,
  type ProvisionRow,
  provisionTopology,
  renderProvisionReport,
  renderProvisionRow,
} from './provisioning';
export { DeadLetterException } from './transport/dead-letter.exception';
export {
  type CheckStatus,
  type DoctorCheck,
  type DoctorHints,
  type DoctorOptions,
  type DoctorRenderOptions,
  type DoctorReport,
  renderDoctorReport,
  runDoctor,
} from './doctor';
export {
  type DeadLetterAccessAudit,
  type DeadLetterDetail,
  DeadLetterError,
  DeadLetterErrorCode,
  type DeadLetterListing,
  DeadLetterQueues,
  type DeadLetterQueuesOptions,
  type DeadLetterSummary,
  MAX_RECEIVES_REASON,
  type PurgeReport,
  type RedriveReport,
  type RedriveResult,
} from './dlq';
export {
  ciphertextHead,
  type CiphertextHead,
  type DeliveryTap,
  evaluateFilterPolicy,
  type FilterVerdict,
  type HopObservation,
  type JourneyHop,
  type KeyOperation,
  inBatchDeliveryScope,
  inDeliveryScope,
  markDuplicateDelivery,
} from './journey';
