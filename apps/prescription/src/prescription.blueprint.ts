import { PatientRecordCreatedV1Event } from '@app/contracts';
import type { AppBlueprint } from '@app/platform';
import { PrescriptionModule } from './prescription.module';

/** How to build the Prescription app: a consumer of new records with medications. */
export const prescriptionBlueprint: AppBlueprint = {
  app: 'prescription',
  title: 'Prescription',
  description:
    'Electronic prescriptions to authorised pharmacies, rejections recorded with their reason, and fill history.',
  module: (config) => PrescriptionModule.forRoot(config),
  consumer: { events: [PatientRecordCreatedV1Event] },
};
