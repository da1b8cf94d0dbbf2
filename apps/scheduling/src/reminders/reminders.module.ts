import { Module } from '@nestjs/common';
import { SkipsModule } from '../skips/skips.module';
import { ReminderRepository } from './reminder.repository';
import { RemindersController } from './reminders.controller';
import { RemindersService } from './reminders.service';

/** Medication reminders: creation (for the record handler) and the read API. */
@Module({
  imports: [SkipsModule],
  controllers: [RemindersController],
  providers: [RemindersService, ReminderRepository],
  exports: [RemindersService],
})
export class RemindersModule {}
