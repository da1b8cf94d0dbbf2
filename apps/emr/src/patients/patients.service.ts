import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { CreatePatientDto } from './dto/create-patient.dto';
import { Patient } from './patient.entity';

/** Most patients one search returns: a picker, not an export. */
export const PATIENT_SEARCH_LIMIT = 20;

/** `value` as a literal inside a LIKE pattern: `%`, `_` and the escape character match themselves. */
function likeLiteral(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

@Injectable()
export class PatientsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Registers a patient (validated by its DTO) and assigns the next MRN (`SYN-000001` ...). */
  async create(dto: CreatePatientDto): Promise<Patient> {
    const [{ next }] = await this.dataSource.query<Array<{ next: string }>>(
      "SELECT nextval('patient_mrn_seq') AS next",
    );
    const patient = this.dataSource.getRepository(Patient).create({
      ...dto,
      phone: dto.phone ?? null,
      mrn: `SYN-${next.padStart(6, '0')}`,
    });
    return this.dataSource.getRepository(Patient).save(patient);
  }

  /**
   * Patients whose MRN, given name or family name starts with `query` (case-insensitive), by
   * family name, given name then MRN, at most {@link PATIENT_SEARCH_LIMIT}. The query is bound
   * as a parameter and its wildcards escaped: `%` finds a `%`, not everyone.
   */
  async search(query: string): Promise<Patient[]> {
    const prefix = `${likeLiteral(query)}%`;
    return this.dataSource
      .getRepository(Patient)
      .createQueryBuilder('patient')
      .where(
        'patient.mrn ILIKE :prefix OR patient.given_name ILIKE :prefix OR patient.family_name ILIKE :prefix',
        { prefix },
      )
      .orderBy('lower(patient.family_name)', 'ASC')
      .addOrderBy('lower(patient.given_name)', 'ASC')
      .addOrderBy('patient.mrn', 'ASC')
      .limit(PATIENT_SEARCH_LIMIT)
      .getMany();
  }

  async byId(id: string): Promise<Patient> {
    const patient = await this.dataSource.getRepository(Patient).findOne({ where: { id } });
    if (!patient) throw new NotFoundException(`Patient ${id} does not exist`);
    return patient;
  }
}
