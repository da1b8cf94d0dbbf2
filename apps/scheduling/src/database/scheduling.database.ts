import { AuditEntries1796000000000, ProcessedEvent, type AppDatabase } from '@app/platform';
import { Appointment } from '../appointments/appointment.entity';
import { MedicationReminder } from '../reminders/reminder.entity';
import { InitialSchema1764330000000 } from './migrations/1764330000000-initial-schema';
import { BoundedAttributableScheduling1796000000000 } from './migrations/1796000000000-bounded-attributable-scheduling';
import { SchedulingSkip } from '../skips/scheduling-skip.entity';

/** Scheduling's own database: entities and reviewed migrations. */
export const schedulingDatabase: AppDatabase = {
  entities: [Appointment, MedicationReminder, SchedulingSkip, ProcessedEvent],
  migrations: [
    InitialSchema1764330000000,
    BoundedAttributableScheduling1796000000000,
    AuditEntries1796000000000,
  ],
};
