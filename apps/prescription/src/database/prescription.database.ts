import { AuditEntries1796000000000, ProcessedEvent, type AppDatabase } from '@app/platform';
import { Fill } from '../prescriptions/fill.entity';
import { FillRequest } from '../prescriptions/fill-request.entity';
import { Prescription } from '../prescriptions/prescription.entity';
import { InitialSchema1764340000000 } from './migrations/1764340000000-initial-schema';
import { FillIdempotencyKeys1764400000000 } from './migrations/1764400000000-fill-idempotency-keys';
import { AttributablePrescriptions1796000000000 } from './migrations/1796000000000-attributable-prescriptions';

/** Prescription's own database: entities and reviewed migrations. */
export const prescriptionDatabase: AppDatabase = {
  entities: [Prescription, Fill, FillRequest, ProcessedEvent],
  migrations: [
    InitialSchema1764340000000,
    FillIdempotencyKeys1764400000000,
    AttributablePrescriptions1796000000000,
    AuditEntries1796000000000,
  ],
};
