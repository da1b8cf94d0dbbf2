import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Patient } from './patient.entity';

/** A patient to register: everything but what the database assigns. */
export type NewPatient = Omit<Patient, 'id' | 'createdAt'>;

/** `value` as a literal inside a LIKE pattern: `%`, `_` and the escape character match themselves. */
function likeLiteral(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Where patients are stored and found: the queries, none of the registration rules. */
@Injectable()
export class PatientRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The next number of the MRN sequence (never reused, even by a failed registration). */
  async nextMrnNumber(): Promise<string> {
    const [{ next }] = await this.dataSource.query<Array<{ next: string }>>(
      "SELECT nextval('patient_mrn_seq') AS next",
    );
    return next;
  }

  async insert(patient: NewPatient): Promise<Patient> {
    const repository = this.dataSource.getRepository(Patient);
    return repository.save(repository.create(patient));
  }

  /**
   * At most `limit` patients whose MRN, given name or family name starts with `query`
   * (case-insensitive), by family name, given name then MRN. The query is bound as a parameter
   * and its wildcards escaped: `%` finds a `%`, not everyone.
   */
  async searchByPrefix(query: string, limit: number): Promise<Patient[]> {
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
      .limit(limit)
      .getMany();
  }

  async byId(id: string): Promise<Patient | null> {
    return this.dataSource.getRepository(Patient).findOne({ where: { id } });
  }

  async exists(id: string): Promise<boolean> {
    return this.dataSource.getRepository(Patient).exists({ where: { id } });
  }
}
