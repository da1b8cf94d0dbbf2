import { ApiProperty, PickType } from '@nestjs/swagger';
import type { Patient } from '../patient.entity';

/**
 * A patient as physicians and nurses read it: the demographics the care team needs to identify
 * the patient. Built field by field, so a column added to the entity never leaks by default.
 */
export class PatientView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'SYN-000123', description: 'Medical record number, assigned by the EMR' })
  mrn!: string;

  @ApiProperty({ example: 'Alex' })
  givenName!: string;

  @ApiProperty({ example: 'Testpatient' })
  familyName!: string;

  @ApiProperty({ example: '1980-01-01', description: 'YYYY-MM-DD' })
  dateOfBirth!: string;

  @ApiProperty({ example: '555-0100', nullable: true, type: String })
  phone!: string | null;

  @ApiProperty({ description: 'When the patient was registered' })
  createdAt!: Date;
}

export function patientView(patient: Patient): PatientView {
  return {
    id: patient.id,
    mrn: patient.mrn,
    givenName: patient.givenName,
    familyName: patient.familyName,
    dateOfBirth: patient.dateOfBirth,
    phone: patient.phone,
    createdAt: patient.createdAt,
  };
}

/**
 * A patient as a search lists it: enough to tell two patients apart and open the right one
 * (no phone, no registration time).
 */
export class PatientSummaryView extends PickType(PatientView, [
  'id',
  'mrn',
  'givenName',
  'familyName',
  'dateOfBirth',
] as const) {}

export function patientSummaryView(patient: Patient): PatientSummaryView {
  return {
    id: patient.id,
    mrn: patient.mrn,
    givenName: patient.givenName,
    familyName: patient.familyName,
    dateOfBirth: patient.dateOfBirth,
  };
}
