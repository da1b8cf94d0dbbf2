import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from '@app/contracts';
import type { SqsContext } from '@app/crypto-messaging';
import { RecordPrescribingService } from './record-prescribing.service';

/** Prescription's side of `patient-record.created.v1` (its filter policy admits records with medications). */
@Controller()
export class RecordEventsController {
  constructor(private readonly prescribing: RecordPrescribingService) {}

  @EventPattern(PatientRecordCreatedV1Event.pattern)
  async onRecordCreated(
    @Payload() record: PatientRecordCreatedV1,
    @Ctx() context: SqsContext,
  ): Promise<void> {
    // One delivery as a batch of one, until the transport hands this handler whole batches.
    const eventId = context.getEventId();
    const failures = await this.prescribing.prescribeRecords([{ eventId, record }]);
    if (failures.has(eventId)) throw failures.get(eventId);
  }
}
