import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from '@app/contracts';
import type { SqsContext } from '@app/crypto-messaging';
import { InvoicesService } from './invoices.service';

/** Billing's side of `patient-record.created.v1` (its filter policy admits billable records only). */
@Controller()
export class RecordEventsController {
  constructor(private readonly invoices: InvoicesService) {}

  @EventPattern(PatientRecordCreatedV1Event.pattern)
  async onRecordCreated(
    @Payload() record: PatientRecordCreatedV1,
    @Ctx() context: SqsContext,
  ): Promise<void> {
    // One delivery as a batch of one, until the transport hands this handler whole batches.
    const eventId = context.getEventId();
    const failures = await this.invoices.invoiceRecords([{ eventId, record }]);
    if (failures.has(eventId)) throw failures.get(eventId);
  }
}
