import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from '@app/contracts';
import { EventBatchPattern, type BatchFailures, type SqsBatchContext } from '@app/crypto-messaging';
import { recordEventsOf } from '@app/platform';
import { InvoicesService } from './invoices.service';

/** Billing's side of `patient-record.created.v1` (its filter policy admits billable records only). */
@Controller()
export class RecordEventsController {
  constructor(private readonly invoices: InvoicesService) {}

  /** A received batch (up to ten events), committed together; failures by event id. */
  @EventBatchPattern(PatientRecordCreatedV1Event)
  onRecordsCreated(
    @Payload() records: PatientRecordCreatedV1[],
    @Ctx() context: SqsBatchContext,
  ): Promise<BatchFailures> {
    return this.invoices.invoiceRecords(recordEventsOf(records, context));
  }
}
