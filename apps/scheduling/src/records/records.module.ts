import { Module } from '@nestjs/common';
import { AppointmentsModule } from '../appointments/appointments.module';
import { RemindersModule } from '../reminders/reminders.module';
import { RecordEventsController } from './record-events.controller';
import { RecordSchedulingService } from './record-scheduling.service';

/** The consumer side: new medical records in, appointments and reminders out. */
@Module({
  imports: [AppointmentsModule, RemindersModule],
  controllers: [RecordEventsController],
  providers: [RecordSchedulingService],
})
export class RecordsModule {}
