import { Module } from '@nestjs/common';
import { RecordJourneyController } from './journey.controller';
import { JourneyService } from './journey.service';

/** The EMR's journey endpoint. */
@Module({
  controllers: [RecordJourneyController],
  providers: [JourneyService],
  exports: [JourneyService],
})
export class JourneyModule {}
