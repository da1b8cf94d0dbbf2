import { AuditEntries1796000000000, ProcessedEvent, type AppDatabase } from '@app/platform';
import { Appointment } from '../appointments/appointment.entity';
import { MedicationReminder } from '../reminders/reminder.entity';
import { InitialSchema1764330000000 } from './migrations/1764330000000-initial-schema';

/** Scheduling's own database: entities and reviewed migrations. */
export const schedulingDatabase: AppDatabase = {
  entities: [Appointment, MedicationReminder, ProcessedEvent],
  migrations: [InitialSchema1764330000000, AuditEntries1796000000000],
};
