import { PatientRecordCreatedV1Event } from '@app/contracts';
import type { AppBlueprint } from '@app/platform';
import { SchedulingModule } from './scheduling.module';

/** How to build the Scheduling app: a consumer of new medical records with a read API. */
export const schedulingBlueprint: AppBlueprint = {
  app: 'scheduling',
  title: 'Scheduling',
  description:
    'Books the follow-up and lab appointments of each new record into free slots, and plans medication reminders.',
  module: (config) => SchedulingModule.forRoot(config),
  consumer: { events: [PatientRecordCreatedV1Event] },
};
