import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from '@app/contracts';
import { EventBatchPattern, type BatchFailures, type SqsBatchContext } from '@app/crypto-messaging';
import { InvoicesService } from './invoices.service';

/** Billing's side of `patient-record.created.v1` (its filter policy admits billable records only). */
@Controller()
export class RecordEventsController {
  constructor(private readonly invoices: InvoicesService) {}

  /** A received batch (up to ten events), committed in one transaction; failures by event id. */
  @EventBatchPattern(PatientRecordCreatedV1Event)
  onRecordsCreated(
    @Payload() records: PatientRecordCreatedV1[],
    @Ctx() context: SqsBatchContext,
  ): Promise<BatchFailures> {
    const eventIds = context.getEventIds();
    return this.invoices.invoiceRecords(records.map((record, i) => ({ eventId: eventIds[i], record })));
  }
}
