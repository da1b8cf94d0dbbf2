import { Module } from '@nestjs/common';
import { PrescriptionsController } from './prescriptions.controller';
import { PrescriptionsService } from './prescriptions.service';
import { RecordEventsController } from './record-events.controller';

/** Prescriptions and their fills: the event handler, the service and the HTTP API. */
@Module({
  controllers: [PrescriptionsController, RecordEventsController],
  providers: [PrescriptionsService],
})
export class PrescriptionsModule {}
