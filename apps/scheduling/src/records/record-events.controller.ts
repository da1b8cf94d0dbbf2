import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from '@app/contracts';
import { EventBatchPattern, type BatchFailures, type SqsBatchContext } from '@app/crypto-messaging';
import { recordEventsOf } from '@app/platform';
import { RecordSchedulingService } from './record-scheduling.service';

/**
 * Scheduling's side of `patient-record.created.v1`. One handler for appointments and reminders
 * alike: both effects commit with the one processed-event row of each event.
 */
@Controller()
export class RecordEventsController {
  constructor(private readonly scheduling: RecordSchedulingService) {}

  /** A received batch (up to ten events), committed together; failures by event id. */
  @EventBatchPattern(PatientRecordCreatedV1Event)
  onRecordsCreated(
    @Payload() records: PatientRecordCreatedV1[],
    @Ctx() context: SqsBatchContext,
  ): Promise<BatchFailures> {
    return this.scheduling.scheduleRecords(recordEventsOf(records, context));
  }
}
