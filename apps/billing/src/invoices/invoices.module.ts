import { Module } from '@nestjs/common';
import { InvoicesController } from './invoices.controller';
import { InvoicesService } from './invoices.service';
import { InvoiceRepository } from './invoice.repository';
import { RecordEventsController } from './record-events.controller';

@Module({
  controllers: [InvoicesController, RecordEventsController],
  providers: [InvoicesService, InvoiceRepository],
})
export class InvoicesModule {}
