import { AuditEntries1796000000000, ProcessedEvent, type AppDatabase } from '@app/platform';
import { InvoiceLine } from '../invoices/invoice-line.entity';
import { Invoice } from '../invoices/invoice.entity';
import { InitialSchema1764320000000 } from './migrations/1764320000000-initial-schema';
import { InvoiceEnteredBy1796000000000 } from './migrations/1796000000000-invoice-entered-by';

/** Billing's own database: entities and reviewed migrations. */
export const billingDatabase: AppDatabase = {
  entities: [Invoice, InvoiceLine, ProcessedEvent],
  migrations: [InitialSchema1764320000000, InvoiceEnteredBy1796000000000, AuditEntries1796000000000],
};
