import { MOTO_REGION, startMessagingTestStack, type MessagingTestStack } from '@app/crypto-messaging/testing';
import { clinicMessagingOptions } from '../clinic.messaging';
import { loadMessagingConfig, type MessagingConfig } from '../messaging.settings';

/** The library's test stack with the clinic topology provisioned, and the clinic's settings. */
export interface TestStack extends MessagingTestStack {
  readonly config: MessagingConfig;
  /** The environment the config was read from: give it to apps under test. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Starts an isolated stack with the clinic's settings (the library's test stack, configured by
 * the clinic's environment): `embedded` is fauxqs with a fresh local master key in a temporary
 * folder; `aws` is a private moto server with real KMS semantics. Resolves `undefined` only when
 * moto is absent outside CI (the caller skips, loudly).
 */
export async function startTestStack(
  profile: 'embedded' | 'aws',
  env: Record<string, string> = {},
): Promise<TestStack | undefined> {
  let stackEnv: Record<string, string> = {};
  let config: MessagingConfig | undefined;
  const stack = await startMessagingTestStack(
    profile,
    (broker) => {
      stackEnv =
        profile === 'embedded'
          ? {
              CLINIC_PROFILE: 'embedded',
              CLINIC_BROKER_PORT: String(broker.port),
              CLINIC_STATE_DIR: broker.stateDir,
              ...env,
            }
          : {
              CLINIC_PROFILE: 'aws',
              AWS_ENDPOINT_URL: broker.endpoint,
              AWS_REGION: MOTO_REGION,
              CLINIC_STATE_DIR: broker.stateDir,
              ...env,
            };
      config = loadMessagingConfig(stackEnv);
      return clinicMessagingOptions(config);
    },
    { stateDirPrefix: 'clinic-test-' },
  );
  if (!stack) return undefined;
  return { ...stack, config: config!, env: stackEnv };
}
