import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from '@app/contracts';
import type { SqsContext } from '@app/crypto-messaging';
import { RecordSchedulingService } from './record-scheduling.service';

/**
 * Scheduling's side of `patient-record.created.v1`. One handler for appointments and reminders
 * alike: both effects must commit with the one processed-event row of the event. Each message
 * goes through the batch path as a batch of one ({@link RecordSchedulingService.scheduleRecord}),
 * until the transport hands over received batches.
 */
@Controller()
export class RecordEventsController {
  constructor(private readonly scheduling: RecordSchedulingService) {}

  @EventPattern(PatientRecordCreatedV1Event.pattern)
  async onRecordCreated(
    @Payload() record: PatientRecordCreatedV1,
    @Ctx() context: SqsContext,
  ): Promise<void> {
    await this.scheduling.scheduleRecord(context.getEventId(), record);
  }
}
