import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, QueueProbe, type AppConfig } from '@app/platform';
import { billingDatabase } from './database/billing.database';
import { InvoicesModule } from './invoices/invoices.module';

/** Billing: invoices each billable visit from the fee schedule. */
@Module({})
export class BillingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: BillingModule,
      imports: [
        PlatformModule.forApp({
          config,
          database: billingDatabase,
          probe: QueueProbe,
          databaseDeadlines: 'messages',
          journeyEffects: [{ kind: 'invoice', table: 'invoices' }],
        }),
        InvoicesModule,
      ],
    };
  }
}
