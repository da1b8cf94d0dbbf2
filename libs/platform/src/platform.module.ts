import {
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type DynamicModule,
  type ModuleMetadata,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagingRuntime } from '@app/crypto-messaging';
import type { AppConfig } from './config/app.config';
import { dataSourceOptions, type AppDatabase, type DatabaseDeadlines } from './database/data-source.factory';
import { HealthController } from './health/health.controller';
import { KeyUseController } from './health/key-use.controller';
import { MessagingProbe } from './messaging/messaging-probe';
import { AccessModule } from './auth/access.module';

/** Injection token of the app's {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');

export interface PlatformOptions {
  readonly config: AppConfig;
  readonly database: AppDatabase;
  /** How `/health` checks messaging. */
  readonly probe: new (...args: never[]) => MessagingProbe;
  /** Modules that export what the probe needs (the EMR's outbox relay). */
  readonly probeImports?: ModuleMetadata['imports'];
  /** `messages` for consumers: their handlers' statements may run longer. Default `requests`. */
  readonly databaseDeadlines?: Exclude<DatabaseDeadlines, false>;
}

/**
 * Logs every master-key operation (the local mirror of CloudTrail's KMS entries: operation, key,
 * app, outcome; never payloads), and releases the SDK clients when the app shuts down.
 */
class RuntimeLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('KeyAudit');
  private unsubscribe?: () => void;

  constructor(@Inject(MessagingRuntime) private readonly runtime: MessagingRuntime) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.runtime.monitor.onAudit((event) => this.logger.log({ msg: 'key use', ...event }));
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    this.runtime.close();
  }
}

/**
 * What every clinic app shares: its config, its own PostgreSQL database through TypeORM (no
 * `synchronize`), the messaging runtime (one data-key cache per process), `/health` and
 * `/key-use`, and the access guard, rate limits and route-rule check ({@link AccessModule}).
 */
@Global()
@Module({})
export class PlatformModule {
  static forApp(options: PlatformOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: APP_CONFIG, useValue: options.config },
      {
        provide: MessagingRuntime,
        useFactory: () => MessagingRuntime.create(options.config.messaging, options.config.app),
      },
      { provide: MessagingProbe, useClass: options.probe },
      RuntimeLifecycle,
    ];
    return {
      module: PlatformModule,
      imports: [
        TypeOrmModule.forRoot(
          dataSourceOptions(options.config.databaseUrl, options.database, {
            deadlines: options.databaseDeadlines ?? 'requests',
          }),
        ),
        ...(options.probeImports ?? []),
        AccessModule.forApp(options.config),
      ],
      controllers: [HealthController, KeyUseController],
      providers,
      exports: [APP_CONFIG, MessagingRuntime, MessagingProbe],
    };
  }
}
