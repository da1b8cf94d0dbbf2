/**
 * @app/crypto-messaging/core: what an event contract needs and nothing more: event definitions,
 * the request to publish one, the encryption context and the cipher port. It imports no other
 * part of the library and no AWS SDK (zod only), so a contracts package can depend on it without
 * pulling in the transport.
 */
export type { BodyCipher, EncryptionContext } from './body-cipher';
export { contextFor } from './encryption-context';
export { EVENT_ATTRIBUTE } from './event-attributes';
export { defineEvent, type EventDefinition, type EventEnvelope } from './event-definition';
export type { PublishRequest } from './publish-request';
