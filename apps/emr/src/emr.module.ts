import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type AppConfig } from '@app/platform';
import { emrDatabase } from './database/emr.database';
import { JourneyModule } from './journey/journey.module';
import { LabModule } from './lab/lab.module';
import { OutboxModule } from './outbox/outbox.module';
import { TopicProbe } from './outbox/topic.probe';
import { RecordsModule } from './records/records.module';

/** The EMR: physicians' API, its database, the outbox relay to the encrypted topic, the journey (and lab). */
@Module({})
export class EmrModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: EmrModule,
      imports: [
        PlatformModule.forApp({
          config,
          database: emrDatabase,
          probe: TopicProbe,
          probeImports: [OutboxModule],
        }),
        RecordsModule,
        JourneyModule,
        // The workshop's "break it" actions exist only on the embedded stack.
        ...(config.messaging.profile === 'embedded' ? [LabModule] : []),
      ],
    };
  }
}
