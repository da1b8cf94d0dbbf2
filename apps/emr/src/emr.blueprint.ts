import type { AppBlueprint } from '@app/platform';
import { EmrModule } from './emr.module';

export const emrBlueprint: AppBlueprint = {
  app: 'emr',
  title: 'EMR',
  description:
    'Electronic medical record: physicians register patients and enter records; each record is published as patient-record.created.v1 to the encrypted topic through a transactional outbox.',
  module: (config) => EmrModule.forRoot(config),
};
