import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AccessTokenVerifier } from '@app/identity';
import type { AppConfig } from '../config/app.config';
import { AccessGuard } from './access.guard';
import { AccessRulesCheck } from './access-rules.check';
import { RateLimitGuard, rateLimitOptions } from './rate-limit.guard';

/**
 * Who may call an app's HTTP routes: the access-token verifier, the global access guard, the
 * per-person rate limits (after the access guard: global guards run in the order registered),
 * and the start-up check that every route declares its rule. Imported by `PlatformModule.forApp`.
 */
@Module({})
export class AccessModule {
  static forApp(config: Pick<AppConfig, 'identity' | 'edge'>): DynamicModule {
    return {
      module: AccessModule,
      imports: [DiscoveryModule, ThrottlerModule.forRoot(rateLimitOptions(config.edge))],
      providers: [
        { provide: AccessTokenVerifier, useFactory: () => AccessTokenVerifier.create(config.identity) },
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        AccessRulesCheck,
      ],
      exports: [AccessTokenVerifier],
    };
  }
}
