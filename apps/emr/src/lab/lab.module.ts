import { Module } from '@nestjs/common';
import { JourneyModule } from '../journey/journey.module';
import { LabController } from './lab.controller';
import { LabService } from './lab.service';

/** The workshop's "break it" actions. Imported by the EMR in the embedded profile only. */
@Module({
  imports: [JourneyModule],
  controllers: [LabController],
  providers: [LabService],
})
export class LabModule {}
