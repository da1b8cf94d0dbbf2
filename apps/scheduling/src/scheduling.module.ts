import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, QueueProbe, type AppConfig } from '@app/platform';
import { AppointmentsModule } from './appointments/appointments.module';
import { schedulingDatabase } from './database/scheduling.database';
import { RecordsModule } from './records/records.module';
import { RemindersModule } from './reminders/reminders.module';

/** Scheduling: books follow-up and lab appointments and plans medication reminders. */
@Module({})
export class SchedulingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: SchedulingModule,
      imports: [
        PlatformModule.forApp({
          config,
          database: schedulingDatabase,
          probe: QueueProbe,
          databaseDeadlines: 'messages',
          journeyEffects: [
            { kind: 'appointments', table: 'appointments' },
            { kind: 'reminders', table: 'medication_reminders' },
            { kind: 'skip', table: 'scheduling_skips' },
          ],
        }),
        AppointmentsModule,
        RemindersModule,
        RecordsModule,
      ],
    };
  }
}
