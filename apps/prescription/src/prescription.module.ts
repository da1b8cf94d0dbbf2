import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, QueueProbe, type AppConfig } from '@app/platform';
import { prescriptionDatabase } from './database/prescription.database';
import { PrescriptionsModule } from './prescriptions/prescriptions.module';

/** Prescription: transmits each medication order to the patient's pharmacy and tracks its fills. */
@Module({})
export class PrescriptionModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: PrescriptionModule,
      imports: [
        PlatformModule.forApp({
          config,
          database: prescriptionDatabase,
          probe: QueueProbe,
          databaseDeadlines: 'messages',
          journeyEffects: [{ kind: 'prescriptions', table: 'prescriptions' }],
        }),
        PrescriptionsModule,
      ],
    };
  }
}
