/** @app/local-stack: the embedded development stack (no Docker, nothing to install). */
export {
  type LocalStack,
  type LocalStackOptions,
  startLocalStack,
  usesEmbeddedIdentityProvider,
} from './local-stack';
export { type Broker, type BrokerOptions, startBroker } from './broker';
export {
  ADMIN_PASSWORD_MOVED,
  type EmbeddedPostgres,
  embeddedPostgresUrl,
  LEGACY_ADMIN_PASSWORD,
  postgresDataDirOf,
  postgresSocketDirOf,
  type PostgresOptions,
  startPostgres,
} from './postgres';
export {
  ADMIN_LOGIN,
  appLoginOf,
  loadOrCreateSecret,
  type LocalSecret,
  readSecret,
  scramVerifierOf,
  secretsDirOf,
} from './secrets';
export type { ProcessExit } from '@app/crypto-messaging/embedded';
export { assertPortFree, PortInUseError } from './launch';
export { statFieldsOf } from './proc-stat';
export {
  type IdentityProvider,
  type IdentityProviderOptions,
  startIdentityProvider,
} from './identity-provider';
