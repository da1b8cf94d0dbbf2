/** @app/platform/testing: a private clinic environment for app tests. */
export { type AppUnderTest, type ClinicTestEnv, startClinicTestEnv } from './clinic-test-env';
export { TcpProxy } from './tcp-proxy';
export { AwsFaultProxy, type KmsMode } from './aws-fault-proxy';
export { countingClient, type CountedDatabase, startCountedDatabase } from './counted-database';
