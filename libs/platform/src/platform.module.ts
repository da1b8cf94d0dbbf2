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
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { clinicMessagingOptions } from '@app/clinic';
import { CryptoMessagingModule, MessagingRuntime } from '@app/crypto-messaging';
import { AuditController } from './audit/audit.controller';
import { AuditInterceptor } from './audit/audit.interceptor';
import { AuditTrail } from './audit/audit-trail';
import type { AppConfig } from './config/app.config';
import { dataSourceOptions, type AppDatabase, type DatabaseDeadlines } from './database/data-source.factory';
import { HealthController } from './health/health.controller';
import { DoctorController } from './health/doctor.controller';
import { KeyUseController } from './health/key-use.controller';
import { MessagingProbe } from './messaging/messaging-probe';
import { AccessModule } from './auth/access.module';
import { JourneyController } from './journey/journey.controller';
import { JOURNEY_EFFECTS, type JourneyEffectSource } from './journey/journey.types';
import { LabTransportController } from './journey/lab-transport.controller';
import { ObservationRing } from './journey/observation-ring';
import { APP_CONFIG } from './platform.tokens';

export { APP_CONFIG };

export interface PlatformOptions {
  readonly config: AppConfig;
  readonly database: AppDatabase;
  /** How `/health` checks messaging. */
  readonly probe: new (...args: never[]) => MessagingProbe;
  /** Modules that export what the probe needs (the EMR's outbox relay). */
  readonly probeImports?: ModuleMetadata['imports'];
  /** `messages` for consumers: their handlers' statements may run longer. Default `requests`. */
  readonly databaseDeadlines?: Exclude<DatabaseDeadlines, false>;
  /**
   * Consumers: the tables their effects land in, by event id. Given, the app serves
   * `GET /journey/:eventId` and, in the embedded profile only, the lab's
   * `POST /lab/transport/pause|resume`.
   */
  readonly journeyEffects?: readonly JourneyEffectSource[];
}

/**
 * Logs every master-key operation (the local mirror of CloudTrail's KMS entries: operation, key,
 * app, outcome; never payloads). {@link CryptoMessagingModule} releases the SDK clients.
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
  }
}

/**
 * What every clinic app shares: its config, its own PostgreSQL database through TypeORM (no
 * `synchronize`), the messaging runtime (one data-key cache per process), `/health`,
 * `/key-use`, the access guard, rate limits and route-rule check ({@link AccessModule}), and the
 * audit trail (`AuditTrail`, the interceptor that records every `@Audited` request, `GET /audit`).
 */
@Global()
@Module({})
export class PlatformModule {
  static forApp(options: PlatformOptions): DynamicModule {
    // One ring: the journey view reads what the runtime's publishers and transport report to it.
    const ring = new ObservationRing();
    const messaging = CryptoMessagingModule.forRoot({
      ...clinicMessagingOptions(options.config.messaging),
      app: options.config.app,
      tap: ring,
    });
    const providers: Provider[] = [
      { provide: APP_CONFIG, useValue: options.config },
      { provide: ObservationRing, useValue: ring },
      { provide: JOURNEY_EFFECTS, useValue: options.journeyEffects ?? [] },
      { provide: MessagingProbe, useClass: options.probe },
      RuntimeLifecycle,
      AuditTrail,
      { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
    ];
    return {
      module: PlatformModule,
      imports: [
        TypeOrmModule.forRoot(
          dataSourceOptions(options.config.databaseUrl, options.database, {
            deadlines: options.databaseDeadlines ?? 'requests',
            poolSize: options.config.databasePoolSize,
          }),
        ),
        messaging,
        ...(options.probeImports ?? []),
        AccessModule.forApp(options.config),
      ],
      controllers: [
        HealthController,
        KeyUseController,
        DoctorController,
        AuditController,
        ...(options.journeyEffects ? [JourneyController] : []),
        // The lab is not even registered outside the embedded profile.
        ...(options.journeyEffects && options.config.messaging.profile === 'embedded'
          ? [LabTransportController]
          : []),
      ],
      providers,
      exports: [APP_CONFIG, messaging, MessagingProbe, AuditTrail, ObservationRing],
    };
  }
}
