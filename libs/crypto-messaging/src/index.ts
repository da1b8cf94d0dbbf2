/**
 * @app/crypto-messaging: encrypted SNS-to-SQS fan-out, end to end. The topology declared once,
 * provisioning and the doctor, envelope encryption with the AWS Encryption SDK, a publisher
 * with a PHI guard, and a NestJS transport for consumers.
 */
export * from './config/messaging.config';
export * from './config/aws-clients';
export * from './errors/messaging.error';
export * from './topology/topology.types';
export { allowedAttributesOf, keyOf, queueOf } from './topology/topology.lookup';
export * from './topology/message-attributes';
export * from './events/event-definition';
export * from './events/encryption-context';
export * from './keys/key-use.monitor';
export * from './keys/key-provider';
export * from './keys/local-master-key';
export * from './crypto/envelope.cipher';
export * from './publisher/phi-guard';
export * from './publisher/encrypted.publisher';
export * from './transport/sqs.context';
export * from './transport/encrypted-sqs.server';
export * from './messaging.runtime';
export { CryptoMessagingModule } from './module/crypto-messaging.module';
export {
  CRYPTO_MESSAGING_OPTIONS,
  type CryptoMessagingModuleExtras,
  type CryptoMessagingModuleOptions,
} from './module/crypto-messaging.module-definition';
export { ConsumerServerFactory } from './module/consumer-server.factory';
export * from './provisioning';
export * from './transport/dead-letter.exception';
export * from './doctor';
export * from './dlq';
export * from './journey';
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
