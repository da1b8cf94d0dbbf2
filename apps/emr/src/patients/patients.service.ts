import { Injectable, NotFoundException } from '@nestjs/common';
import type { CreatePatientDto } from './dto/create-patient.dto';
import type { Patient } from './patient.entity';
import { PatientRepository } from './patient.repository';

/** Most patients one search returns: a picker, not an export. */
export const PATIENT_SEARCH_LIMIT = 20;

/** 404 for an unknown patient id. */
export function patientNotFound(id: string): NotFoundException {
  return new NotFoundException(`Patient ${id} does not exist`);
}

@Injectable()
export class PatientsService {
  constructor(private readonly patients: PatientRepository) {}

  /** Registers a patient (validated by its DTO) and assigns the next MRN (`SYN-000001` ...). */
  async create(dto: CreatePatientDto): Promise<Patient> {
    const next = await this.patients.nextMrnNumber();
    return this.patients.insert({
      ...dto,
      phone: dto.phone ?? null,
      mrn: `SYN-${next.padStart(6, '0')}`,
    });
  }

  /**
   * Patients whose MRN, given name or family name starts with `query` (case-insensitive), by
   * family name, given name then MRN, at most {@link PATIENT_SEARCH_LIMIT}.
   */
  async search(query: string): Promise<Patient[]> {
    return this.patients.searchByPrefix(query, PATIENT_SEARCH_LIMIT);
  }

  async byId(id: string): Promise<Patient> {
    const patient = await this.patients.byId(id);
    if (!patient) throw patientNotFound(id);
    return patient;
  }
}
