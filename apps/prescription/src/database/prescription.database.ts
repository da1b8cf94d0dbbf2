import { ProcessedEvent, type AppDatabase } from '@app/platform';
import { Fill } from '../prescriptions/fill.entity';
import { Prescription } from '../prescriptions/prescription.entity';
import { InitialSchema1764340000000 } from './migrations/1764340000000-initial-schema';

/** Prescription's own database: entities and reviewed migrations. */
export const prescriptionDatabase: AppDatabase = {
  entities: [Prescription, Fill, ProcessedEvent],
  migrations: [InitialSchema1764340000000],
};
