import { Module } from '@nestjs/common';
import { RecordJourneyController } from './journey.controller';
import { RecordStoreModule } from '../records/record-store.module';
import { JourneyService } from './journey.service';

/** The EMR's journey endpoint. */
@Module({
  imports: [RecordStoreModule],
  controllers: [RecordJourneyController],
  providers: [JourneyService],
  exports: [JourneyService],
})
export class JourneyModule {}
