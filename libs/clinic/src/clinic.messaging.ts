import { MessagingRuntime, type MessagingOptions } from '@app/crypto-messaging';
import { clinicTopology } from './clinic.topology';
import type { MessagingConfig } from './messaging.settings';

/** The embedded broker on loopback, or AWS_ENDPOINT_URL; `undefined` is AWS itself. */
export function clinicEndpoint(config: MessagingConfig): string | undefined {
  return config.profile === 'embedded'
    ? (config.endpoint ?? `http://127.0.0.1:${config.brokerPort}`)
    : config.endpoint;
}

/** The library's options for the clinic's settings: its topology, endpoint, key folder and principals. */
export function clinicMessagingOptions(config: MessagingConfig): MessagingOptions {
  return {
    profile: config.profile,
    topology: clinicTopology({ prefix: config.prefix, maxReceiveCount: config.maxReceiveCount }),
    region: config.region,
    endpoint: clinicEndpoint(config),
    localKeyDir: config.stateDir,
    dataKeyMaxAgeS: config.dataKeyMaxAgeS,
    dataKeyMaxMessages: config.dataKeyMaxMessages,
    algorithm: config.algorithm,
    topicArn: config.topicArn,
    principals: config.principals,
  };
}

/** The messaging runtime of one clinic process (`emr`, `billing`, `provisioner` ...). */
export function clinicRuntime(config: MessagingConfig, app: string): MessagingRuntime {
  return MessagingRuntime.create(clinicMessagingOptions(config), app);
}
