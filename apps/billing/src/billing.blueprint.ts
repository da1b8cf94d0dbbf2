import { PatientRecordCreatedV1Event } from '@app/contracts';
import type { AppBlueprint } from '@app/platform';
import { BillingModule } from './billing.module';

export const billingBlueprint: AppBlueprint = {
  app: 'billing',
  title: 'Billing',
  description: 'Revenue cycle: an invoice for each billable visit, priced from the fee schedule.',
  module: (config) => BillingModule.forRoot(config),
  consumer: { events: [PatientRecordCreatedV1Event] },
};
