import { Module } from '@nestjs/common';
import { PatientRepository } from '../patients/patient.repository';
import { RecordRepository } from './record.repository';

/** The repositories of the EMR's two aggregates, patients and their records. */
@Module({
  providers: [PatientRepository, RecordRepository],
  exports: [PatientRepository, RecordRepository],
})
export class RecordStoreModule {}
