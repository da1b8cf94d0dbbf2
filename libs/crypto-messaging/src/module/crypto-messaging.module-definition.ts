import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import type { MessagingOptions } from '../config/messaging.config';
import type { DeliveryTap } from '../journey/delivery-tap';
import { MessagingRuntime } from '../messaging.runtime';
import { EncryptedPublisher } from '../publisher/encrypted.publisher';

/** What {@link CryptoMessagingModule} is configured with: the library's options and who this process is. */
export interface CryptoMessagingModuleOptions extends MessagingOptions {
  /** This process's name (`orders`, `billing`): in key-use audit entries and journey hops. */
  readonly app: string;
  /** Where publishers and the transport report each event's hops. Default: nowhere. */
  readonly tap?: DeliveryTap;
}

/** Module-level switches, fixed when the module is imported (they change what it provides). */
export interface CryptoMessagingModuleExtras {
  /** Provide the module's providers to every module of the application. Default false. */
  readonly isGlobal?: boolean;
  /**
   * Provide an {@link EncryptedPublisher}, ready at start-up: the topic's ARN is looked up while
   * the application starts, so it fails to start when the topology is not provisioned. Default
   * false (consumers need no topic; a publisher may also ask the runtime for one lazily).
   */
  readonly publisher?: boolean;
}

const publisherProvider: Provider = {
  provide: EncryptedPublisher,
  useFactory: (runtime: MessagingRuntime) => runtime.publisher(),
  inject: [MessagingRuntime],
};

export const {
  ConfigurableModuleClass: CryptoMessagingConfigurableModule,
  MODULE_OPTIONS_TOKEN: CRYPTO_MESSAGING_OPTIONS,
  OPTIONS_TYPE: CRYPTO_MESSAGING_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CRYPTO_MESSAGING_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CryptoMessagingModuleOptions>({ moduleName: 'CryptoMessaging' })
  .setClassMethodName('forRoot')
  .setExtras<CryptoMessagingModuleExtras>({ isGlobal: false, publisher: false }, (definition, extras) =>
    extras.publisher
      ? {
          ...definition,
          global: extras.isGlobal,
          providers: [...(definition.providers ?? []), publisherProvider],
          exports: [...(definition.exports ?? []), EncryptedPublisher],
        }
      : { ...definition, global: extras.isGlobal },
  )
  .build();
