import { AuditEntries1796000000000, type AppDatabase } from '@app/platform';
import { OutboxEvent } from '../outbox/outbox-event.entity';
import { Patient } from '../patients/patient.entity';
import { MedicalRecord } from '../records/medical-record.entity';
import { InitialSchema1764320000000 } from './migrations/1764320000000-initial-schema';
import { SealedOutbox1795970000000 } from './migrations/1795970000000-sealed-outbox';
import { RecordEnteredBy1796000000000 } from './migrations/1796000000000-record-entered-by';
import { OutboxMessageId1796100000000 } from './migrations/1796100000000-outbox-message-id';
import { OutboxNotify1796200000000 } from './migrations/1796200000000-outbox-notify';
import { OutboxDueIndex1796300000000 } from './migrations/1796300000000-outbox-due-index';

/** The EMR's own database: entities and reviewed migrations. */
export const emrDatabase: AppDatabase = {
  entities: [Patient, MedicalRecord, OutboxEvent],
  migrations: [
    InitialSchema1764320000000,
    SealedOutbox1795970000000,
    RecordEnteredBy1796000000000,
    AuditEntries1796000000000,
    OutboxMessageId1796100000000,
    OutboxNotify1796200000000,
    OutboxDueIndex1796300000000,
  ],
};
