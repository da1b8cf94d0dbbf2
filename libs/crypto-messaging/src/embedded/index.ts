/**
 * @app/crypto-messaging/embedded: the `embedded` profile's SNS/SQS broker (fauxqs in a process
 * of its own) and the small process and port utilities it is built on, for development stacks
 * and tests. Not needed on AWS.
 */
export { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from './embedded-broker';
export { freePort } from './free-port';
export { launchNodeService, type LaunchedProcess, type ProcessExit } from './node-service';
