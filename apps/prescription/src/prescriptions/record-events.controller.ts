import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { PatientRecordCreatedV1Event, type PatientRecordCreatedV1 } from '@app/contracts';
import type { SqsContext } from '@app/crypto-messaging';
import { PrescriptionsService } from './prescriptions.service';

/** Prescription's side of `patient-record.created.v1` (its filter policy admits records with medications). */
@Controller()
export class RecordEventsController {
  constructor(private readonly prescriptions: PrescriptionsService) {}

  @EventPattern(PatientRecordCreatedV1Event.pattern)
  async onRecordCreated(
    @Payload() record: PatientRecordCreatedV1,
    @Ctx() context: SqsContext,
  ): Promise<void> {
    // Defence in depth: the filter policy already routes only records with medications here.
    if (record.medications.length === 0) return;
    await this.prescriptions.prescribe(context.getEventId(), record);
  }
}
