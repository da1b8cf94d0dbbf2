import { Module } from '@nestjs/common';
import { SkipsModule } from '../skips/skips.module';
import { AppointmentRepository } from './appointment.repository';
import { AppointmentsController } from './appointments.controller';
import { AppointmentsService } from './appointments.service';

/** Follow-up and lab appointments: booking (for the record handler) and the read API. */
@Module({
  imports: [SkipsModule],
  controllers: [AppointmentsController],
  providers: [AppointmentsService, AppointmentRepository],
  exports: [AppointmentsService],
})
export class AppointmentsModule {}
