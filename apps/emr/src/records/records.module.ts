import { Module } from '@nestjs/common';
import { OutboxModule } from '../outbox/outbox.module';
import { PatientsController } from '../patients/patients.controller';
import { PatientsService } from '../patients/patients.service';
import { RecordStoreModule } from './record-store.module';
import { RecordsController } from './records.controller';
import { RecordsService } from './records.service';

/** Patients and their records: the physicians' API. */
@Module({
  imports: [OutboxModule, RecordStoreModule],
  controllers: [PatientsController, RecordsController],
  providers: [PatientsService, RecordsService],
})
export class RecordsModule {}
