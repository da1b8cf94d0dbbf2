/** @app/local-stack: the embedded development stack (no Docker, nothing to install). */
export * from './local-stack';
export * from './broker';
export * from './postgres';
export * from './secrets';
export type { ProcessExit } from '@app/crypto-messaging/embedded';
export { assertPortFree, PortInUseError } from './launch';
export * from './identity-provider';
