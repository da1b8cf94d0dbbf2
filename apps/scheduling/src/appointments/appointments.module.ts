import { Module } from '@nestjs/common';
import { AppointmentsController } from './appointments.controller';
import { AppointmentsService } from './appointments.service';
import { SkipsController } from '../skips/skips.controller';

/** Follow-up and lab appointments: booking (for the record handler) and the read API. */
@Module({
  controllers: [AppointmentsController, SkipsController],
  providers: [AppointmentsService],
  exports: [AppointmentsService],
})
export class AppointmentsModule {}
