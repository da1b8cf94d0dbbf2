import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from '@app/contracts';
import { EventBatchPattern, type BatchFailures, type SqsBatchContext } from '@app/crypto-messaging';
import { recordEventsOf } from '@app/platform';
import { RecordPrescribingService } from './record-prescribing.service';

/** Prescription's side of `patient-record.created.v1` (its filter policy admits records with medications). */
@Controller()
export class RecordEventsController {
  constructor(private readonly prescribing: RecordPrescribingService) {}

  /** A received batch (up to ten events), committed together; failures by event id. */
  @EventBatchPattern(PatientRecordCreatedV1Event)
  onRecordsCreated(
    @Payload() records: PatientRecordCreatedV1[],
    @Ctx() context: SqsBatchContext,
  ): Promise<BatchFailures> {
    return this.prescribing.prescribeRecords(recordEventsOf(records, context));
  }
}
