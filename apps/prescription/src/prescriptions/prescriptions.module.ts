import { Module } from '@nestjs/common';
import { FillRepository } from './fill.repository';
import { FillsService } from './fills.service';
import { PrescriptionRepository } from './prescription.repository';
import { PrescriptionsController } from './prescriptions.controller';
import { PrescriptionsService } from './prescriptions.service';
import { RecordEventsController } from './record-events.controller';
import { RecordPrescribingService } from './record-prescribing.service';

/** Prescriptions and their fills: the event handler, the service and the HTTP API. */
@Module({
  controllers: [PrescriptionsController, RecordEventsController],
  providers: [
    PrescriptionsService,
    RecordPrescribingService,
    FillsService,
    PrescriptionRepository,
    FillRepository,
  ],
})
export class PrescriptionsModule {}
