import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { KeyUseMonitor } from '../keys/key-use.monitor';
import { MessagingRuntime } from '../messaging.runtime';
import { ConsumerServerFactory } from './consumer-server.factory';
import {
  CRYPTO_MESSAGING_OPTIONS,
  CryptoMessagingConfigurableModule,
  type CryptoMessagingModuleOptions,
} from './crypto-messaging.module-definition';

/** Releases the SDK clients' sockets when the application shuts down. */
@Injectable()
class RuntimeCloser implements OnApplicationShutdown {
  constructor(@Inject(MessagingRuntime) private readonly runtime: MessagingRuntime) {}

  onApplicationShutdown(): void {
    this.runtime.close();
  }
}

/**
 * Encrypted SNS-to-SQS messaging for a Nest application. `forRoot(options)` or
 * `forRootAsync({ imports, inject, useFactory })` with the topology, profile and region; it
 * provides the {@link MessagingRuntime} (one SDK client set, one data-key cache per process),
 * the {@link ConsumerServerFactory}, the {@link KeyUseMonitor} and, with `publisher: true`, an
 * `EncryptedPublisher`; and it closes the SDK clients on shutdown.
 */
@Module({
  providers: [
    {
      provide: MessagingRuntime,
      useFactory: ({ app, tap, ...options }: CryptoMessagingModuleOptions) => {
        const runtime = MessagingRuntime.create(options, app);
        runtime.tap = tap;
        return runtime;
      },
      inject: [CRYPTO_MESSAGING_OPTIONS],
    },
    {
      provide: KeyUseMonitor,
      useFactory: (runtime: MessagingRuntime) => runtime.monitor,
      inject: [MessagingRuntime],
    },
    ConsumerServerFactory,
    RuntimeCloser,
  ],
  exports: [MessagingRuntime, KeyUseMonitor, ConsumerServerFactory],
})
export class CryptoMessagingModule extends CryptoMessagingConfigurableModule {}
